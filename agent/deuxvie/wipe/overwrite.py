"""One overwrite pass over the whole device, at device speed.

Zeros: one buffer, filled once, written block after block. AES-CTR: each of the two
workers (wipe/parallel.py) generates its next block while the other's is in pwrite
(which, like AES `update_into`, releases the GIL), so keystream generation overlaps the
I/O instead of adding to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from deuxvie.host.block import BlockIO
from deuxvie.wipe.buffers import Buffer
from deuxvie.wipe.ioerrors import ErrorLog, io_range
from deuxvie.wipe.parallel import WORKERS, Step, run_blocks
from deuxvie.wipe.patterns import Pattern
from deuxvie.wipe.progress import Meter

DEFAULT_BLOCK_BYTES = 4 * 1024 * 1024  # QEMU-RIG.md: 4 MiB already matches dd; 16 MiB gains nothing


@dataclass
class PassResult:
    bytes_written: int
    errors: ErrorLog


def _blocks(size: int, block: int) -> list[tuple[int, int]]:
    return [(off, min(block, size - off)) for off in range(0, size, block)]


def _write_block(dev: BlockIO, buf: Buffer, offset: int, length: int, retries: int,
                 log: ErrorLog) -> int:
    def op(buf_off: int, dev_off: int, n: int) -> int:
        return dev.pwrite(buf.view(n, buf_off), dev_off)

    return io_range(op, offset, length, dev.logical_sector_bytes, retries, log)


def write_pass(dev: BlockIO, pattern: Pattern, meter: Meter, *,
               block_bytes: int = DEFAULT_BLOCK_BYTES, retries: int = 2,
               workers: int = WORKERS) -> PassResult:
    if block_bytes % dev.logical_sector_bytes:
        raise ValueError(f"block size {block_bytes} is not a multiple of the sector size "
                         f"{dev.logical_sector_bytes}")
    shared: Buffer | None = None
    if pattern.constant:  # one read-only buffer, filled once, for every worker
        shared = Buffer(block_bytes)
        pattern.fill(shared.mm, 0, block_bytes)

    def make_step() -> Step:
        buf = shared or Buffer(block_bytes)

        def step(offset: int, length: int, log: ErrorLog) -> int:
            if shared is None:
                pattern.fill(buf.mm, offset, length)
            return _write_block(dev, buf, offset, length, retries, log)

        return step

    written, log = run_blocks(_blocks(dev.size_bytes, block_bytes), make_step, meter, "write",
                              workers=workers, name=f"write {dev.path}")
    dev.fsync()
    meter.update(dev.size_bytes, force=True)
    return PassResult(written, log)
