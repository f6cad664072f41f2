"""Key and pointer events from /dev/input/event* (Linux evdev), for the guided checks.

Reading evdev directly, not the terminal, is what lets the keyboard check see every key
(F-keys, Alt Gr, the ISO <> key) whatever the console keymap, and lets the operator answer
with the donated PC's own keyboard even when the agent's console is a serial line.
`struct input_event` is {struct timeval; __u16 type; __u16 code; __s32 value}: 24 bytes on
64-bit kernels (include/uapi/linux/input.h).
"""

from __future__ import annotations

import os
import select
import struct
import time
from collections.abc import Sequence
from dataclasses import dataclass

EVENT = struct.Struct("llHHi")
EV_KEY, EV_REL, EV_ABS, EV_SW = 1, 2, 3, 5


@dataclass(frozen=True)
class InputEvent:
    type: int
    code: int
    value: int


class EvdevReader:
    """Non-blocking reader over several event nodes; a context manager closing them."""

    def __init__(self, nodes: Sequence[str]) -> None:
        self._fds: list[int] = []
        for node in nodes:
            try:
                self._fds.append(os.open(node, os.O_RDONLY | os.O_NONBLOCK))
            except OSError:
                continue  # a node that vanished (unplugged) is not an error of the check
        self._pending: list[InputEvent] = []

    @property
    def opened(self) -> int:
        return len(self._fds)

    def __enter__(self) -> EvdevReader:
        return self

    def __exit__(self, *exc: object) -> None:
        for fd in self._fds:
            os.close(fd)
        self._fds = []

    def next_event(self, timeout_s: float) -> InputEvent | None:
        deadline = time.monotonic() + timeout_s
        while not self._pending:
            left = deadline - time.monotonic()
            if left <= 0 or not self._fds:
                return None
            ready, _, _ = select.select(self._fds, [], [], left)
            for fd in ready:
                try:
                    data = os.read(fd, EVENT.size * 64)
                except BlockingIOError:
                    continue
                for i in range(0, len(data) - EVENT.size + 1, EVENT.size):
                    _s, _us, etype, code, value = EVENT.unpack_from(data, i)
                    self._pending.append(InputEvent(etype, code, value))
        return self._pending.pop(0)

    def next_key(self, timeout_s: float) -> int | None:
        """The next key *press* (value 1; 2 is autorepeat, 0 release)."""
        deadline = time.monotonic() + timeout_s
        while True:
            ev = self.next_event(max(0.0, deadline - time.monotonic()))
            if ev is None:
                return None
            if ev.type == EV_KEY and ev.value == 1:
                return ev.code
