"""`make bench-wipe`: every wipe figure of issue #16 in one run, each ratio with its goal and
the load average beside it:

1. deuxvie's overwrite/verify against dd and nwipe on a 2 GiB loop device, over tmpfs and
   over a disk file (this module);
2. CPU cost per GiB against dd (bench/wipe_cpu.py);
3. 1, 2, 4 and 8 loop devices wiped in one engine run against as many dd in parallel, and
   the progress ETA at half-way (bench/station.py);
4. the device-limited classes in the QEMU guest (bench/wipe_device.py, also alone as
   `make bench-wipe-device`; BENCH_DEVICE=0 skips it).

The backing file is filled once before any timing (first touch on tmpfs is ~10x slower
than later writes, QEMU-RIG.md); contenders run alternately for ROUNDS rounds and the
medians are reported. Only loop devices created here are ever written: nwipe with
--autonuke and no device would wipe every disk, so its argv always names our loop.

Environment: BENCH_ROUNDS (default 3), BENCH_SIZE_MIB (default 2048),
BENCH_DISK_DIR (default /var/tmp), BENCH_NWIPE=0 to skip nwipe, BENCH_DISKS (default
1,2,4,8), BENCH_DISKS_SIZE_MIB (default 512 per disk), BENCH_DEVICE=0.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from deuxvie.host.block import open_block
from deuxvie.host.local import LocalHost
from deuxvie.model.erasure import ErasureStatus
from deuxvie.probes.usage import device_usage
from deuxvie.wipe.engine import execute_plan
from deuxvie.wipe.identity import probe_capabilities, probe_media
from deuxvie.wipe.journal import Journal
from deuxvie.wipe.overwrite import write_pass
from deuxvie.wipe.patterns import AesCtrPattern, ZeroPattern
from deuxvie.wipe.plan import Method, WipeOptions, WipeTarget, plan_wipe
from deuxvie.wipe.progress import Meter
from deuxvie.wipe.verify import full_ranges, verify

from bench.ratios import Ratio, load1, load_text, ratio_table, seconds
from bench.station import Result
from bench.station import bench as station_bench

MIB = 1024 * 1024
BLOCK = 4 * MIB


def losetup(path: Path) -> str:
    return subprocess.run(["losetup", "--find", "--show", str(path)], check=True,
                          capture_output=True, text=True).stdout.strip()


def prefill(path: Path, size: int) -> None:
    subprocess.run(["dd", "if=/dev/zero", f"of={path}", "bs=4M", f"count={size // BLOCK}",
                    "conv=fsync", "status=none"], check=True)


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def dd_write(dev: str, size: int, fsync: bool = False) -> None:
    # fsync=True: like for like with deuxvie's pass, which ends with fsync (over a disk-file
    # loop that flushes the backing file's page cache to the disk: most of the pass's time)
    subprocess.run(["dd", "if=/dev/zero", f"of={dev}", "bs=4M", f"count={size // BLOCK}",
                    "oflag=direct", *(["conv=fsync"] if fsync else []), "status=none"],
                   check=True)


def dd_read(dev: str, size: int) -> None:
    subprocess.run(["dd", f"if={dev}", "of=/dev/null", "bs=4M", f"count={size // BLOCK}",
                    "iflag=direct", "status=none"], check=True)


def engine_phase(dev: str, pattern_name: str, phase: str, pattern_box: list) -> None:
    """One deuxvie phase with the engine's own functions (no journal, no probes)."""
    bd = open_block(dev, write=True)
    try:
        meter = Meter(dev, phase, bd.size_bytes, None, None)
        if phase == "write":
            pattern_box[:] = [ZeroPattern() if pattern_name == "zero" else AesCtrPattern()]
            res = write_pass(bd, pattern_box[0], meter, block_bytes=BLOCK)
            assert res.bytes_written == bd.size_bytes
        else:
            res2 = verify(bd, pattern_box[0], full_ranges(bd.size_bytes), meter,
                          block_bytes=BLOCK)
            assert res2.bytes_verified == bd.size_bytes, "verify mismatch"
    finally:
        bd.close()


def engine_run(dev: str, method: Method, journal_dir: str) -> None:
    host = LocalHost()
    usage = device_usage(host, dev)
    media = probe_media(host, usage)
    plan = plan_wipe(WipeTarget(dev, media, usage, probe_capabilities(host, media)),
                     WipeOptions(method=method, restart_interrupted=True))
    rec = execute_plan(host, plan, journal=Journal(journal_dir))
    assert rec.status is ErasureStatus.ERASED, rec.reasons


def _nwipe(dev: str, method: str, log: str) -> None:
    assert dev.startswith("/dev/loop")
    subprocess.run(["nwipe", "--autonuke", "--nogui", "--nousb", "--noblank",
                    f"--method={method}", "--verify=last", f"--logfile={log}", dev],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def bench_backing(label: str, directory: Path, size: int, rounds: int, with_nwipe: bool
                  ) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Times (s) and 1-minute load averages of every contender, round by round."""
    backing = directory / f"deuxvie-bench-{os.getpid()}.img"
    backing.write_bytes(b"")
    os.truncate(backing, size)
    prefill(backing, size)
    dev = losetup(backing)
    times: dict[str, list[float]] = {}
    loads: dict[str, list[float]] = {}
    box: list = []
    jdir = tempfile.mkdtemp(prefix="deuxvie-bench-journal-")
    log = os.path.join(jdir, "nwipe.log")
    contenders: list[tuple[str, Callable[[], object]]] = [
        ("dd write (oflag=direct)", lambda: dd_write(dev, size)),
        ("dd write (oflag=direct conv=fsync)", lambda: dd_write(dev, size, fsync=True)),
        ("deuxvie zero pass", lambda: engine_phase(dev, "zero", "write", box)),
        ("deuxvie zero verify", lambda: engine_phase(dev, "zero", "verify", box)),
        ("dd read (iflag=direct)", lambda: dd_read(dev, size)),
        ("deuxvie random pass", lambda: engine_phase(dev, "random", "write", box)),
        ("deuxvie random verify", lambda: engine_phase(dev, "random", "verify", box)),
        ("deuxvie zero+verify (engine)", lambda: engine_run(dev, Method.ZERO, jdir)),
        ("deuxvie random+verify (engine)", lambda: engine_run(dev, Method.RANDOM, jdir)),
    ]
    if with_nwipe:
        contenders += [("nwipe zero+verify", lambda: _nwipe(dev, "zero", log)),
                       ("nwipe prng+verify", lambda: _nwipe(dev, "prng", log))]
    try:
        for r in range(rounds):
            for name, fn in contenders:
                times.setdefault(name, []).append(timed(fn))
                loads.setdefault(name, []).append(load1())
            print(f"  [{label}] round {r + 1}/{rounds} done", file=sys.stderr, flush=True)
    finally:
        subprocess.run(["losetup", "-d", dev], check=False)
        backing.unlink(missing_ok=True)
        shutil.rmtree(jdir, ignore_errors=True)
    return times, loads


def report(label: str, size: int, times: dict[str, list[float]],
           loads: dict[str, list[float]] | None = None) -> list[str]:
    med = {k: statistics.median(v) for k, v in times.items()}
    load = {k: statistics.median(v) for k, v in (loads or {}).items()}
    mbps = {k: size / v / 1e6 for k, v in med.items()}
    lines = [f"### {label}: {size // MIB} MiB loop, {len(next(iter(times.values())))} rounds "
             "(medians)", "", "| contender | median s | MB/s | load 1 min |",
             "|---|---:|---:|---:|"]
    for k in med:
        lines.append(f"| {k} | {seconds(med[k])} | {mbps[k]:.0f} | "
                     f"{load[k]:.2f} |" if k in load else f"| {k} | {seconds(med[k])} | "
                     f"{mbps[k]:.0f} | |")
    every = statistics.median([x for v in (loads or {}).values() for x in v] or [0.0])

    def r(name: str, a: str, b: str, goal: tuple[str, float] | None = None) -> Ratio:
        return Ratio(name, med[b] / med[a], goal, load=every if loads else None)

    ratios = [
        r("zero pass / dd write", "deuxvie zero pass", "dd write (oflag=direct)", (">=", 0.97)),
        r("zero pass / dd write + fsync (both end with fsync)", "deuxvie zero pass",
          "dd write (oflag=direct conv=fsync)"),
        r("random pass / zero pass", "deuxvie random pass", "deuxvie zero pass", (">=", 0.97)),
        r("zero verify / dd read", "deuxvie zero verify", "dd read (iflag=direct)", (">=", 0.97)),
        r("random verify / dd read", "deuxvie random verify", "dd read (iflag=direct)"),
    ]
    if "nwipe zero+verify" in med:
        # time ratios the other way round: how many times faster than nwipe
        ratios += [
            Ratio("nwipe zero+verify time / deuxvie zero+verify",
                  med["nwipe zero+verify"] / med["deuxvie zero+verify (engine)"], (">=", 10),
                  load=every if loads else None),
            Ratio("nwipe prng+verify time / deuxvie random+verify",
                  med["nwipe prng+verify"] / med["deuxvie random+verify (engine)"], (">=", 10),
                  load=every if loads else None),
        ]
    return [*lines, "", *ratio_table(ratios)]


def disks_report(results: list[tuple[Result, float]]) -> list[str]:
    lines = ["### N loop devices (tmpfs) at once: one engine run against N x dd in parallel "
             "(zero + full verify; dd write conv=fsync then read), medians", "",
             "| disks | MiB each | engine s | N x dd s | load 1 min |",
             "|---:|---:|---:|---:|---:|"]
    ratios = []
    for res, load in results:
        lines.append(f"| {res.disks} | {res.size_bytes // MIB} | {seconds(res.station_s)} | "
                     f"{seconds(res.dd_s)} | {load:.2f} |")
        ratios.append(Ratio(f"{res.disks} disks: engine aggregate / {res.disks} x dd",
                            res.ratio, (">=", 0.95), load=load))
        for phase in ("write", "verify"):
            errs = [c.error for c in res.eta_checks if c.phase == phase]
            ratios.append(Ratio(
                f"{res.disks} disks: worst ETA error at half-way, {phase} "
                f"({len(errs)} of {res.disks} disks had a progress event at 25-75 %)",
                max(errs) if errs else None, ("<=", 0.10), load=load))
    return [*lines, "", *ratio_table(ratios)]


def _section(title: str, fn: Callable[[], list[str]]) -> list[str]:
    print(f"  [{title}] load average {load_text()}", file=sys.stderr, flush=True)
    lines = fn()
    print("\n".join(lines), flush=True)
    print(flush=True)
    return lines


def _loop_report(label: str, directory: Path, size: int, rounds: int, with_nwipe: bool
                 ) -> list[str]:
    return report(label, size, *bench_backing(label, directory, size, rounds, with_nwipe))


def loop_sections(size: int, rounds: int, with_nwipe: bool, disk_dir: Path) -> list[str]:
    out: list[str] = []
    for label, directory in (("tmpfs", Path("/dev/shm")), ("disk file", disk_dir)):
        out += _section(label, partial(_loop_report, label, directory, size, rounds, with_nwipe))
    return out


def cpu_section(size: int, rounds: int) -> list[str]:
    from bench import wipe_cpu

    backing = Path("/dev/shm") / f"deuxvie-bench-cpu-{os.getpid()}.img"
    backing.write_bytes(b"")
    os.truncate(backing, size)
    prefill(backing, size)
    dev = losetup(backing)
    jdir = tempfile.mkdtemp(prefix="deuxvie-bench-journal-")
    try:
        return wipe_cpu.report(wipe_cpu.measure(dev, size, rounds, jdir))
    finally:
        subprocess.run(["losetup", "-d", dev], check=False)
        backing.unlink(missing_ok=True)
        shutil.rmtree(jdir, ignore_errors=True)


def disks_section(counts: list[int], size_mib: int, rounds: int) -> list[str]:
    results = []
    for n in counts:
        res = station_bench(n, size_mib, rounds, Path("/dev/shm"))
        results.append((res, load1()))
        print(f"  [N disks] {n} done", file=sys.stderr, flush=True)
    return disks_report(results)


def main() -> int:
    if os.geteuid() != 0:
        print("bench-wipe needs root (loop devices)", file=sys.stderr)
        return 2
    rounds = int(os.environ.get("BENCH_ROUNDS", "3"))
    size = int(os.environ.get("BENCH_SIZE_MIB", "2048")) * MIB
    with_nwipe = os.environ.get("BENCH_NWIPE", "1") != "0" and shutil.which("nwipe") is not None
    counts = [int(n) for n in os.environ.get("BENCH_DISKS", "1,2,4,8").split(",") if n]
    disks_mib = int(os.environ.get("BENCH_DISKS_SIZE_MIB", "512"))
    t0 = time.monotonic()
    print(f"## make bench-wipe: {os.cpu_count()} CPUs, load average {load_text()} at start",
          flush=True)
    print(flush=True)
    loop_sections(size, rounds, with_nwipe, Path(os.environ.get("BENCH_DISK_DIR", "/var/tmp")))
    _section("CPU per GiB", lambda: cpu_section(size, rounds))
    _section("N disks", lambda: disks_section(counts, disks_mib, rounds))
    if os.environ.get("BENCH_DEVICE", "1") != "0":
        from bench import wipe_device

        _section("device-limited", wipe_device.run)
    print(f"## bench-wipe took {time.monotonic() - t0:.0f} s; load average {load_text()} "
          "at the end", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
