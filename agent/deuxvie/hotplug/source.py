"""Where udev events come from: `udevadm monitor` through the Host (the real station), or a
recorded capture (tests, and `--replay-udev` to re-run a station's session offline).

Why `udevadm monitor` and not polling /sys/block or pyudev: docs/adr/0082.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

from deuxvie.host.base import Host, LineStream
from deuxvie.hotplug.udev import MonitorParser, UdevEvent, parse_monitor

MONITOR_ARGV = ("udevadm", "monitor", "--udev", "--property", "--subsystem-match=block")


def present_devpaths(host: Host) -> set[str]:
    """The udev DEVPATH (sysfs path without /sys) of every block device present now."""
    out: set[str] = set()
    try:
        names = host.listdir("/sys/block")
    except OSError:
        return out
    for name in names:
        real = host.realpath(f"/sys/block/{name}")
        out.add(real.removeprefix("/sys") if real.startswith("/sys/") else f"/block/{name}")
    return out


class MonitorSource:
    """Events of a running `udevadm monitor`, optionally copied raw to `record` (a capture
    the replay tests and `--replay-udev` read back)."""

    def __init__(self, host: Host, record: TextIO | None = None) -> None:
        self._stream: LineStream = host.stream_lines(MONITOR_ARGV)
        self._record = record
        self._lock = threading.Lock()

    def __iter__(self) -> Iterator[UdevEvent]:
        parser = MonitorParser()
        for line in self._stream:
            if self._record is not None:
                with self._lock:
                    self._record.write(line)
                    self._record.flush()
            event = parser.feed(line)
            if event is not None:
                yield event

    def close(self) -> None:
        self._stream.close()


def replay_lines(lines: Iterable[str]) -> Iterator[UdevEvent]:
    return parse_monitor(lines)


def replay_file(path: Path) -> Iterator[UdevEvent]:
    with path.open(encoding="utf-8", errors="replace") as fh:
        yield from parse_monitor(fh)
