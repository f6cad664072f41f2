"""The spool: signed reports written on the stick before any upload, so a crash, a pulled
stick or a missing network loses nothing (DESIGN.md: "Offline: reports spool on the stick
(atomic writes), upload later, idempotently")."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

SUFFIX = ".dsse.json"


class SpoolConflict(Exception):
    """A different envelope is already spooled under this report uuid."""


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


def spooled(spool_dir: Path) -> list[Path]:
    """Spooled reports, oldest first (temp files of an interrupted write are ignored)."""
    if not spool_dir.is_dir():
        return []
    files = [p for p in spool_dir.iterdir() if p.name.endswith(SUFFIX) and not
             p.name.startswith(".")]
    return sorted(files, key=lambda p: (p.stat().st_mtime_ns, p.name))


def spool_report(station_root: Path, envelope: dict[str, Any], report_uuid: str) -> Path:
    """Spool a signed report in a station directory (DIR/spool/)."""
    return spool_envelope(station_root / "spool", report_uuid, envelope)
