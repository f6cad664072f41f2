"""Bounded retries and bisection down to the failing sectors.

A 4 MiB request that fails is retried `retries` times (transient link resets), then
split in halves down to one logical sector, so only the sectors that really fail are
recorded and everything around them is still written/read (DESIGN.md: record offsets,
continue, mark FAILED).
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from deuxvie.model.erasure import IoErrorRecord

MAX_RECORDED_ERRORS = 256  # a dying disk must not bloat the certificate; the count stays exact


@dataclass
class ErrorLog:
    phase: str
    records: list[IoErrorRecord] = field(default_factory=list)
    count: int = 0
    bad_bytes: int = 0

    def add(self, offset: int, length: int, message: str) -> None:
        self.count += 1
        self.bad_bytes += length
        last = self.records[-1] if self.records else None
        if last and last.offset_bytes + last.length_bytes == offset and last.message == message:
            self.records[-1] = IoErrorRecord(last.offset_bytes, last.length_bytes + length,
                                             self.phase, message)
        elif len(self.records) < MAX_RECORDED_ERRORS:
            self.records.append(IoErrorRecord(offset, length, self.phase, message))

    def merge(self, other: ErrorLog) -> None:
        """Append the records of a later range (a block's own log, in device order)."""
        count, bad = self.count + other.count, self.bad_bytes + other.bad_bytes
        for r in other.records:
            self.add(r.offset_bytes, r.length_bytes, r.message)
        self.count, self.bad_bytes = count, bad


def _describe(exc: OSError) -> str:
    code = errno.errorcode.get(exc.errno or 0, str(exc.errno))
    return f"{code}: {os.strerror(exc.errno or 0)}"


def io_range(
    op: Callable[[int, int, int], int],
    start: int,
    length: int,
    sector: int,
    retries: int,
    log: ErrorLog,
    top: bool = True,
) -> int:
    """Run op(buffer_start, device_offset, length) -> bytes done, completing short
    transfers; returns the bytes that succeeded. `start` is the device offset; the
    buffer offset is relative to the first call."""
    return _io(op, 0, start, length, sector, retries if top else 0, log)


def _io(op: Callable[[int, int, int], int], buf_off: int, dev_off: int, length: int,
        sector: int, retries: int, log: ErrorLog) -> int:
    last: OSError | None = None
    for _attempt in range(retries + 1):
        try:
            done = 0
            while done < length:
                n = op(buf_off + done, dev_off + done, length - done)
                if n <= 0:
                    raise OSError(errno.EIO, "short transfer (0 bytes) before the end")
                done += n
            return length
        except OSError as exc:
            last = exc
    assert last is not None
    if length <= sector:
        log.add(dev_off, length, _describe(last))
        return 0
    half = max(sector, (length // 2) // sector * sector)
    return (_io(op, buf_off, dev_off, half, sector, 0, log)
            + _io(op, buf_off + half, dev_off + half, length - half, sector, 0, log))
