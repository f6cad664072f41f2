"""The hardware boundary: the only code that runs commands or reads /sys, /proc, /dev.

Every other layer receives a `Host` as an argument (never a module global), so a whole
machine can be recorded on a real PC and replayed in tests.
"""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from deuxvie.host.block import BlockIO


class HostError(Exception):
    """A command or file could not be served (not the same as a command failing)."""


class CommandNotFound(HostError):
    """The executable is not installed on this machine."""


class CommandTimeout(HostError):
    """The command ran past its time limit and was killed."""


class ReplayMissing(HostError):
    """A replay bundle has no recording for what was asked; the message names it."""


@dataclass(frozen=True)
class CommandResult:
    argv: tuple[str, ...]
    returncode: int
    stdout: bytes
    stderr: bytes
    duration_s: float = 0.0

    @property
    def text(self) -> str:
        # Tool output is not always UTF-8 (smartctl prints vendor strings as raw bytes).
        return self.stdout.decode("utf-8", errors="replace")

    @property
    def error_text(self) -> str:
        return self.stderr.decode("utf-8", errors="replace")

    @property
    def ok(self) -> bool:
        return self.returncode == 0


class Host(abc.ABC):
    """What the agent may ask of a machine. Paths are absolute, argv are lists."""

    @abc.abstractmethod
    def run(
        self,
        argv: Sequence[str],
        *,
        timeout_s: float = 60.0,
        input_bytes: bytes | None = None,
    ) -> CommandResult:
        """Run argv (never a shell string) with LC_ALL=C. Raises CommandNotFound or
        CommandTimeout; a non-zero exit is returned, not raised."""

    @abc.abstractmethod
    def read_bytes(self, path: str) -> bytes:
        """Read a whole (small) file. Raises FileNotFoundError / PermissionError."""

    def read_text(self, path: str) -> str:
        return self.read_bytes(path).decode("utf-8", errors="replace")

    def read_text_or(self, path: str, fallback: str | None = None) -> str | None:
        """sysfs attribute, stripped, or fallback when the file is missing/unreadable
        (psutil's `cat(path, fallback=...)` idiom)."""
        try:
            return self.read_text(path).strip()
        except OSError:
            return fallback

    @abc.abstractmethod
    def listdir(self, path: str) -> list[str]:
        """Sorted entries of a directory. Raises FileNotFoundError."""

    @abc.abstractmethod
    def exists(self, path: str) -> bool: ...

    @abc.abstractmethod
    def realpath(self, path: str) -> str:
        """Resolve symlinks (sysfs links tell which bus a disk sits on)."""

    @abc.abstractmethod
    def which(self, name: str) -> str | None: ...

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def open_block(self, path: str, write: bool) -> BlockIO:
        """Open a block device for raw I/O (the erasure engine). Hosts that cannot
        reach real hardware (replays) refuse."""
        raise HostError(f"{type(self).__name__} cannot open block device {path}")

    def write_text(self, path: str, text: str) -> None:
        """Write a sysfs attribute (e.g. device/rescan after an HPA change)."""
        raise HostError(f"{type(self).__name__} cannot write {path}")

    def stream_lines(self, argv: Sequence[str]) -> LineStream:
        """Start a long-running command (e.g. `udevadm monitor`) and read its stdout line
        by line as it comes. Hosts that cannot run one (replays) refuse; tests replay a
        capture through the same parser instead (deuxvie.hotplug.source)."""
        raise HostError(f"{type(self).__name__} cannot stream {' '.join(argv)}")


class LineStream(abc.ABC):
    """Lines of a running command's stdout; `close()` stops the command."""

    @abc.abstractmethod
    def __iter__(self) -> Iterator[str]: ...

    @abc.abstractmethod
    def close(self) -> None: ...
