"""Wipe journal: written (atomically, fsynced) before the first byte is overwritten, so
a run killed by SIGKILL or a power cut leaves evidence that the next run reports as
INTERRUPTED — partial progress is never certified.

One JSON file per disk identity in the journal directory (on the live stick's persistent
partition in production). Writes go to a temporary file, fsync, rename, fsync of the
directory: after a crash the file is either the old or the new version, never torn.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_DIR = "/var/lib/deuxvie/wipe-journal"
ENV_DIR = "DEUXVIE_WIPE_JOURNAL"


def default_dir() -> Path:
    return Path(os.environ.get(ENV_DIR, DEFAULT_DIR))


@dataclass(frozen=True)
class JournalEntry:
    identity: str
    state: str  # "running" | "finished"
    data: dict[str, Any]


class Journal:
    CHECKPOINT_EVERY_S = 2.0

    def __init__(self, directory: str | Path | None = None) -> None:
        self.dir = Path(directory) if directory is not None else default_dir()
        self._last_checkpoint: dict[str, float] = {}

    def _path(self, identity: str) -> Path:
        digest = hashlib.sha256(identity.encode()).hexdigest()[:24]
        return self.dir / f"wipe-{digest}.json"

    def _write(self, identity: str, data: dict[str, Any]) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        target = self._path(identity)
        fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w") as fh:
                json.dump(data, fh, indent=1, sort_keys=True)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        dfd = os.open(self.dir, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)

    def read(self, identity: str) -> JournalEntry | None:
        try:
            data = json.loads(self._path(identity).read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            # An unreadable journal proves nothing was finished: treat as interrupted.
            return JournalEntry(identity, "running", {"error": f"unreadable journal: {exc}"})
        return JournalEntry(identity, str(data.get("state", "running")), data)

    def interrupted(self, identity: str) -> JournalEntry | None:
        entry = self.read(identity)
        return entry if entry is not None and entry.state == "running" else None

    def begin(self, identity: str, **fields: Any) -> None:
        data = {"identity": identity, "state": "running", "pid": os.getpid(),
                "bytes_written": 0, **fields}
        self._write(identity, data)
        self._last_checkpoint[identity] = time.monotonic()

    def checkpoint(self, identity: str, **fields: Any) -> None:
        """Progress note, at most every CHECKPOINT_EVERY_S (a journal fsync per 4 MiB
        block would cost more than the wipe)."""
        now = time.monotonic()
        if now - self._last_checkpoint.get(identity, 0.0) < self.CHECKPOINT_EVERY_S:
            return
        entry = self.read(identity)
        if entry is None:
            return
        self._write(identity, {**entry.data, **fields})
        self._last_checkpoint[identity] = now

    def finish(self, identity: str, status: str, **fields: Any) -> None:
        entry = self.read(identity)
        base = entry.data if entry else {"identity": identity}
        self._write(identity, {**base, **fields, "state": "finished", "status": status})

    def clear(self, identity: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path(identity).unlink()
