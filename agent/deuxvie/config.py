"""The stick's configuration: `deuxvie.toml`, overridden by `deuxvie.KEY=VALUE` on the
kernel command line (the ShredOS idea: one image, many workshops; a PXE menu can set the
operator or the lot without touching the stick).

Every key has one dotted name used both in the TOML file (as tables) and on the kernel
command line, e.g. `[wipe] method = "purge"` and `deuxvie.wipe.method=purge`. An unknown
key or a badly typed value is an error naming the key, never a silent default: an
unattended run with a misspelt `unattended` would otherwise stop at a question with nobody
in front of the screen.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from deuxvie import netboot
from deuxvie.host.base import Host

# Where `deuxvie run` looks when --config is not given: the stick's writable data
# partition (live-image/), then /etc on a dev machine.
DEFAULT_CONFIG_PATHS = (
    Path("/data/deuxvie.toml"),  # live-image/init mounts the DEUXVIE-labelled partition here
    Path("/run/deuxvie/data/deuxvie.toml"),
    Path("/etc/deuxvie/deuxvie.toml"),
)
CMDLINE_PREFIX = "deuxvie."


class ConfigError(ValueError):
    """A bad configuration; the message names the key and the source."""


@dataclass(frozen=True)
class Config:
    server_url: str | None = None
    station_dir: Path = Path("/run/deuxvie/data/station")
    operator: str = ""
    organisation: str = ""
    donor_id: str | None = None
    donor_name: str | None = None
    lot_id: str | None = None
    asset_prefix: str = "DV"
    policy_file: Path | None = None  # None: the grading module's shipped default
    printer: str | None = None  # e.g. "file:/dir", "brother_ql:tcp://10.0.0.5", "cups:QL700"
    label_size: str = "62"  # deuxvie.label.config.SIZES
    language: str = "fr"
    unattended: bool = False
    power_off: bool = False
    wipe_method: str = "purge"  # purge where the media supports it, else clear
    wipe_removable: bool = False  # also wipe USB/SD media attached to the donated PC
    # After a power cut, the next run reports the disk INTERRUPTED (journal on the stick)
    # and does not wipe it again unless this is set (e.g. deuxvie.wipe.restart_interrupted=1).
    wipe_restart_interrupted: bool = False
    verify: str = "full"  # full | sample:PCT | none
    selftest: str = "short"  # short | long | none
    cpu_stress_s: int = 60
    ram_test_pct: int = 85
    data_dir: Path = Path("/run/deuxvie/data")
    # delivery (deuxvie.report.upload.DeliveryPolicy): answered attempts without a receipt
    # before a report moves to stuck/, and the first backoff (doubles each attempt)
    upload_max_attempts: int = 10
    upload_retry_after_s: int = 60
    # "station": the live image starts `deuxvie station-mode` (loose disks hot-plugged into
    # a dock) instead of `deuxvie run` (kernel command line deuxvie.mode=station)
    mode: str = "run"
    source: tuple[str, ...] = field(default=(), compare=False)  # where values came from

    @property
    def spool_dir(self) -> Path:
        return self.data_dir / "spool"

    @property
    def certificates_dir(self) -> Path:
        return self.data_dir / "certificates"

    @property
    def labels_dir(self) -> Path:
        return self.data_dir / "labels"

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"


# ---- value converters: str (kernel command line) or TOML value -> typed value ----------

_TRUE = {"1", "true", "yes", "on", "oui", "o", "y"}
_FALSE = {"0", "false", "no", "off", "non", "n"}


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError(f"expected a boolean (true/false, 1/0, yes/no), got {value!r}")


def _to_int(lo: int, hi: int) -> Callable[[Any], int]:
    def conv(value: Any) -> int:
        if isinstance(value, bool):
            raise ValueError(f"expected an integer, got {value!r}")
        if isinstance(value, int):
            number = value
        elif isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
            number = int(value)
        else:
            raise ValueError(f"expected an integer, got {value!r}")
        if not lo <= number <= hi:
            raise ValueError(f"expected an integer in {lo}..{hi}, got {number}")
        return number

    return conv


def _to_str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {value!r}")
    return value


def _to_opt_str(value: Any) -> str | None:
    text = _to_str(value).strip()
    return text or None


def _choice(*allowed: str) -> Callable[[Any], str]:
    def conv(value: Any) -> str:
        text = _to_str(value).strip().lower()
        if text not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}, got {value!r}")
        return text

    return conv


def _label_size(value: Any) -> str:
    from deuxvie.label.config import label_size  # the label area owns the list of sizes

    text = _to_str(value).strip()
    label_size(text)  # ValueError names the known sizes
    return text


def _to_url(value: Any) -> str | None:
    text = _to_str(value).strip().rstrip("/")
    if not text:
        return None
    if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", text):
        raise ValueError(f"expected an http:// or https:// URL, got {value!r}")
    return text


def _to_verify(value: Any) -> str:
    # the wipe command's own rule; imported here, as wipe.plan pulls the whole wipe package
    # in, which `deuxvie run` must not pay before its first frame (issue 16)
    from deuxvie.wipe.plan import parse_verify

    return parse_verify(_to_str(value))


_PATH = "path"  # marker: resolved against the config file's folder
_OPT_PATH = "opt_path"

# dotted key -> (Config field, converter or path marker)
SCHEMA: dict[str, tuple[str, Callable[[Any], Any] | str]] = {
    "server.url": ("server_url", _to_url),
    "station.dir": ("station_dir", _PATH),
    "station.operator": ("operator", _to_str),
    "station.organisation": ("organisation", _to_str),
    "donor.id": ("donor_id", _to_opt_str),
    "donor.name": ("donor_name", _to_opt_str),
    "lot.id": ("lot_id", _to_opt_str),
    "asset.prefix": ("asset_prefix", _to_str),
    "policy.file": ("policy_file", _OPT_PATH),
    "label.printer": ("printer", _to_opt_str),
    "label.size": ("label_size", _label_size),
    "language": ("language", _choice("fr", "en")),
    "unattended": ("unattended", _to_bool),
    "power_off": ("power_off", _to_bool),
    "wipe.method": ("wipe_method", _choice("purge", "clear")),
    "wipe.verify": ("verify", _to_verify),
    "wipe.removable": ("wipe_removable", _to_bool),
    "wipe.restart_interrupted": ("wipe_restart_interrupted", _to_bool),
    "tests.selftest": ("selftest", _choice("short", "long", "none")),
    "tests.cpu_stress_s": ("cpu_stress_s", _to_int(0, 24 * 3600)),
    "tests.ram_test_pct": ("ram_test_pct", _to_int(0, 95)),
    "data.dir": ("data_dir", _PATH),
    "server.max_attempts": ("upload_max_attempts", _to_int(1, 1000)),
    "server.retry_after_s": ("upload_retry_after_s", _to_int(0, 24 * 3600)),
    "mode": ("mode", _choice("run", "station")),
}
# Every schema key maps to a real field (caught at import, not at a workshop).
assert {f for f, _ in SCHEMA.values()} <= {f.name for f in fields(Config)}


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and dotted not in SCHEMA:
            flat.update(_flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


def _convert(key: str, value: Any, base_dir: Path, origin: str) -> tuple[str, Any]:
    if key not in SCHEMA:
        known = ", ".join(sorted(SCHEMA))
        raise ConfigError(f"{origin}: unknown key {key!r} (known keys: {known})")
    name, conv = SCHEMA[key]
    try:
        if conv in (_PATH, _OPT_PATH):
            text = _to_str(value).strip()
            if not text:
                if conv == _OPT_PATH:
                    return name, None
                raise ValueError("expected a path, got an empty string")
            path = Path(text)
            return name, path if path.is_absolute() else base_dir / path
        assert callable(conv)
        return name, conv(value)
    except ValueError as exc:
        raise ConfigError(f"{origin}: key {key!r}: {exc}") from None


def parse_toml(text: str, *, base_dir: Path, origin: str = "deuxvie.toml") -> dict[str, Any]:
    """TOML text -> {Config field: typed value}. Relative paths are relative to base_dir
    (the stick's folder), so one stick works wherever it is mounted."""
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{origin}: not valid TOML: {exc}") from None
    values: dict[str, Any] = {}
    for key, value in _flatten(table).items():
        name, typed = _convert(key, value, base_dir, origin)
        values[name] = typed
    return values


def parse_cmdline(cmdline: str, *, base_dir: Path) -> dict[str, Any]:
    """`deuxvie.KEY=VALUE` words of a kernel command line -> {Config field: value}.

    Words after a lone `--` belong to init, not to the kernel (kernel-parameters.rst), so
    they are ignored. A bare `deuxvie.unattended` means true, as for kernel flags."""
    try:
        words = shlex.split(cmdline)
    except ValueError as exc:
        raise ConfigError(f"/proc/cmdline: cannot split: {exc}") from None
    values: dict[str, Any] = {}
    for word in words:
        if word == "--":
            break
        if not word.startswith(CMDLINE_PREFIX):
            continue
        key, sep, raw = word[len(CMDLINE_PREFIX) :].partition("=")
        if key == "config":
            continue  # deuxvie.config=URL: the file itself, fetched by load_config (netboot)
        if not sep:
            if key in SCHEMA and SCHEMA[key][1] is _to_bool:
                raw = "1"
            else:
                raise ConfigError(f"/proc/cmdline: key {key!r} needs a value ({word}=VALUE)")
        name, typed = _convert(key, raw, base_dir, "/proc/cmdline")
        values[name] = typed
    return values


def read_kernel_cmdline(host: Host) -> str:
    """The running kernel's command line, through the Host (replayable)."""
    return host.read_text_or("/proc/cmdline", "") or ""


def build_config(
    toml_text: str | None,
    *,
    base_dir: Path,
    cmdline: str = "",
    origin: str = "deuxvie.toml",
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    """Defaults < file < kernel command line < `overrides` (command-line flags)."""
    values: dict[str, Any] = {}
    sources: list[str] = []
    if toml_text is not None:
        values.update(parse_toml(toml_text, base_dir=base_dir, origin=origin))
        sources.append(origin)
    from_cmdline = parse_cmdline(cmdline, base_dir=base_dir)
    if from_cmdline:
        values.update(from_cmdline)
        sources.append("/proc/cmdline")
    if overrides:
        values.update(overrides)
        sources.append("arguments")
    # On the stick, everything lives beside deuxvie.toml unless said otherwise; the
    # station keys live in the data folder.
    if "data_dir" not in values and toml_text is not None:
        values["data_dir"] = base_dir
    if "station_dir" not in values:
        values["station_dir"] = Path(values.get("data_dir", Config.data_dir)) / "station"
    return Config(**values, source=tuple(sources))


def find_config(candidates: Iterable[Path] = DEFAULT_CONFIG_PATHS) -> Path | None:
    for path in candidates:
        if path.is_file():
            return path
    return None


def load_config(
    path: Path | None,
    host: Host,
    *,
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    """Read the stick's deuxvie.toml (or the defaults when `path` is None) and apply the
    kernel command line of `host`."""
    text: str | None = None
    base_dir = Path.cwd()
    origin = "defaults"
    cmdline = read_kernel_cmdline(host)
    url = netboot.config_url(cmdline)
    if url:
        # PXE: the file lives on the network and replaces the stick's (docs/adr/0081); its
        # relative paths are relative to the default data folder (RAM without a stick).
        try:
            text = netboot.fetch_config_text(url)
        except netboot.NetConfigError as exc:
            raise ConfigError(f"{netboot.CONFIG_KEY}: {exc}") from None
        base_dir, origin = Config.data_dir, url
    elif path is not None:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
        base_dir = path.resolve().parent
        origin = str(path)
    return build_config(
        text,
        base_dir=base_dir,
        cmdline=cmdline,
        origin=origin,
        overrides=overrides,
    )
