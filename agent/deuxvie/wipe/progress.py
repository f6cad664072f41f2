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
    `stop` is checked on every update: the I/O loops call it once per block."""

    def __init__(self, device: str, phase: str, total: int, cb: ProgressCallback | None,
                 stop: threading.Event | None, pass_no: int = 1, min_interval_s: float = 0.2,
                 throttle_s: float = 0.0) -> None:
        self.device, self.phase, self.total, self.cb = device, phase, total, cb
        self.stop, self.pass_no, self.min_interval_s = stop, pass_no, min_interval_s
        self.throttle_s = throttle_s
        self.start = time.monotonic()
        self._last = 0.0
        self.done = 0

    def rate(self) -> float:
        elapsed = time.monotonic() - self.start
        return self.done / elapsed if elapsed > 0 else 0.0

    def update(self, done: int, force: bool = False) -> None:
        self.done = done
        if self.stop is not None and self.stop.is_set():
            raise Interrupted(f"{self.device}: stop requested during {self.phase}")
        if self.throttle_s:
            # Test hook only (slows the loop so a test can kill the process mid-wipe).
            time.sleep(self.throttle_s)
        now = time.monotonic()
        if self.cb is None or (not force and now - self._last < self.min_interval_s):
            return
        self._last = now
        rate = self.rate()
        eta = (self.total - done) / rate if rate > 0 else None
        self.cb(WipeProgress(self.device, self.phase, self.pass_no, done, self.total, rate, eta))
