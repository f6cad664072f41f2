"""Booted from the network (PXE) with no stick: the configuration comes from an HTTP URL on
the kernel command line, the spool lives in RAM, and the reports must reach the service
before the machine powers off (docs/adr/0081).

- `deuxvie.config=http://PXE-SERVER/deuxvie/deuxvie.toml` on the kernel command line replaces
  the stick's deuxvie.toml (ShredOS #182: keep the config on the PXE server). The workshop
  edits one file for the whole bench.
- The station key cannot live on a stick that is not there: `station/station.json` and
  `station/station.key` are fetched from beside the config URL when the station directory
  has no key (a station made for the PXE bench, revocable on its own).
- A spool on tmpfs/ramfs vanishes at power-off: after the run the agent retries the upload
  and, if the service still cannot be reached, does not power off and says so on screen.
"""

from __future__ import annotations

import os
import shlex
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from deuxvie.host.base import Host

CONFIG_KEY = "deuxvie.config"
FETCH_ATTEMPTS = 5  # the NIC may still be negotiating when the agent starts
FETCH_DELAY_S = 2.0
FETCH_TIMEOUT_S = 10.0
MAX_CONFIG_BYTES = 256 * 1024
# Filesystems whose content is gone at power-off (proc(5): /proc/mounts fstype column).
VOLATILE_FS = frozenset({"tmpfs", "ramfs", "rootfs"})
DELIVERY_ATTEMPTS = 4
DELIVERY_DELAY_S = 15.0


class NetConfigError(ValueError):
    """The configuration URL could not be fetched or is not usable (message says why)."""


def config_url(cmdline: str) -> str | None:
    """The value of `deuxvie.config=` before a lone `--` (kernel-parameters.rst)."""
    try:
        words = shlex.split(cmdline)
    except ValueError:
        return None  # config.parse_cmdline reports the malformed command line itself
    for word in words:
        if word == "--":
            break
        if word.startswith(CONFIG_KEY + "="):
            return word[len(CONFIG_KEY) + 1 :]
    return None


def _check_url(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise NetConfigError(f"{CONFIG_KEY}={url}: expected an http:// or https:// URL")


def fetch(
    url: str,
    *,
    attempts: int = FETCH_ATTEMPTS,
    delay_s: float = FETCH_DELAY_S,
    sleep: Callable[[float], None] = time.sleep,
    max_bytes: int = MAX_CONFIG_BYTES,
) -> bytes:
    """GET `url`, retrying connection errors (DHCP and link negotiation take seconds after
    boot); an HTTP error status is final (a 404 will not fix itself)."""
    # urllib.request (http.client, email, ssl) only when a netbooted PC fetches: every
    # `deuxvie run` reads this module before its first frame (issue 16)
    import urllib.error
    import urllib.request

    _check_url(url)
    last = ""
    for attempt in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_S) as resp:
                body = bytes(resp.read(max_bytes + 1))
            if len(body) > max_bytes:
                raise NetConfigError(f"{url}: larger than {max_bytes} bytes")
            return body
        except urllib.error.HTTPError as exc:
            raise NetConfigError(f"{url}: HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError) as exc:
            last = str(getattr(exc, "reason", exc))
        if attempt + 1 < attempts:
            sleep(delay_s)
    raise NetConfigError(f"{url}: cannot fetch after {attempts} attempts ({last})")


def fetch_config_text(url: str, **kw: object) -> str:
    body = fetch(url, **kw)  # type: ignore[arg-type]
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise NetConfigError(f"{url}: not UTF-8 text") from None


def fetch_station(url: str, station_dir: Path, **kw: object) -> bool:
    """Copy station/station.json and station/station.key from beside the config `url` into
    `station_dir` when it has no key yet. False when the server has none (404): the run
    then creates a fresh station in RAM, whose reports wait to be enrolled."""
    from deuxvie.station.store import StationStore

    store = StationStore(station_dir)
    if store.key_path.exists():
        return False
    base = urllib.parse.urljoin(url, "station/")
    try:
        info = fetch(urllib.parse.urljoin(base, store.info_path.name), **kw)  # type: ignore[arg-type]
        key = fetch(urllib.parse.urljoin(base, store.key_path.name), **kw)  # type: ignore[arg-type]
    except NetConfigError as exc:
        if "HTTP 404" in str(exc):
            return False
        raise
    station_dir.mkdir(parents=True, exist_ok=True)
    for d in (store.spool_dir, store.sent_dir, store.rejected_dir):
        d.mkdir(exist_ok=True)
    store.info_path.write_bytes(info)
    fd = os.open(store.key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    store.private_key()  # a clear StationError now if the file is not a key
    return True


def _mount_fstype(mounts: str, path: str) -> str | None:
    """The filesystem type of the longest mount point containing `path` (/proc/mounts)."""
    best, fstype = "", None
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")
        inside = path == point or path.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, fstype = point, fields[2]
    return fstype


def spool_is_volatile(host: Host, data_dir: Path) -> bool:
    """True when the data folder (spool, station) is on a RAM filesystem: no stick."""
    mounts = host.read_text_or("/proc/mounts", "") or ""
    return _mount_fstype(mounts, str(data_dir)) in VOLATILE_FS


def pending_reports(spool_dir: Path) -> list[Path]:
    from deuxvie.report.spool import SUFFIX

    return sorted(spool_dir.glob(f"*{SUFFIX}")) if spool_dir.is_dir() else []


def deliver_volatile_spool(
    host: Host,
    data_dir: Path,
    station_dir: Path,
    server: str | None,
    *,
    language: str = "fr",
    stream: TextIO,
    attempts: int = DELIVERY_ATTEMPTS,
    delay_s: float = DELIVERY_DELAY_S,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """With a spool in RAM, retry the upload until it is empty. True when nothing would be
    lost by powering off (spool on a stick, or every report delivered); False, after saying
    so on screen, when a report would vanish with the power."""
    if not spool_is_volatile(host, data_dir):
        return True
    from deuxvie.report.upload import sync_spool
    from deuxvie.station.store import StationStore

    store = StationStore(station_dir)
    error = "no server configured"
    for attempt in range(attempts):
        if not pending_reports(store.spool_dir):
            return True
        if server:
            # delivered = a receipt signed by the pinned service key (ADR 0046)
            summary = sync_spool(store.spool_dir, store.sent_dir, store.rejected_dir, server,
                                 service_key=store.service_key())
            error = summary.error or error
            if not pending_reports(store.spool_dir):
                return True
        if attempt + 1 < attempts:
            sleep(delay_s)
    left = len(pending_reports(store.spool_dir))
    fr = (f"ATTENTION : {left} rapport(s) NON envoyé(s) ({error}). Sans clé USB ils sont en "
          "mémoire vive et seraient perdus à l'extinction : la machine reste allumée. "
          "Rétablir le réseau puis lancer « deuxvie sync ».")
    en = (f"WARNING: {left} report(s) NOT sent ({error}). Without a stick they are in RAM and "
          "would be lost at power-off: the machine stays on. Fix the network, then run "
          "`deuxvie sync`.")
    print(fr if language == "fr" else en, file=stream, flush=True)
    print(en if language == "fr" else fr, file=stream, flush=True)
    return False
