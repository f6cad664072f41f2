"""Read-back verification against the expected pattern, full or stratified sample.

Two workers (wipe/parallel.py) each read a block and check it: zeros with one
self-memcmp per block, the AES keystream by regenerating the expected block and
comparing; one block is being read while the other is checked (see
docs/adr/0020-wipe-io-pipeline.md).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from deuxvie.host.block import BlockIO
from deuxvie.wipe.buffers import Buffer, differing_runs, equal
from deuxvie.wipe.ioerrors import ErrorLog, io_range
from deuxvie.wipe.overwrite import DEFAULT_BLOCK_BYTES
from deuxvie.wipe.parallel import WORKERS, Step, run_blocks
from deuxvie.wipe.patterns import Pattern
from deuxvie.wipe.progress import Meter

MIB = 1024 * 1024
SAMPLE_CHUNK_BYTES = MIB
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
           block_bytes: int = DEFAULT_BLOCK_BYTES, retries: int = 2,
           workers: int = WORKERS) -> VerifyResult:
    sector = dev.logical_sector_bytes
    pieces = _split(ranges, block_bytes)

    def make_step() -> Step:
        buf, expected = Buffer(block_bytes), Buffer(block_bytes)
        if pattern.constant:
            pattern.fill(expected.mm, 0, block_bytes)

        def step(offset: int, length: int, log: ErrorLog) -> int:
            rlog = _read_piece(dev, buf, offset, length, retries)
            if _check(pattern, buf, expected, offset, length) and not rlog.count:
                return length
            if pattern.constant:
                pattern.fill(expected.mm, offset, length)
            return _account(offset, length, buf, expected, sector, rlog, log)

        return step

    verified, log = run_blocks(pieces, make_step, meter, "verify", workers=workers,
                               name=f"verify {dev.path}")
    checked = sum(length for _, length in pieces)
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
