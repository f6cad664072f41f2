"""Read-back verification against the expected pattern, full or stratified sample.

Zeros are checked in the reading thread with one self-memcmp per block; for the AES
keystream a reader thread keeps the device busy while this thread regenerates the
expected block and compares (see docs/adr/0020-wipe-io-pipeline.md).
"""

from __future__ import annotations

import queue
import random
import threading
from dataclasses import dataclass

from deuxvie.host.block import BlockIO
from deuxvie.wipe.buffers import Buffer, differing_runs, equal
from deuxvie.wipe.ioerrors import ErrorLog, io_range
from deuxvie.wipe.overwrite import DEFAULT_BLOCK_BYTES
from deuxvie.wipe.patterns import Pattern
from deuxvie.wipe.progress import Meter

MIB = 1024 * 1024
SAMPLE_CHUNK_BYTES = MIB
READ_DEPTH = 3
MISMATCH = "content differs from the written pattern"


@dataclass
class VerifyResult:
    bytes_verified: int  # read back AND equal to the pattern
    bytes_checked: int  # read attempted (coverage)
    errors: ErrorLog


def full_ranges(size: int) -> list[tuple[int, int]]:
    return [(0, size)] if size else []


def sample_ranges(size: int, pct: float, sector: int, *, chunk: int = SAMPLE_CHUNK_BYTES,
                  rng: random.Random | None = None) -> list[tuple[int, int]]:
    """Stratified sample: the device is cut in N equal strata and one chunk is read at a
    random place in each, so the whole LBA range is covered; the first and last MiB are
    always included (partition tables and backup GPT live there)."""
    if size <= 0:
        return []
    rng = rng or random.SystemRandom()
    chunk = max(sector, chunk // sector * sector)
    if pct >= 100 or size <= 2 * chunk:
        return full_ranges(size)
    first = (0, min(MIB, size))
    last_start = max(0, (size - MIB) // sector * sector)
    last = (last_start, size - last_start)
    n = max(1, int(size * pct / 100 / chunk + 0.999))
    stratum = max(sector, size // n // sector * sector)  # O_DIRECT: sector-aligned offsets
    picked: list[tuple[int, int]] = [first, last]
    for i in range(n):
        lo = i * stratum
        span = max(0, min(stratum, size - lo) - chunk)
        off = lo + (rng.randrange(span // sector + 1) * sector if span else 0)
        picked.append((off, min(chunk, size - off)))
    return _merge(picked)


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for off, length in sorted(ranges):
        if out and off <= out[-1][0] + out[-1][1]:
            end = max(out[-1][0] + out[-1][1], off + length)
            out[-1] = (out[-1][0], end - out[-1][0])
        else:
            out.append((off, length))
    return out


def _split(ranges: list[tuple[int, int]], block: int) -> list[tuple[int, int]]:
    return [(o, min(block, off + length - o))
            for off, length in ranges for o in range(off, off + length, block)]


def _read_piece(dev: BlockIO, buf: Buffer, offset: int, length: int, retries: int
                ) -> ErrorLog:
    rlog = ErrorLog("verify")

    def op(buf_off: int, dev_off: int, n: int) -> int:
        return dev.preadinto(buf.view(n, buf_off), dev_off)

    io_range(op, offset, length, dev.logical_sector_bytes, retries, rlog)
    return rlog


def _check(pattern: Pattern, buf: Buffer, expected: Buffer, offset: int, length: int) -> bool:
    if pattern.constant:
        # One repeated byte: "first byte right and every byte equal to the next"
        # streams a single buffer (memcmp(b, b+1)), 2.5x faster here than a compare
        # against a 4 MiB zero buffer (0.10 s against 0.25 s per 2 GiB).
        return buf.mm[0] == expected.mm[0] and equal(buf, buf, length - 1, 0, 1)
    pattern.fill(expected.mm, offset, length)
    return equal(buf, expected, length)


def verify(dev: BlockIO, pattern: Pattern, ranges: list[tuple[int, int]], meter: Meter, *,
           block_bytes: int = DEFAULT_BLOCK_BYTES, retries: int = 2) -> VerifyResult:
    log = ErrorLog("verify")
    sector = dev.logical_sector_bytes
    pieces = _split(ranges, block_bytes)
    expected = Buffer(block_bytes)
    if pattern.constant:
        pattern.fill(expected.mm, 0, block_bytes)
    verified = checked = 0

    def account(offset: int, length: int, buf: Buffer, rlog: ErrorLog) -> None:
        nonlocal verified, checked
        checked += length
        if _check(pattern, buf, expected, offset, length) and not rlog.count:
            verified += length
        else:
            if pattern.constant:
                pattern.fill(expected.mm, offset, length)
            verified += _account(offset, length, buf, expected, sector, rlog, log)
        meter.update(checked)

    if pattern.constant:
        # Read and compare in one thread: the compare costs ~0.1 s per 2 GiB, and on
        # this loaded 2-vCPU machine a reader thread lost more in hand-offs than it won
        # (median 0.92-1.56 s sequential against 1.74-2.09 s threaded per 2 GiB).
        buf = Buffer(block_bytes)
        for offset, length in pieces:
            account(offset, length, buf, _read_piece(dev, buf, offset, length, retries))
        meter.update(checked, force=True)
        return VerifyResult(verified, checked, log)

    # Keystream: regenerating it costs as much as reading, so a reader thread keeps the
    # device busy (preadv releases the GIL) while this thread regenerates and compares.
    free: queue.Queue[Buffer] = queue.Queue()
    for _ in range(READ_DEPTH):
        free.put(Buffer(block_bytes))
    filled: queue.Queue[tuple[int, int, Buffer, ErrorLog] | BaseException | None] = (
        queue.Queue())
    cancel = threading.Event()

    def reader() -> None:
        try:
            for offset, length in pieces:
                buf = free.get()
                if cancel.is_set():
                    return
                filled.put((offset, length, buf, _read_piece(dev, buf, offset, length,
                                                             retries)))
            filled.put(None)
        except BaseException as exc:
            filled.put(exc)

    thread = threading.Thread(target=reader, name=f"reader {dev.path}", daemon=True)
    thread.start()
    try:
        while True:
            item = filled.get()
            if item is None:
                break
            if isinstance(item, BaseException):
                raise item
            offset, length, buf, rlog = item
            account(offset, length, buf, rlog)
            free.put(buf)
    finally:
        cancel.set()
        free.put(Buffer(4096))
        thread.join(timeout=5)
    meter.update(checked, force=True)
    return VerifyResult(verified, checked, log)


def _account(offset: int, length: int, buf: Buffer, expected: Buffer, sector: int,
             rlog: ErrorLog, log: ErrorLog) -> int:
    """Record unreadable and differing sectors of one block; return the good bytes."""
    unreadable = [(r.offset_bytes - offset, r.length_bytes) for r in rlog.records]
    bad = 0
    for rel, n in unreadable:
        log.add(offset + rel, n, next(r.message for r in rlog.records
                                      if r.offset_bytes == offset + rel))
        bad += n
    for rel, n in differing_runs(buf, expected, length, sector):
        if any(u <= rel < u + un for u, un in unreadable):
            continue
        log.add(offset + rel, n, MISMATCH)
        bad += n
    return max(0, length - bad)
