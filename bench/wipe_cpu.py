"""CPU cost per GiB wiped (a section of `make bench-wipe`): the engine against dd on the same
tmpfs loop device, with the same accounting: getrusage(RUSAGE_CHILDREN) user + system seconds
of a subprocess, for `dd` and for `deuxvie wipe` alike.

A `deuxvie wipe` process pays the Python start-up and imports (about 1.2-1.6 CPU-s here,
issue #16) whatever the disk's size, so the subprocess figure per GiB falls as the disk
grows; the in-process figure (getrusage(RUSAGE_SELF) of this process around the engine's
execute_plan, every worker thread counted, imports already done) is what a GiB costs on a
real disk. Both are printed, and `deuxvie --version` alone shows the start-up.

The loop device's copy into tmpfs runs in the kernel's loop worker, charged to neither
contender.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from deuxvie.wipe.plan import Method

from bench.ratios import Ratio, load1, ratio_table, seconds
from bench.wipe import dd_read, dd_write, engine_run

GIB = 1024**3
DD = "dd write (conv=fsync) + dd read"
ZERO_CLI = "deuxvie wipe --method zero --verify full (subprocess)"
RANDOM_CLI = "deuxvie wipe --method random --verify full (subprocess)"
STARTUP = "deuxvie --version (subprocess: start-up and imports only)"
ZERO_IN = "engine zero+verify (in process)"
RANDOM_IN = "engine random+verify (in process)"


def _cpu(who: int) -> float:
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def child_cost(fn: Callable[[], object]) -> tuple[float, float]:
    """(wall s, CPU s of the subprocesses fn waited for)."""
    c0, t0 = _cpu(resource.RUSAGE_CHILDREN), time.perf_counter()
    fn()
    return time.perf_counter() - t0, _cpu(resource.RUSAGE_CHILDREN) - c0


def self_cost(fn: Callable[[], object]) -> tuple[float, float]:
    """(wall s, CPU s of this process, all threads) of fn."""
    c0, t0 = _cpu(resource.RUSAGE_SELF), time.perf_counter()
    fn()
    return time.perf_counter() - t0, _cpu(resource.RUSAGE_SELF) - c0


def _cli(argv: Sequence[str]) -> None:
    subprocess.run([sys.executable, "-m", "deuxvie", *argv], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _dd_both(dev: str, size: int) -> None:
    dd_write(dev, size, fsync=True)
    dd_read(dev, size)


@dataclass(frozen=True)
class CpuResult:
    size_bytes: int
    rounds: int
    cpu_s: dict[str, float]  # medians
    wall_s: dict[str, float]
    load: float

    def per_gib(self, name: str) -> float:
        return self.cpu_s[name] / (self.size_bytes / GIB)

    def ratios(self) -> list[Ratio]:
        dd = self.per_gib(DD)
        return [
            Ratio("CPU zero+verify / dd, subprocess (start-up included)",
                  self.per_gib(ZERO_CLI) / dd, ("<=", 1.5), load=self.load),
            Ratio("CPU zero+verify / dd, in process", self.per_gib(ZERO_IN) / dd, ("<=", 1.5),
                  load=self.load),
            Ratio("CPU-s/GiB random+verify, subprocess (start-up included)",
                  self.per_gib(RANDOM_CLI), ("<=", 0.4), load=self.load),
            Ratio("CPU-s/GiB random+verify, in process", self.per_gib(RANDOM_IN), ("<=", 0.4),
                  load=self.load),
        ]


def measure(dev: str, size: int, rounds: int, journal_dir: str) -> CpuResult:
    common = ["--yes", "--restart", "--verify", "full", "--journal-dir", journal_dir]
    contenders: list[tuple[str, Callable[[], tuple[float, float]]]] = [
        (DD, partial(child_cost, partial(_dd_both, dev, size))),
        (ZERO_CLI, partial(child_cost, partial(_cli, ["wipe", "--method", "zero", *common,
                                                      dev]))),
        (RANDOM_CLI, partial(child_cost, partial(_cli, ["wipe", "--method", "random",
                                                        *common, dev]))),
        (STARTUP, partial(child_cost, partial(_cli, ["--version"]))),
        (ZERO_IN, partial(self_cost, partial(engine_run, dev, Method.ZERO, journal_dir))),
        (RANDOM_IN, partial(self_cost, partial(engine_run, dev, Method.RANDOM, journal_dir))),
    ]
    cpu: dict[str, list[float]] = {}
    wall: dict[str, list[float]] = {}
    loads = []
    for _ in range(rounds):
        for name, fn in contenders:
            w, c = fn()
            wall.setdefault(name, []).append(w)
            cpu.setdefault(name, []).append(c)
            loads.append(load1())
    return CpuResult(size, rounds, {k: statistics.median(v) for k, v in cpu.items()},
                     {k: statistics.median(v) for k, v in wall.items()},
                     statistics.median(loads))


def report(r: CpuResult) -> list[str]:
    lines = [f"### CPU cost per GiB: {r.size_bytes // (1024 * 1024)} MiB tmpfs loop, "
             f"{r.rounds} round(s), medians (getrusage user+sys)", "",
             "| contender | CPU s | CPU-s/GiB | wall s |", "|---|---:|---:|---:|"]
    for name in r.cpu_s:
        per = "-" if name == STARTUP else f"{r.per_gib(name):.4g}"
        lines.append(f"| {name} | {seconds(r.cpu_s[name])} | {per} | "
                     f"{seconds(r.wall_s[name])} |")
    return [*lines, "", *ratio_table(r.ratios())]
