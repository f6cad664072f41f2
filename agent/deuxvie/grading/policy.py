"""Grading policy: every threshold as data (TOML), loaded into a frozen dataclass.

The shipped `default_policy.toml` is the single source of the default numbers (each with
its source in a comment). A workshop's file passed with `--policy FILE` is merged over
it, so it only needs the keys it changes. Unknown keys, wrong types and out-of-range
values raise `PolicyError` naming the key: a typo must never fall back to a default.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

DEFAULT_POLICY_RESOURCE = "default_policy.toml"

# Names the `required` list may hold: the diagnostic names of model/diagnostics.py plus
# "erasure" (a disk without an erasure record).
KNOWN_TESTS = ("smart", "selftest", "surface", "ram", "cpu_stress", "battery", "erasure")
VERDICTS_FOR_UNTESTED = ("PASS_WITH_WARNINGS", "FAIL")
# The functions of issue #12 (deuxvie.model.functions.FUNCTION_IDS, repeated here so the
# policy module stays free of the model).
KNOWN_FUNCTIONS = ("screen", "backlight", "keyboard", "pointing", "audio_out", "audio_in",
                   "webcam", "wifi", "ethernet", "bluetooth", "usb", "battery_charge", "fans",
                   "optical")


class PolicyError(ValueError):
    """A policy that cannot be used; `key` is the dotted key at fault ("smart.x")."""

    def __init__(self, key: str, message: str, source: str = "policy") -> None:
        self.key = key
        self.source = source
        super().__init__(f"{source}: {key}: {message}")


def _num(lo: float | None = None, hi: float | None = None) -> dict[str, Any]:
    return {"min": lo, "max": hi}


def _pct() -> dict[str, Any]:
    return {"min": 0, "max": 100}


def _choice(*values: str) -> dict[str, Any]:
    return {"choices": values}


@dataclass(frozen=True)
class SmartPolicy:
    reallocated_warn_above: int = field(metadata=_num(0))
    reallocated_fail_above: int = field(metadata=_num(0))
    reported_uncorrectable_fail_above: int = field(metadata=_num(0))
    command_timeout_warn_above: int = field(metadata=_num(0))
    pending_fail_above: int = field(metadata=_num(0))
    offline_uncorrectable_fail_above: int = field(metadata=_num(0))
    spin_retry_fail_above: int = field(metadata=_num(0))
    fail_on_failed_selftest: bool
    fail_on_attribute_failing_now: bool


@dataclass(frozen=True)
class NvmePolicy:
    critical_warning_fail_mask: int = field(metadata=_num(0, 0xFF))
    percentage_used_warn_at: int = field(metadata=_num(0, 255))
    percentage_used_fail_above: int = field(metadata=_num(0, 255))
    media_errors_fail_above: int = field(metadata=_num(0))
    available_spare_fallback_threshold_pct: int = field(metadata=_pct())


@dataclass(frozen=True)
class ScsiPolicy:
    grown_defects_fail_above: int = field(metadata=_num(0))


@dataclass(frozen=True)
class BatteryPolicy:
    health_warn_below_pct: float = field(metadata=_pct())
    health_fail_below_pct: float = field(metadata=_pct())
    cycles_warn_above: int = field(metadata=_num(0))


@dataclass(frozen=True)
class MinimumPolicy:
    ram_gib: float = field(metadata=_num(0))
    storage_gb: float = field(metadata=_num(0))
    require_64bit: bool
    meminfo_tolerance_pct: float = field(metadata=_num(0, 50))
    storage_tolerance_pct: float = field(metadata=_num(0, 50))


@dataclass(frozen=True)
class Windows11Policy:
    ram_gib: float = field(metadata=_num(0))
    storage_gb: float = field(metadata=_num(0))
    tpm_version: str = field(metadata=_choice("2.0", "1.2"))
    require_uefi: bool
    require_secure_boot_capable: bool


@dataclass(frozen=True)
class CpuPolicy:
    temperature_warn_c: float = field(metadata=_num(0, 150))
    temperature_fail_c: float = field(metadata=_num(0, 150))
    throttle_events_warn_above: int = field(metadata=_num(0))

    def stress_limits(self) -> dict[str, Any]:
        """run_cpu_stress's thresholds under this policy (the run and `deuxvie grade
        --diagnose` pass the same ones)."""
        return {"temperature_warn_c": self.temperature_warn_c,
                "temperature_fail_c": self.temperature_fail_c,
                "throttle_events_warn_above": self.throttle_events_warn_above}


@dataclass(frozen=True)
class DiagnosticsPolicy:
    selftest: str = field(metadata=_choice("short", "long", "none"))
    selftest_short_time_limit_s: float = field(metadata=_num(1))
    selftest_long_time_limit_s: float = field(metadata=_num(1))
    cpu_stress_duration_s: float = field(metadata=_num(0.1))
    ram_fraction_pct: float = field(metadata=_num(0.001, 95))
    ram_passes: int = field(metadata=_num(1, 100))
    surface_mode: str = field(metadata=_choice("sampled", "full"))
    surface_sample_pct: float = field(metadata=_num(0.001, 100))
    surface_block_bytes: int = field(metadata=_num(4096, 64 * 1024 * 1024))
    surface_slow_read_ms: float = field(metadata=_num(1))
    surface_slow_reads_warn_above: int = field(metadata=_num(0))

    def selftest_time_limit_s(self, kind: str) -> float:
        return (self.selftest_long_time_limit_s if kind == "long"
                else self.selftest_short_time_limit_s)

    def surface_options(self) -> dict[str, Any]:
        """run_surface_scan's keyword arguments under this policy."""
        return {"mode": self.surface_mode, "sample_pct": self.surface_sample_pct,
                "block_bytes": self.surface_block_bytes,
                "slow_read_ms": self.surface_slow_read_ms,
                "slow_reads_warn_above": self.surface_slow_reads_warn_above}


@dataclass(frozen=True)
class GradingPolicy:
    required: tuple[str, ...] = field(metadata={"items": KNOWN_TESTS})
    untested_verdict: str = field(metadata=_choice(*VERDICTS_FOR_UNTESTED))
    manual_checks: tuple[str, ...]
    max_repairs: int = field(metadata=_num(0, 10))


@dataclass(frozen=True)
class FunctionsPolicy:
    laptop_chassis: tuple[str, ...]
    laptop: tuple[str, ...] = field(metadata={"items": KNOWN_FUNCTIONS})
    desktop: tuple[str, ...] = field(metadata={"items": KNOWN_FUNCTIONS})
    parts_fr: dict[str, str] = field(metadata={"keys": KNOWN_FUNCTIONS})
    parts_en: dict[str, str] = field(metadata={"keys": KNOWN_FUNCTIONS})
    ethernet_link_wait_s: float = field(metadata=_num(0, 60))
    tone_hz: float = field(metadata=_num(100, 8000))
    tone_s: float = field(metadata=_num(0.2, 10))
    loopback_min_snr_db: float = field(metadata=_num(0, 60))
    webcam_frames: int = field(metadata=_num(1, 100))
    webcam_min_spread: int = field(metadata=_num(0, 255))

    def chassis_class(self, chassis_type: str | None) -> str:
        """"laptop" or "desktop" (unknown chassis: desktop, the shorter list, and the
        grade says the chassis was unknown)."""
        return "laptop" if chassis_type in self.laptop_chassis else "desktop"

    def required(self, chassis_type: str | None) -> tuple[str, ...]:
        return self.laptop if self.chassis_class(chassis_type) == "laptop" else self.desktop


@dataclass(frozen=True)
class Policy:
    name: str
    smart: SmartPolicy
    nvme: NvmePolicy
    scsi: ScsiPolicy
    battery: BatteryPolicy
    minimum: MinimumPolicy
    windows11: Windows11Policy
    cpu: CpuPolicy
    diagnostics: DiagnosticsPolicy
    grading: GradingPolicy
    functions: FunctionsPolicy
    source: str = "default"


_SECTIONS: dict[str, type] = {
    "smart": SmartPolicy,
    "nvme": NvmePolicy,
    "scsi": ScsiPolicy,
    "battery": BatteryPolicy,
    "minimum": MinimumPolicy,
    "windows11": Windows11Policy,
    "cpu": CpuPolicy,
    "diagnostics": DiagnosticsPolicy,
    "grading": GradingPolicy,
    "functions": FunctionsPolicy,
}


def _type_name(value: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
            list: "a list", dict: "a table"}.get(type(value), type(value).__name__)


def _check_value(key: str, annotation: str, meta: dict[str, Any], value: Any, src: str) -> Any:
    # Annotations are strings (from __future__ import annotations); the set is small.
    # bool is a subclass of int in Python: refuse `true` where a number is expected.
    if annotation == "bool":
        if not isinstance(value, bool):
            raise PolicyError(key, f"expected true or false, got {_type_name(value)}", src)
        return value
    if annotation in ("int", "float"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise PolicyError(key, f"expected a number, got {_type_name(value)}", src)
        if annotation == "int" and not isinstance(value, int):
            raise PolicyError(key, f"expected an integer, got {value!r}", src)
        lo, hi = meta.get("min"), meta.get("max")
        if lo is not None and value < lo:
            raise PolicyError(key, f"{value!r} is below the minimum {lo}", src)
        if hi is not None and value > hi:
            raise PolicyError(key, f"{value!r} is above the maximum {hi}", src)
        return float(value) if annotation == "float" else value
    if annotation == "str":
        if not isinstance(value, str):
            raise PolicyError(key, f"expected a string, got {_type_name(value)}", src)
        choices = meta.get("choices")
        if choices and value not in choices:
            allowed = ", ".join(repr(c) for c in choices)
            raise PolicyError(key, f"{value!r} is not one of {allowed}", src)
        return value
    if annotation == "tuple[str, ...]":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise PolicyError(key, f"expected a list of strings, got {_type_name(value)}", src)
        items = meta.get("items")
        if items:
            for v in value:
                if v not in items:
                    raise PolicyError(key, f"unknown entry {v!r} (known: {', '.join(items)})", src)
        return tuple(value)
    if annotation == "dict[str, str]":
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise PolicyError(key, f"expected a table of strings, got {_type_name(value)}", src)
        keys = meta.get("keys")
        for k in value:
            if keys and k not in keys:
                raise PolicyError(f"{key}.{k}", f"unknown entry (known: {', '.join(keys)})", src)
        return dict(value)
    raise AssertionError(f"policy field {key} has unsupported type {annotation}")


def _build_section(name: str, cls: type, table: Any, src: str) -> Any:
    if not isinstance(table, dict):
        raise PolicyError(name, f"expected a table [{name}], got {_type_name(table)}", src)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for key in table:
        if key not in fields:
            raise PolicyError(f"{name}.{key}", "unknown key", src)
    values: dict[str, Any] = {}
    for fname, f in fields.items():
        key = f"{name}.{fname}"
        if fname not in table:
            raise PolicyError(key, "missing", src)
        values[fname] = _check_value(key, str(f.type), dict(f.metadata), table[fname], src)
    return cls(**values)


def _cross_checks(p: Policy) -> None:
    if p.smart.reallocated_fail_above < p.smart.reallocated_warn_above:
        raise PolicyError("smart.reallocated_fail_above", "must be >= reallocated_warn_above",
                          p.source)
    if p.battery.health_fail_below_pct > p.battery.health_warn_below_pct:
        raise PolicyError("battery.health_fail_below_pct", "must be <= health_warn_below_pct",
                          p.source)
    if p.nvme.percentage_used_warn_at > p.nvme.percentage_used_fail_above + 1:
        raise PolicyError("nvme.percentage_used_warn_at",
                          "must not exceed percentage_used_fail_above", p.source)
    if p.cpu.temperature_fail_c < p.cpu.temperature_warn_c:
        raise PolicyError("cpu.temperature_fail_c", "must be >= temperature_warn_c", p.source)


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def policy_from_dict(data: dict[str, Any], source: str = "policy") -> Policy:
    """A complete policy table (defaults already merged) -> Policy, or PolicyError."""
    for key in data:
        if key != "name" and key not in _SECTIONS:
            raise PolicyError(key, "unknown key", source)
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise PolicyError("name", "expected a non-empty string", source)
    sections = {s: _build_section(s, cls, data.get(s, {}), source) for s, cls in _SECTIONS.items()}
    policy = Policy(name=name, source=source, **sections)
    _cross_checks(policy)
    return policy


def default_policy_text() -> str:
    return resources.files("deuxvie.grading").joinpath(DEFAULT_POLICY_RESOURCE).read_text()


def default_policy() -> Policy:
    return policy_from_dict(tomllib.loads(default_policy_text()), source="default")


def load_policy(path: str | Path | None = None) -> Policy:
    """The default policy, with the TOML file at `path` (if any) merged over it."""
    base = tomllib.loads(default_policy_text())
    if path is None:
        return policy_from_dict(base, source="default")
    src = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError("(file)", f"cannot read: {exc.strerror or exc}", src) from exc
    try:
        over = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError("(syntax)", f"not valid TOML: {exc}", src) from exc
    return policy_from_dict(_merge(base, over), source=src)
