"""One overwrite pass over the whole device, at device speed.

Zeros: one buffer, filled once, written block after block. AES-CTR: a generator thread
fills the next buffers while the main thread is inside pwrite (which releases the GIL),
so keystream generation overlaps the I/O instead of adding to it.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass

from deuxvie.host.block import BlockIO
from deuxvie.wipe.buffers import Buffer
from deuxvie.wipe.ioerrors import ErrorLog, io_range
from deuxvie.wipe.patterns import Pattern
from deuxvie.wipe.progress import Meter

DEFAULT_BLOCK_BYTES = 4 * 1024 * 1024  # QEMU-RIG.md: 4 MiB already matches dd; 16 MiB gains nothing
PIPELINE_DEPTH = 3


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
               block_bytes: int = DEFAULT_BLOCK_BYTES, retries: int = 2) -> PassResult:
    if block_bytes % dev.logical_sector_bytes:
        raise ValueError(f"block size {block_bytes} is not a multiple of the sector size "
                         f"{dev.logical_sector_bytes}")
    log = ErrorLog("write")
    written = 0
    blocks = _blocks(dev.size_bytes, block_bytes)
    if pattern.constant:
        buf = Buffer(block_bytes)
        pattern.fill(buf.mm, 0, block_bytes)
        for offset, length in blocks:
            written += _write_block(dev, buf, offset, length, retries, log)
            meter.update(offset + length)
    else:
        written = _pipelined(dev, pattern, meter, blocks, block_bytes, retries, log)
    dev.fsync()
    meter.update(dev.size_bytes, force=True)
    return PassResult(written, log)


def _pipelined(dev: BlockIO, pattern: Pattern, meter: Meter, blocks: list[tuple[int, int]],
               block_bytes: int, retries: int, log: ErrorLog) -> int:
    free: queue.Queue[Buffer] = queue.Queue()
    ready: queue.Queue[tuple[int, int, Buffer] | BaseException | None] = queue.Queue()
    for _ in range(PIPELINE_DEPTH):
        free.put(Buffer(block_bytes))
    cancel = threading.Event()

    def generate() -> None:
        try:
            for offset, length in blocks:
                buf = free.get()
                if cancel.is_set():
                    return
                pattern.fill(buf.mm, offset, length)
                ready.put((offset, length, buf))
            ready.put(None)
        except BaseException as exc:  # handed to the writer, which re-raises it
            ready.put(exc)

    gen = threading.Thread(target=generate, name=f"keystream {dev.path}", daemon=True)
    gen.start()
    written = 0
    try:
        while True:
            item = ready.get()
            if item is None:
                break
            if isinstance(item, BaseException):
                raise item
            offset, length, buf = item
            written += _write_block(dev, buf, offset, length, retries, log)
            free.put(buf)
            meter.update(offset + length)
    finally:
        cancel.set()
        free.put(Buffer(4096))  # unblock the generator if it waits for a buffer
        gen.join(timeout=5)
    return written
