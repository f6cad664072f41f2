"""`make bench-station`: N disks wiped in parallel by the station's engine path (one worker
thread per disk, zero pass + full read-back verify, as `deuxvie station-mode` runs them)
against N `dd` processes in parallel on the same loop devices doing the same work
(`dd oflag=direct conv=fsync` write, then `dd iflag=direct` read). Ratio printed:
dd time / station time (>= 1: the station is as fast as N-parallel dd).

Only loop devices created here are written. Environment: BENCH_STATION_DISKS (default 4),
BENCH_STATION_SIZE_MIB (default 1024 per disk), BENCH_ROUNDS (default 3),
BENCH_DISK_DIR (backing files; default /dev/shm, i.e. tmpfs).
"""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from deuxvie.host.local import LocalHost
from deuxvie.model.erasure import ErasureStatus
from deuxvie.probes.usage import device_usage
from deuxvie.wipe.engine import run_wipes
from deuxvie.wipe.identity import probe_capabilities, probe_media
from deuxvie.wipe.journal import Journal
from deuxvie.wipe.plan import Method, WipeOptions, WipePlan, WipeTarget, plan_wipe
from deuxvie.wipe.progress import ProgressCallback, WipeProgress

MIB = 1024 * 1024
BLOCK = 4 * MIB


Events = dict[tuple[str, str], list[tuple[float, int, int, float | None]]]


@dataclass(frozen=True)
class EtaCheck:
    """The ETA one disk's progress showed near half-way through a phase, against the time
    the phase really took from that moment (the operator's screen shows the phase's ETA)."""

    device: str
    phase: str  # "write" | "verify"
    fraction: float  # how far the phase was when that ETA was shown
    eta_s: float
    actual_s: float  # from that event to the phase's last progress event

    @property
    def error(self) -> float:
        """|ETA - actual| / actual: 0.1 is a 10 % error."""
        return abs(self.eta_s - self.actual_s) / self.actual_s if self.actual_s > 0 else 0.0


class EtaRecorder:
    """A progress callback (thread-safe) that keeps every event with its arrival time."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.events: Events = {}
        self._lock = threading.Lock()

    def __call__(self, p: WipeProgress) -> None:
        now = self.clock()
        with self._lock:
            self.events.setdefault((p.device, p.phase), []).append(
                (now, p.bytes_done, p.bytes_total, p.eta_s))

    def checks(self) -> list[EtaCheck]:
        """One check per disk and phase: the event nearest 50 % (between 25 and 75 %, else
        none: a phase shorter than two progress intervals shows no ETA worth judging)."""
        out = []
        for (device, phase), evs in sorted(self.events.items()):
            if phase not in ("write", "verify"):
                continue
            ends = [t for t, done, total, _ in evs if total and done >= total]
            mids = [(abs(done / total - 0.5), t, done / total, eta)
                    for t, done, total, eta in evs
                    if total and 0.25 <= done / total <= 0.75 and eta is not None]
            if not ends or not mids:
                continue
            _, t, fraction, eta = min(mids)
            assert eta is not None
            out.append(EtaCheck(device, phase, fraction, eta, max(ends) - t))
        return out


@dataclass(frozen=True)
class Result:
    disks: int
    size_bytes: int  # per disk
    station_s: float  # median
    dd_s: float  # median
    rounds: int
    eta_checks: tuple[EtaCheck, ...] = ()  # from the last station round
    # that round's progress events: (device, phase) -> [(time, done, total, eta)]
    events: Events = field(default_factory=dict, compare=False)

    @property
    def moved_bytes(self) -> int:
        # both contenders write every byte once and read it back once
        return 2 * self.disks * self.size_bytes

    @property
    def station_mb_s(self) -> float:
        return self.moved_bytes / self.station_s / 1e6

    @property
    def dd_mb_s(self) -> float:
        return self.moved_bytes / self.dd_s / 1e6

    @property
    def ratio(self) -> float:
        """dd time / station time: the station's aggregate throughput over N-parallel dd's."""
        return self.dd_s / self.station_s


def summarise(disks: int, size_bytes: int, times: Mapping[str, Sequence[float]],
              eta_checks: Sequence[EtaCheck] = (), events: Events | None = None) -> Result:
    return Result(disks, size_bytes, statistics.median(times["station"]),
                  statistics.median(times["dd"]), len(times["station"]), tuple(eta_checks),
                  events or {})


def report_lines(r: Result) -> list[str]:
    return [
        f"{r.disks} disks x {r.size_bytes // MIB} MiB, {r.rounds} round(s), medians",
        "| contender | median s | aggregate MB/s |",
        "|---|---:|---:|",
        f"| station (engine, 1 thread per disk, zero + full verify) | {r.station_s:.3f} "
        f"| {r.station_mb_s:.0f} |",
        f"| {r.disks} x dd in parallel (write conv=fsync, then read) | {r.dd_s:.3f} "
        f"| {r.dd_mb_s:.0f} |",
        f"ratio dd time / station time (target >= 1): {r.ratio:.2f}",
    ]


def _dd_one(dev: str, size: int) -> None:
    count = str(size // BLOCK)
    subprocess.run(["dd", "if=/dev/zero", f"of={dev}", "bs=4M", f"count={count}",
                    "oflag=direct", "conv=fsync", "status=none"], check=True)
    subprocess.run(["dd", f"if={dev}", "of=/dev/null", "bs=4M", f"count={count}",
                    "iflag=direct", "status=none"], check=True)


def dd_parallel(devs: Sequence[str], size: int) -> None:
    threads = [threading.Thread(target=_dd_one, args=(d, size)) for d in devs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def zero_plans(devs: Sequence[str]) -> list[WipePlan]:
    """Zero pass + full verify plans, as station mode makes them (probes included)."""
    host = LocalHost()
    plans = []
    for dev in devs:
        usage = device_usage(host, dev)
        media = probe_media(host, usage)
        plans.append(plan_wipe(WipeTarget(dev, media, usage, probe_capabilities(host, media)),
                               WipeOptions(method=Method.ZERO, verify="full",
                                           restart_interrupted=True)))
    return plans


def station_parallel(plans: Sequence[WipePlan], journal_dir: str,
                     progress_cb: ProgressCallback | None = None) -> None:
    records = run_wipes(LocalHost(), plans, progress_cb, journal=Journal(journal_dir))
    bad = [r for r in records if r.status is not ErasureStatus.ERASED]
    assert not bad, [r.reasons for r in bad]


def _timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def bench(disks: int, size_mib: int, rounds: int, directory: Path) -> Result:
    size = size_mib * MIB
    made: list[str] = []
    with tempfile.TemporaryDirectory(dir=directory) as tmp, \
            tempfile.TemporaryDirectory() as journal:
        try:
            for i in range(disks):
                backing = Path(tmp) / f"disk{i}.img"
                with backing.open("wb") as fh:  # filled once: first touch is slower
                    fh.write(bytes(size))
                made.append(subprocess.run(["losetup", "--find", "--show", str(backing)],
                                           check=True, capture_output=True,
                                           text=True).stdout.strip())
            return bench_devices(made, size, rounds, journal)
        finally:
            for dev in made:
                with contextlib.suppress(subprocess.CalledProcessError):
                    subprocess.run(["losetup", "-d", dev], check=True, capture_output=True)


def bench_devices(devs: Sequence[str], size: int, rounds: int, journal: str) -> Result:
    """N-parallel dd and one engine run over the same devices, alternating round by round (a
    slower minute hits both). The disks are probed and planned once, before any timing (the
    smartctl/hdparm probes take seconds under QEMU TCG; dd has none); the ETA checks come
    from the last engine round."""
    plans = zero_plans(devs)
    times: dict[str, list[float]] = {"station": [], "dd": []}
    recorders = []
    for _ in range(rounds):
        recorders.append(EtaRecorder())
        times["dd"].append(_timed(partial(dd_parallel, devs, size)))
        times["station"].append(_timed(partial(station_parallel, plans, journal, recorders[-1])))
    last = recorders[-1] if recorders else EtaRecorder()
    return summarise(len(devs), size, times, last.checks(), last.events)


def main() -> int:
    if os.geteuid() != 0:
        print("bench-station needs root (loop devices)", file=sys.stderr)
        return 1
    result = bench(int(os.environ.get("BENCH_STATION_DISKS", "4")),
                   int(os.environ.get("BENCH_STATION_SIZE_MIB", "1024")),
                   int(os.environ.get("BENCH_ROUNDS", "3")),
                   Path(os.environ.get("BENCH_DISK_DIR", "/dev/shm")))
    for line in report_lines(result):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
