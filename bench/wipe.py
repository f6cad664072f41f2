"""`make bench-wipe`: deuxvie's overwrite/verify against dd and nwipe on a 2 GiB loop
device, over tmpfs and over a disk file.

The backing file is filled once before any timing (first touch on tmpfs is ~10x slower
than later writes, QEMU-RIG.md); contenders run alternately for ROUNDS rounds and the
medians are reported. Only loop devices created here are ever written: nwipe with
--autonuke and no device would wipe every disk, so its argv always names our loop.

Environment: BENCH_ROUNDS (default 3), BENCH_SIZE_MIB (default 2048),
BENCH_DISK_DIR (default /var/tmp), BENCH_NWIPE=0 to skip nwipe.
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

MIB = 1024 * 1024
BLOCK = 4 * MIB


def _losetup(path: Path) -> str:
    return subprocess.run(["losetup", "--find", "--show", str(path)], check=True,
                          capture_output=True, text=True).stdout.strip()


def _prefill(path: Path, size: int) -> None:
    subprocess.run(["dd", "if=/dev/zero", f"of={path}", "bs=4M", f"count={size // BLOCK}",
                    "conv=fsync", "status=none"], check=True)


def _timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _dd_write(dev: str, size: int, fsync: bool = False) -> None:
    # fsync=True: like for like with deuxvie's pass, which ends with fsync (over a disk-file
    # loop that flushes the backing file's page cache to the disk: most of the pass's time)
    subprocess.run(["dd", "if=/dev/zero", f"of={dev}", "bs=4M", f"count={size // BLOCK}",
                    "oflag=direct", *(["conv=fsync"] if fsync else []), "status=none"],
                   check=True)


def _dd_read(dev: str, size: int) -> None:
    subprocess.run(["dd", f"if={dev}", "of=/dev/null", "bs=4M", f"count={size // BLOCK}",
                    "iflag=direct", "status=none"], check=True)


def _dx_phase(dev: str, pattern_name: str, phase: str, pattern_box: list) -> None:
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


def _dx_engine(dev: str, method: Method, journal_dir: str) -> None:
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
                  ) -> dict[str, list[float]]:
    backing = directory / f"deuxvie-bench-{os.getpid()}.img"
    backing.write_bytes(b"")
    os.truncate(backing, size)
    _prefill(backing, size)
    dev = _losetup(backing)
    times: dict[str, list[float]] = {}
    box: list = []
    jdir = tempfile.mkdtemp(prefix="deuxvie-bench-journal-")
    log = os.path.join(jdir, "nwipe.log")
    contenders: list[tuple[str, Callable[[], object]]] = [
        ("dd write (oflag=direct)", lambda: _dd_write(dev, size)),
        ("dd write (oflag=direct conv=fsync)", lambda: _dd_write(dev, size, fsync=True)),
        ("deuxvie zero pass", lambda: _dx_phase(dev, "zero", "write", box)),
        ("deuxvie zero verify", lambda: _dx_phase(dev, "zero", "verify", box)),
        ("dd read (iflag=direct)", lambda: _dd_read(dev, size)),
        ("deuxvie random pass", lambda: _dx_phase(dev, "random", "write", box)),
        ("deuxvie random verify", lambda: _dx_phase(dev, "random", "verify", box)),
        ("deuxvie zero+verify (engine)", lambda: _dx_engine(dev, Method.ZERO, jdir)),
        ("deuxvie random+verify (engine)", lambda: _dx_engine(dev, Method.RANDOM, jdir)),
    ]
    if with_nwipe:
        contenders += [("nwipe zero+verify", lambda: _nwipe(dev, "zero", log)),
                       ("nwipe prng+verify", lambda: _nwipe(dev, "prng", log))]
    try:
        for r in range(rounds):
            for name, fn in contenders:
                times.setdefault(name, []).append(_timed(fn))
            print(f"  [{label}] round {r + 1}/{rounds} done", file=sys.stderr, flush=True)
    finally:
        subprocess.run(["losetup", "-d", dev], check=False)
        backing.unlink(missing_ok=True)
        shutil.rmtree(jdir, ignore_errors=True)
    return times


def report(label: str, size: int, times: dict[str, list[float]]) -> list[str]:
    med = {k: statistics.median(v) for k, v in times.items()}
    mbps = {k: size / v / 1e6 for k, v in med.items()}
    lines = [f"### {label}: {size // MIB} MiB loop, {len(next(iter(times.values())))} rounds "
             "(medians)", "", "| contender | median s | MB/s |", "|---|---:|---:|"]
    for k in med:
        lines.append(f"| {k} | {med[k]:.3f} | {mbps[k]:.0f} |")
    ratios = [
        ("zero pass / dd write (target >= 0.97)",
         mbps["deuxvie zero pass"] / mbps["dd write (oflag=direct)"]),
        ("zero pass / dd write + fsync (both end with fsync)",
         mbps["deuxvie zero pass"] / mbps["dd write (oflag=direct conv=fsync)"]),
        ("random pass / zero pass (target >= 0.95)",
         mbps["deuxvie random pass"] / mbps["deuxvie zero pass"]),
        ("zero verify / dd read (target >= 0.97)",
         mbps["deuxvie zero verify"] / mbps["dd read (iflag=direct)"]),
        ("random verify / dd read",
         mbps["deuxvie random verify"] / mbps["dd read (iflag=direct)"]),
    ]
    if "nwipe zero+verify" in med:
        ratios += [
            ("nwipe zero+verify time / deuxvie zero+verify (target >= 10)",
             med["nwipe zero+verify"] / med["deuxvie zero+verify (engine)"]),
            ("nwipe prng+verify time / deuxvie random+verify (target >= 10)",
             med["nwipe prng+verify"] / med["deuxvie random+verify (engine)"]),
        ]
    lines += ["", "| ratio | value |", "|---|---:|"]
    lines += [f"| {name} | {value:.2f} |" for name, value in ratios]
    return lines


def main() -> int:
    if os.geteuid() != 0:
        print("bench-wipe needs root (loop devices)", file=sys.stderr)
        return 2
    rounds = int(os.environ.get("BENCH_ROUNDS", "3"))
    size = int(os.environ.get("BENCH_SIZE_MIB", "2048")) * MIB
    with_nwipe = os.environ.get("BENCH_NWIPE", "1") != "0" and shutil.which("nwipe") is not None
    backings = [("tmpfs", Path("/dev/shm")),
                ("disk file", Path(os.environ.get("BENCH_DISK_DIR", "/var/tmp")))]
    out: list[str] = []
    for label, directory in backings:
        times = bench_backing(label, directory, size, rounds, with_nwipe)
        out += [*report(label, size, times), ""]
        print("\n".join(report(label, size, times)), flush=True)
        print(flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
