"""Two I/O streams per disk: each worker takes the next block, prepares and writes it (or
reads and checks it) with its own buffers, so one block is in the kernel while the other
is being generated or compared, and the device never waits for Python.

Why two workers and not a generator thread feeding a writer (the first design): measured
on the 2-vCPU machine (docs/adr/0020-wipe-io-pipeline.md, second round), the hand-off made
the device wait between requests, and a single reader could not hide the compare; two
streams keep one request queued behind the other (queue depth 2), which also lets the
zero pass and the zero verify beat dd (queue depth 1). More workers only add contention
on two cores.

The order of completion is not the order of the blocks: progress counts finished bytes,
and the error logs of the blocks are merged in device order at the end.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

from deuxvie.wipe.ioerrors import ErrorLog
from deuxvie.wipe.progress import Meter

WORKERS = 2

# step(offset, length, log) -> good bytes of the block; records its bad sectors in `log`
Step = Callable[[int, int, ErrorLog], int]


def run_blocks(blocks: list[tuple[int, int]], make_step: Callable[[], Step], meter: Meter,
               phase: str, *, workers: int = WORKERS, name: str = "io") -> tuple[int, ErrorLog]:
    """Run `step` over every block with `workers` threads (the caller's thread is one of
    them). `make_step` is called once per worker, so each owns its buffers. Returns the
    good bytes and the merged error log. An exception in any worker (Interrupted from the
    meter, a bug) stops the others after their current block and is re-raised here; this
    returns only when no worker touches the device any more (the caller closes it next)."""
    lock = threading.Lock()
    todo: Iterator[tuple[int, int]] = iter(blocks)
    block_logs: list[tuple[int, ErrorLog]] = []
    failures: list[BaseException] = []
    cancel = threading.Event()
    totals = [0, 0]  # bytes processed, good bytes

    def work() -> None:
        try:
            step = make_step()
            while not cancel.is_set():
                with lock:
                    item = next(todo, None)
                if item is None:
                    return
                offset, length = item
                log = ErrorLog(phase)
                good = step(offset, length, log)
                with lock:
                    totals[0] += length
                    totals[1] += good
                    if log.count:
                        block_logs.append((offset, log))
                    meter.update(totals[0])  # raises Interrupted on a stop request
        except BaseException as exc:  # handed to the caller's thread, re-raised there
            with lock:
                failures.append(exc)
            cancel.set()

    helpers = [threading.Thread(target=work, name=f"{name} {i + 1}", daemon=True)
               for i in range(max(0, workers - 1))]
    for t in helpers:
        t.start()
    try:
        work()
    finally:
        _join_all(helpers, cancel, failures)
    if failures:
        raise failures[0]
    merged = ErrorLog(phase)
    for _, log in sorted(block_logs, key=lambda item: item[0]):
        merged.merge(log)
    return totals[1], merged


def _join_all(helpers: list[threading.Thread], cancel: threading.Event,
              failures: list[BaseException]) -> None:
    """Wait for every helper, even through a second Ctrl-C: returning while a helper is
    inside pwrite would let the caller close the descriptor under it."""
    for t in helpers:
        while t.is_alive():
            try:
                t.join()
            except BaseException as exc:
                failures.append(exc)
                cancel.set()
