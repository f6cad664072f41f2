"""Progress reports the UI draws: one per disk, bytes done, bytes/s, ETA."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


class Interrupted(Exception):
    """The run was asked to stop (SIGINT/SIGTERM): the disk is INTERRUPTED."""


@dataclass(frozen=True)
class WipeProgress:
    device: str  # the path the operator gave (identity is in the record)
    phase: str  # "firmware" | "write" | "verify" | "done"
    pass_no: int
    bytes_done: int
    bytes_total: int
    bytes_per_s: float
    eta_s: float | None
    detail: str = ""

    @property
    def fraction(self) -> float:
        return self.bytes_done / self.bytes_total if self.bytes_total else 0.0


ProgressCallback = Callable[[WipeProgress], None]


class Meter:
    """Turns cumulative byte counts into WipeProgress, rate-limited to a few per second.
    `stop` is checked on every update: the I/O loops call it once per block.

    The rate (and so the ETA) counts from the first finished block, not from the phase's
    start: the first block arrives only after the pipeline has filled (two 4 MiB requests in
    flight, wipe/parallel.py), and counting that wait made the half-way ETA of a few-second
    phase 60-115 % too long (`make bench-wipe-device`, 4 throttled disks, issue #16)."""

    def __init__(self, device: str, phase: str, total: int, cb: ProgressCallback | None,
                 stop: threading.Event | None, pass_no: int = 1, min_interval_s: float = 0.2,
                 throttle_s: float = 0.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.device, self.phase, self.total, self.cb = device, phase, total, cb
        self.stop, self.pass_no, self.min_interval_s = stop, pass_no, min_interval_s
        self.throttle_s = throttle_s
        self.clock = clock
        self.start = clock()
        self._last = 0.0
        self._first: tuple[float, int] | None = None  # (time, bytes) of the first block done
        self.done = 0

    def rate(self) -> float:
        now = self.clock()
        if self._first is not None and now > self._first[0] and self.done > self._first[1]:
            return (self.done - self._first[1]) / (now - self._first[0])
        elapsed = now - self.start
        return self.done / elapsed if elapsed > 0 else 0.0

    def update(self, done: int, force: bool = False) -> None:
        self.done = done
        if self._first is None and done > 0:
            self._first = (self.clock(), done)
        if self.stop is not None and self.stop.is_set():
            raise Interrupted(f"{self.device}: stop requested during {self.phase}")
        if self.throttle_s:
            # Test hook only (slows the loop so a test can kill the process mid-wipe).
            time.sleep(self.throttle_s)
        now = self.clock()
        if self.cb is None or (not force and now - self._last < self.min_interval_s):
            return
        self._last = now
        rate = self.rate()
        eta = (self.total - done) / rate if rate > 0 else None
        self.cb(WipeProgress(self.device, self.phase, self.pass_no, done, self.total, rate, eta))
