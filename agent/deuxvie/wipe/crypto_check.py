"""Verification of a cryptographic erase: the medium now reads as noise, so there is no
pattern to compare with. Instead the same ranges are digested before and after; a range
that held data (not one repeated byte) and reads the same afterwards still holds the
donor's data."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from deuxvie.host.block import BlockIO
from deuxvie.wipe.buffers import Buffer, equal
from deuxvie.wipe.ioerrors import ErrorLog, io_range
from deuxvie.wipe.progress import Meter

CHUNK_BYTES = 1024 * 1024
UNCHANGED = "unchanged after cryptographic erase (original data still readable)"


@dataclass(frozen=True)
class Digest:
    offset: int
    length: int
    digest: bytes
    uniform: bool  # one byte value repeated (no data to protect)


def _chunks(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    return [(o, min(CHUNK_BYTES, off + n - o))
            for off, n in ranges for o in range(off, off + n, CHUNK_BYTES)]


def digest_ranges(dev: BlockIO, ranges: list[tuple[int, int]], meter: Meter,
                  log: ErrorLog, retries: int = 2) -> list[Digest]:
    buf = Buffer(CHUNK_BYTES)
    out: list[Digest] = []
    done = 0
    for offset, length in _chunks(ranges):
        def op(b: int, d: int, n: int) -> int:
            return dev.preadinto(buf.view(n, b), d)

        io_range(op, offset, length, dev.logical_sector_bytes, retries, log)
        uniform = length <= 1 or equal(buf, buf, length - 1, 0, 1)
        out.append(Digest(offset, length, hashlib.blake2b(buf.view(length)).digest(), uniform))
        done += length
        meter.update(done)
    return out


def compare_after(dev: BlockIO, before: list[Digest], meter: Meter, log: ErrorLog,
                  retries: int = 2) -> int:
    """Re-read every range; log the ones still holding their old data. Returns the
    verified bytes."""
    after = digest_ranges(dev, [(d.offset, d.length) for d in before], meter, log, retries)
    verified = 0
    for b, a in zip(before, after, strict=True):
        if b.digest == a.digest and not b.uniform:
            log.add(b.offset, b.length, UNCHANGED)
        else:
            verified += b.length
    return verified
