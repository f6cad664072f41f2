"""The spool: signed reports written on the stick before any upload, so a crash, a pulled
stick or a missing network loses nothing (DESIGN.md: "Offline: reports spool on the stick
(atomic writes), upload later, idempotently")."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SUFFIX = ".dsse.json"


class SpoolConflict(Exception):
    """A different envelope is already spooled under this report uuid."""


class SpoolBusy(Exception):
    """Another process holds the spool (a `deuxvie sync` or the run's upload step)."""


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Temp file in the same directory + fsync + rename + fsync(dir): after a power cut the
    file is either absent or complete (rename is atomic within one filesystem; the
    directory fsync makes the rename itself durable, see rename(2) and fsync(2))."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def envelope_bytes(envelope: dict[str, Any]) -> bytes:
    return json.dumps(envelope, sort_keys=True, separators=(",", ":")).encode("utf-8")


def spool_envelope(spool_dir: Path, report_uuid: str, envelope: dict[str, Any]) -> Path:
    """Write `<uuid>.dsse.json`. Idempotent: the same envelope again is a no-op; another
    envelope under the same uuid raises SpoolConflict (the service would answer 409)."""
    data = envelope_bytes(envelope)
    path = spool_dir / f"{report_uuid}{SUFFIX}"
    if path.exists():
        if path.read_bytes() == data:
            return path
        raise SpoolConflict(f"{path} already holds a different report with this uuid")
    write_atomic(path, data)
    return path


def spooled(spool_dir: Path, warnings: list[str] | None = None) -> list[Path]:
    """Spooled reports (regular files), oldest first. Temp files of an interrupted write are
    ignored; anything else named *.dsse.json that is not a regular file (a directory...) is
    skipped with a warning appended to `warnings`; a file that vanishes while listed (moved
    by another process) is left out."""
    if not spool_dir.is_dir():
        return []
    found: list[tuple[int, str, Path]] = []
    for p in spool_dir.iterdir():
        if not p.name.endswith(SUFFIX) or p.name.startswith("."):
            continue
        try:
            st = p.stat()
        except FileNotFoundError:
            continue
        if not p.is_file():
            if warnings is not None:
                warnings.append(f"{p}: not a regular file, skipped")
            continue
        found.append((st.st_mtime_ns, p.name, p))
    return [p for _, _, p in sorted(found)]


@contextlib.contextmanager
def locked(spool_dir: Path, wait_s: float = 0.0) -> Iterator[None]:
    """Hold the spool for one sync: flock(2) on the spool directory itself (no lock file to
    leave behind; the kernel drops the lock when the process dies, even on SIGKILL). Waits up
    to `wait_s` seconds for another holder, then raises SpoolBusy."""
    spool_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(spool_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        end = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                    raise
                if time.monotonic() >= end:
                    raise SpoolBusy(f"{spool_dir}: a sync is already running") from exc
                time.sleep(0.1)
        yield
    finally:
        os.close(fd)  # releases the lock


def spool_report(station_root: Path, envelope: dict[str, Any], report_uuid: str) -> Path:
    """Spool a signed report in a station directory (DIR/spool/)."""
    return spool_envelope(station_root / "spool", report_uuid, envelope)
