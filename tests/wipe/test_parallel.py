"""wipe/parallel.py: every block exactly once, errors merged in device order, a failure in
any worker stops the others and reaches the caller only once no worker is running."""

from __future__ import annotations

import threading
import time

import pytest
from deuxvie.wipe.ioerrors import ErrorLog
from deuxvie.wipe.parallel import run_blocks
from deuxvie.wipe.progress import Interrupted, Meter, WipeProgress

SECTOR = 512


def _blocks(n: int, size: int = 4096) -> list[tuple[int, int]]:
    return [(i * size, size) for i in range(n)]


def test_each_block_once_and_errors_in_device_order() -> None:
    seen: list[int] = []
    threads: set[str] = set()
    lock = threading.Lock()

    def make_step():
        def step(offset: int, length: int, log: ErrorLog) -> int:
            with lock:
                seen.append(offset)
                threads.add(threading.current_thread().name)
            # later blocks finish first: the merged log must still be in device order
            time.sleep(0.002 if offset % 8192 == 0 else 0)
            if offset in (4096 * 3, 4096 * 10):
                log.add(offset + SECTOR, SECTOR, "EIO: Input/output error")
                log.add(offset + 2 * SECTOR, SECTOR, "EIO: Input/output error")
                return length - 2 * SECTOR
            return length
        return step

    meter = Meter("/dev/test", "write", 64 * 4096, None, None)
    good, log = run_blocks(_blocks(64), make_step, meter, "write", workers=2)
    assert sorted(seen) == [i * 4096 for i in range(64)]
    assert len(threads) == 2
    assert good == 64 * 4096 - 4 * SECTOR
    assert log.count == 4 and log.bad_bytes == 4 * SECTOR
    # the two adjacent sectors of a block are one record; blocks in offset order
    assert [(r.offset_bytes, r.length_bytes, r.phase) for r in log.records] == [
        (4096 * 3 + SECTOR, 2 * SECTOR, "write"), (4096 * 10 + SECTOR, 2 * SECTOR, "write")]
    assert meter.done == 64 * 4096


def test_stop_request_in_any_worker_stops_all_and_is_raised() -> None:
    stop = threading.Event()
    active = [0]
    started_after_stop: list[int] = []
    lock = threading.Lock()

    def make_step():
        def step(offset: int, length: int, log: ErrorLog) -> int:
            with lock:
                if stop.is_set():
                    started_after_stop.append(offset)
                active[0] += 1
            time.sleep(0.001)
            if offset == 4096 * 20:
                stop.set()  # the operator's Ctrl-C, seen by the meter after this block
            with lock:
                active[0] -= 1
            return length
        return step

    meter = Meter("/dev/test", "write", 1000 * 4096, None, stop)
    with pytest.raises(Interrupted):
        run_blocks(_blocks(1000), make_step, meter, "write", workers=2)
    assert active[0] == 0  # nobody is still inside a step when the caller gets control
    assert len(started_after_stop) <= 1  # at most the other worker's block in flight
    assert meter.done < 1000 * 4096


def test_bug_in_a_helper_is_not_swallowed() -> None:
    def make_step():
        def step(offset: int, length: int, log: ErrorLog) -> int:
            if threading.current_thread() is not threading.main_thread():
                raise ValueError("boom")
            time.sleep(0.001)
            return length
        return step

    with pytest.raises(ValueError, match="boom"):
        run_blocks(_blocks(100), make_step, Meter("/dev/t", "verify", 409600, None, None),
                   "verify", workers=2)


def test_meter_eta_counts_from_the_first_finished_block() -> None:
    """A steady 100 bytes/s after a 5 s pipeline fill: at half-way the ETA is the 5 s the
    second half really takes, not the 10 s an average since the phase's start would say."""
    now = [0.0]
    seen: list[WipeProgress] = []
    meter = Meter("/dev/t", "verify", 1000, seen.append, None, min_interval_s=0,
                  clock=lambda: now[0])
    now[0] = 5.0
    meter.update(100)  # the first block, after the fill
    now[0] = 9.0
    meter.update(500)
    assert seen[-1].bytes_per_s == pytest.approx(100.0)
    assert seen[-1].eta_s == pytest.approx(5.0)
