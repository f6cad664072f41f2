"""Record a machine into a bundle directory, and replay it.

Bundle layout (format "deuxvie-bundle/1"), readable and editable by hand so that test
machines can be assembled from real captures:

    manifest.json   {"format", "created_at", "hostname", "closed_world"}
    commands.json   [{"argv": [...], "returncode": 0, "stdout": "cmd/0001.out",
                      "stderr": "cmd/0001.err"} | {"argv": [...], "error": "not_found"|"timeout"}]
    fs/<absolute path>      the bytes of every file read
    fs.json         {"missing": [...], "listdir": {dir: [...]}, "realpath": {p: target},
                     "exists": {p: bool}, "which": {name: path-or-null},
                     "unreadable": {p: [errno, strerror]} (files that refused a read)}

Replaying the same argv several times serves the recordings in order and then repeats
the last one (that is how a polled self-test is replayed). With "closed_world": true
(hand-assembled bundles) any file not under fs/ is absent; otherwise anything not
recorded raises ReplayMissing naming what is missing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from deuxvie.host.base import (
    CommandNotFound,
    CommandResult,
    CommandTimeout,
    Host,
    ReplayMissing,
)

FORMAT = "deuxvie-bundle/1"


def _fs_path(root: Path, path: str) -> Path:
    if not path.startswith("/"):
        raise ValueError(f"bundle paths must be absolute: {path!r}")
    return root / "fs" / path.lstrip("/")


class RecordingHost(Host):
    """Wraps another host and saves everything it answers into `bundle_dir`."""

    def __init__(self, inner: Host, bundle_dir: str | Path) -> None:
        self._inner = inner
        self.root = Path(bundle_dir)
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "cmd").mkdir(exist_ok=True)
        self._commands: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._fs: dict[str, Any] = {
            "missing": [],
            "listdir": {},
            "realpath": {},
            "exists": {},
            "which": {},
        }
        self._write_manifest()

    def _write_manifest(self) -> None:
        manifest = {
            "format": FORMAT,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "hostname": socket.gethostname(),
            "closed_world": False,
        }
        (self.root / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")

    def _save(self) -> None:
        (self.root / "commands.json").write_text(json.dumps(self._commands, indent=1) + "\n")
        (self.root / "fs.json").write_text(json.dumps(self._fs, indent=1, sort_keys=True) + "\n")

    def run(
        self,
        argv: Sequence[str],
        *,
        timeout_s: float = 60.0,
        input_bytes: bytes | None = None,
    ) -> CommandResult:
        entry: dict[str, Any] = {"argv": list(argv)}
        # The audio check records while it plays (two commands at once, in two threads):
        # each command gets its number when it starts, and the index files are written
        # under a lock.
        with self._lock:
            self._commands.append(entry)
            n = len(self._commands)
        try:
            result = self._inner.run(argv, timeout_s=timeout_s, input_bytes=input_bytes)
        except CommandNotFound as exc:
            with self._lock:
                entry.update(error="not_found", message=str(exc))
                self._save()
            raise
        except CommandTimeout as exc:
            with self._lock:
                entry.update(error="timeout", message=str(exc))
                self._save()
            raise
        out, err = f"cmd/{n:04d}.out", f"cmd/{n:04d}.err"
        (self.root / out).write_bytes(result.stdout)
        (self.root / err).write_bytes(result.stderr)
        with self._lock:
            entry.update(
                returncode=result.returncode,
                stdout=out,
                stderr=err,
                duration_s=round(result.duration_s, 4),
            )
            self._save()
        return result

    def read_bytes(self, path: str) -> bytes:
        try:
            data = self._inner.read_bytes(path)
        except FileNotFoundError:
            if path not in self._fs["missing"]:
                self._fs["missing"].append(path)
                self._save()
            raise
        except OSError as exc:
            # sysfs attributes that exist but refuse a read: carrier or speed of a link that
            # is down (EINVAL), a hwmon input of a sleeping chip (ENODATA). Replayed as such.
            # A file read several times replays its last state (carrier: EINVAL, then "1"
            # once the check brought the link up).
            with self._lock:
                self._fs.setdefault("unreadable", {})[path] = [exc.errno, exc.strerror]
                _fs_path(self.root, path).unlink(missing_ok=True)
                self._save()
            raise
        target = _fs_path(self.root, path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        if path in self._fs.get("unreadable", {}):
            with self._lock:
                del self._fs["unreadable"][path]
                self._save()
        return data

    def listdir(self, path: str) -> list[str]:
        try:
            entries = self._inner.listdir(path)
        except FileNotFoundError:
            if path not in self._fs["missing"]:
                self._fs["missing"].append(path)
                self._save()
            raise
        self._fs["listdir"][path] = entries
        self._save()
        return entries

    def exists(self, path: str) -> bool:
        answer = self._inner.exists(path)
        self._fs["exists"][path] = answer
        self._save()
        return answer

    def realpath(self, path: str) -> str:
        answer = self._inner.realpath(path)
        self._fs["realpath"][path] = answer
        self._save()
        return answer

    def which(self, name: str) -> str | None:
        answer = self._inner.which(name)
        self._fs["which"][name] = answer
        self._save()
        return answer


class ReplayHost(Host):
    """Serves a bundle; fails with ReplayMissing naming anything it was not given."""

    def __init__(self, bundle_dir: str | Path) -> None:
        self.root = Path(bundle_dir)
        manifest_path = self.root / "manifest.json"
        if not manifest_path.is_file():
            raise ReplayMissing(f"{self.root}: not a deuxvie bundle (no manifest.json)")
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("format") != FORMAT:
            raise ReplayMissing(f"{self.root}: unknown bundle format {manifest.get('format')!r}")
        self.closed_world = bool(manifest.get("closed_world", False))
        created = manifest.get("created_at")
        # Replays are deterministic: the clock is the one of the recording.
        self._now = (
            dt.datetime.fromisoformat(created)
            if created
            else dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
        )
        commands_path = self.root / "commands.json"
        commands = json.loads(commands_path.read_text()) if commands_path.exists() else []
        self._commands: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for entry in commands:
            self._commands.setdefault(tuple(entry["argv"]), []).append(entry)
        self._cursor: dict[tuple[str, ...], int] = {}
        fs_path = self.root / "fs.json"
        fs: dict[str, Any] = json.loads(fs_path.read_text()) if fs_path.exists() else {}
        self._missing: set[str] = set(fs.get("missing", []))
        self._unreadable: dict[str, list[Any]] = fs.get("unreadable", {})
        self._listdir: dict[str, list[str]] = fs.get("listdir", {})
        self._realpath: dict[str, str] = fs.get("realpath", {})
        self._exists: dict[str, bool] = fs.get("exists", {})
        self._which: dict[str, str | None] = fs.get("which", {})
        self.calls: list[tuple[str, ...]] = []

    def now(self) -> dt.datetime:
        return self._now

    def run(
        self,
        argv: Sequence[str],
        *,
        timeout_s: float = 60.0,
        input_bytes: bytes | None = None,
    ) -> CommandResult:
        key = tuple(argv)
        self.calls.append(key)
        entries = self._commands.get(key)
        if not entries:
            raise ReplayMissing(
                f"bundle {self.root} has no recording for command {list(key)!r} "
                f"(add it to commands.json)"
            )
        i = self._cursor.get(key, 0)
        entry = entries[min(i, len(entries) - 1)]
        self._cursor[key] = i + 1
        if entry.get("error") == "not_found":
            raise CommandNotFound(entry.get("message", f"{key[0]}: command not found"))
        if entry.get("error") == "timeout":
            raise CommandTimeout(entry.get("message", f"{key[0]}: timeout"))
        return CommandResult(
            argv=key,
            returncode=int(entry.get("returncode", 0)),
            stdout=self._blob(entry.get("stdout")),
            stderr=self._blob(entry.get("stderr")),
            duration_s=float(entry.get("duration_s", 0.0)),
        )

    def _blob(self, ref: str | None) -> bytes:
        if not ref:
            return b""
        path = self.root / ref
        if not path.is_file():
            raise ReplayMissing(f"bundle {self.root} lacks the output file {ref}")
        return path.read_bytes()

    def read_bytes(self, path: str) -> bytes:
        if path in self._unreadable:
            errno, strerror = self._unreadable[path]
            raise OSError(errno, strerror, path)
        target = _fs_path(self.root, path)
        if target.is_file():
            return target.read_bytes()
        if path in self._missing or self.closed_world:
            raise FileNotFoundError(path)
        raise ReplayMissing(f"bundle {self.root} has no recording for file {path} (add fs{path})")

    def listdir(self, path: str) -> list[str]:
        if path in self._listdir:
            return list(self._listdir[path])
        target = _fs_path(self.root, path)
        if target.is_dir():
            return sorted(os.listdir(target))
        if path in self._missing or self.closed_world:
            raise FileNotFoundError(path)
        raise ReplayMissing(f"bundle {self.root} has no recording for directory {path}")

    def exists(self, path: str) -> bool:
        if path in self._exists:
            return self._exists[path]
        if _fs_path(self.root, path).exists() or path in self._listdir:
            return True
        if path in self._missing or self.closed_world:
            return False
        raise ReplayMissing(f"bundle {self.root} has no recording for exists({path})")

    def realpath(self, path: str) -> str:
        if path in self._realpath:
            return self._realpath[path]
        if self.closed_world:
            return path
        raise ReplayMissing(f"bundle {self.root} has no recording for realpath({path})")

    def which(self, name: str) -> str | None:
        if name in self._which:
            return self._which[name]
        if any(argv and argv[0] == name for argv in self._commands):
            return f"/usr/bin/{name}"
        if self.closed_world:
            return None
        raise ReplayMissing(f"bundle {self.root} has no recording for which({name})")
