"""`make bench-wipe-device` (also the last section of `make bench-wipe`): the engine against dd
where the device, not the host's memory, is the limit.

One boot of the QEMU test guest (TCG) with disks throttled by QEMU (`-drive
throttling.bps-read/bps-write`) to real devices' sustained speeds: an HDD (150 MB/s, SATA),
a SATA SSD (520 MB/s) and an NVMe drive (2,000 MB/s), sizes scaled down so the whole run fits
in minutes, plus four HDD-class disks wiped together. Inside the guest
(bench/wipe_device_guest.py) each class gets, alternating for ROUNDS rounds: dd write
(oflag=direct conv=fsync), the engine's zero pass and zero verify, dd read (iflag=direct),
the engine's random (AES-256-CTR) pass and verify. The four disks: one engine run (one thread
per disk, zero + full verify) against four dd in parallel, with the ETA the progress showed at
half-way of each phase against the time the phase really took.

Under TCG the guest's CPU is an emulated one (no KVM here, QEMU-RIG.md): where dd itself does
not reach the throttle, the class is CPU-limited, and the output says so instead of judging
the goal (the goals hold "wherever the device, not the CPU, is the limit", issue #16).

Environment: BENCH_DEVICE_ROUNDS (default 2), BENCH_DEVICE_SCALE (multiplies every disk size,
default 1), BENCH_DEVICE_PARALLEL_MIB (each of the four disks wiped at once; default 128 x
scale; longer phases make the half-way ETA worth judging), BENCH_IMAGE_DIR (disk images,
default /dev/shm), BENCH_DEVICE_JSON (a file for the guest's raw figures and progress events).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deuxvie.devtools.vm import (
    Disk,
    DiskKind,
    GuestError,
    Machine,
    build_test_guest,
    create_data_disk,
    create_image,
    run_guest,
)

from bench.ratios import Ratio, load1, load_text, ratio_table, seconds

MIB = 1024 * 1024
BENCH_DIR = Path(__file__).resolve().parent
GUEST_DATA = "/run/deuxvie/data"  # where the test /init mounts the DEUXVIE data disk
# dd (or the engine) under 90 % of the throttle: something else than the device is the limit
DEVICE_LIMIT_FRACTION = 0.9


@dataclass(frozen=True)
class DeviceClass:
    name: str
    kind: DiskKind
    bps: int  # sustained read and write speed, bytes/s (MB/s x 1e6)
    size_mib: int
    serial: str


CLASSES = (
    DeviceClass("HDD", "sata", 150_000_000, 256, "DVBENCHHDD"),
    DeviceClass("SATA SSD", "sata", 520_000_000, 384, "DVBENCHSSD"),
    DeviceClass("NVMe", "nvme", 2_000_000_000, 512, "DVBENCHNVME"),
)
PARALLEL = DeviceClass("HDD", "sata", 150_000_000, 128, "DVBENCHPAR")
PARALLEL_DISKS = 4  # AHCI has six ports: two classes above + these four
OPS = ("dd write", "zero pass", "zero verify", "dd read", "random pass", "random verify")


@dataclass(frozen=True)
class ClassResult:
    """Medians of one device class's guest timings (wall and guest CPU seconds per op)."""

    cls: DeviceClass
    size_bytes: int
    wall_s: dict[str, float]
    cpu_s: dict[str, float]
    rounds: int

    def mb_s(self, op: str) -> float:
        return self.size_bytes / self.wall_s[op] / 1e6

    def of_throttle(self, op: str) -> float:
        return self.mb_s(op) * 1e6 / self.cls.bps

    @property
    def limit_note(self) -> str:
        """Empty when dd reaches the throttle (the device is the limit), else why not."""
        worst = min(self.of_throttle("dd write"), self.of_throttle("dd read"))
        if worst >= DEVICE_LIMIT_FRACTION:
            return ""
        return (f"CPU-limited: dd reaches {worst * 100:.0f} % of the {self.cls.bps / 1e6:.0f} "
                "MB/s throttle in this TCG guest")

    def ratios(self, load: float | None) -> list[Ratio]:
        w = self.wall_s
        na = "CPU-limited" if self.limit_note else ""
        return [
            Ratio(f"{self.cls.name}: zero pass / dd write", w["dd write"] / w["zero pass"],
                  (">=", 0.98), na, load),
            Ratio(f"{self.cls.name}: zero+verify / dd write+read",
                  (w["dd write"] + w["dd read"]) / (w["zero pass"] + w["zero verify"]),
                  (">=", 0.98), na, load),
            Ratio(f"{self.cls.name}: random pass / zero pass", w["zero pass"] / w["random pass"],
                  (">=", 0.97), na, load),
            Ratio(f"{self.cls.name}: random+verify / zero+verify",
                  (w["zero pass"] + w["zero verify"]) / (w["random pass"] + w["random verify"]),
                  (">=", 0.97), na, load),
        ]


def summarise_class(cls: DeviceClass, raw: dict[str, Any]) -> ClassResult:
    wall = {op: statistics.median(raw["wall_s"][op]) for op in OPS}
    cpu = {op: statistics.median(raw["cpu_s"][op]) for op in OPS}
    return ClassResult(cls, int(raw["size_bytes"]), wall, cpu, len(raw["wall_s"]["dd write"]))


def class_lines(r: ClassResult, load: float | None) -> list[str]:
    c = r.cls
    lines = [f"#### {c.name}: {c.kind} disk throttled to {c.bps / 1e6:.0f} MB/s, "
             f"{r.size_bytes // MIB} MiB, {r.rounds} round(s), medians",
             "", "| op | median s | MB/s | of throttle | guest CPU s |",
             "|---|---:|---:|---:|---:|"]
    for op in OPS:
        lines.append(f"| {op} | {seconds(r.wall_s[op])} | {r.mb_s(op):.0f} | "
                     f"{r.of_throttle(op) * 100:.0f} % | {r.cpu_s[op]:.2f} |")
    lines += ["", *ratio_table(r.ratios(load))]
    if r.limit_note:
        lines += ["", f"{c.name}: {r.limit_note}"]
    return lines


def parallel_ratios(p: dict[str, Any], load: float | None) -> list[Ratio]:
    errors = {"write": [], "verify": []}  # type: dict[str, list[float]]
    for _dev, phase, _fraction, eta, actual in p["eta"]:
        errors[phase].append(abs(eta - actual) / actual if actual > 0 else 0.0)
    out = [Ratio(f"{p['disks']} HDD-class disks: engine aggregate / {p['disks']} x dd",
                 p["dd_s"] / p["engine_s"], (">=", 0.95), "", load)]
    for phase, errs in errors.items():
        out.append(Ratio(f"{p['disks']} HDD-class disks: worst ETA error at half-way, {phase} "
                         f"({len(errs)} disks)", max(errs) if errs else None, ("<=", 0.10),
                         "", load))
    return out


def parallel_lines(p: dict[str, Any], load: float | None) -> list[str]:
    moved = 2 * p["disks"] * p["size_bytes"]
    return [
        f"#### {p['disks']} HDD-class disks at once ({PARALLEL.bps / 1e6:.0f} MB/s each), "
        f"{p['size_bytes'] // MIB} MiB each, {p['rounds']} round(s), medians",
        "", "| contender | median s | aggregate MB/s |", "|---|---:|---:|",
        f"| engine, one run (zero + full verify) | {seconds(p['engine_s'])} "
        f"| {moved / p['engine_s'] / 1e6:.0f} |",
        f"| {p['disks']} x dd in parallel (write conv=fsync, then read) | {seconds(p['dd_s'])} "
        f"| {moved / p['dd_s'] / 1e6:.0f} |",
        "", *ratio_table(parallel_ratios(p, load)),
        "", "| disk | phase | at | ETA shown s | took s | error |", "|---|---|---:|---:|---:|---:|",
        *[f"| {dev} | {phase} | {fraction * 100:.0f} % | {eta:.2f} | {actual:.2f} | "
          f"{abs(eta - actual) / actual * 100 if actual > 0 else 0:.0f} % |"
          for dev, phase, fraction, eta, actual in p["eta"]],
    ]


def report(raw: dict[str, Any], load: float | None) -> list[str]:
    lines: list[str] = []
    for cls in CLASSES:
        lines += [*class_lines(summarise_class(cls, raw["classes"][cls.name]), load), ""]
    if raw.get("parallel"):
        lines += parallel_lines(raw["parallel"], load)
    return lines


def _scaled(cls: DeviceClass, scale: float) -> int:
    return max(16, int(cls.size_mib * scale)) * MIB


def run_in_guest(rounds: int, scale: float, image_dir: Path, timeout_s: float = 3600.0,
                 parallel_mib: int | None = None) -> tuple[dict[str, Any], float]:
    """Boot the guest once; returns the guest's JSON and the boot's wall time."""
    boot = build_test_guest()
    with tempfile.TemporaryDirectory(dir=image_dir, prefix="deuxvie-bench-device-") as tmp:
        work = Path(tmp)
        disks = []
        for cls in CLASSES:
            img = work / f"{cls.serial}.img"
            create_image(img, _scaled(cls, scale), b"\0")  # allocated once: no first-touch cost
            disks.append(Disk(cls.kind, img, cls.serial, model=f"bench {cls.name}",
                              read_bps=cls.bps, write_bps=cls.bps))
        parallel = [f"{PARALLEL.serial}{i}" for i in range(PARALLEL_DISKS)]
        for serial in parallel:
            img = work / f"{serial}.img"
            create_image(img, parallel_mib * MIB if parallel_mib else _scaled(PARALLEL, scale),
                         b"\0")
            disks.append(Disk(PARALLEL.kind, img, serial, model="bench HDD",
                              read_bps=PARALLEL.bps, write_bps=PARALLEL.bps))
        files = work / "data"
        shutil.copytree(BENCH_DIR, files / "bench",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        config = {"rounds": rounds, "parallel": parallel, "parallel_rounds": rounds,
                  "classes": [{"name": c.name, "serial": c.serial} for c in CLASSES]}
        (files / "bench-device.json").write_text(json.dumps(config))
        data = work / "data.img"
        create_data_disk(data, size_mib=16, files=files)
        machine = Machine(disks=tuple(disks), screen=None, data_disk=data)
        cmd = (f"PYTHONPATH={GUEST_DATA}:/opt/deuxvie/agent:/opt/deuxvie/lib "
               f"python3 -m bench.wipe_device_guest {GUEST_DATA}/bench-device.json")
        t0 = time.monotonic()
        run = run_guest(machine, boot, work, "shell-cmd", shell_cmd=cmd, timeout_s=timeout_s)
        took = time.monotonic() - t0
        if run.exit_code != 0:
            raise GuestError(f"guest bench exited {run.exit_code}:\n{run.results[-2000:]}\n"
                             f"{run.console[-3000:]}")
        last = [line for line in run.results.splitlines() if line.startswith("{")]
        if not last:
            raise GuestError(f"no JSON from the guest bench:\n{run.console[-3000:]}")
        return json.loads(last[-1]), took


def run(rounds: int | None = None, scale: float | None = None) -> list[str]:
    """The section's lines (for `make bench-wipe`), the guest's whole run included."""
    rounds = rounds or int(os.environ.get("BENCH_DEVICE_ROUNDS", "2"))
    scale = scale or float(os.environ.get("BENCH_DEVICE_SCALE", "1"))
    image_dir = Path(os.environ.get("BENCH_IMAGE_DIR", "/dev/shm"))
    before = load_text()
    parallel_mib = int(os.environ.get("BENCH_DEVICE_PARALLEL_MIB", "0")) or None
    raw, took = run_in_guest(rounds, scale, image_dir, parallel_mib=parallel_mib)
    if os.environ.get("BENCH_DEVICE_JSON"):  # the guest's raw figures, progress events included
        Path(os.environ["BENCH_DEVICE_JSON"]).write_text(json.dumps(raw, indent=1))
    load = load1()
    head = [f"### Device-limited (QEMU TCG guest, {raw['cpus']} vCPUs, throttled disks): "
            f"one boot, {took:.0f} s; host load average {before} before, {load_text()} after", ""]
    return head + report(raw, load)


def main(argv: Sequence[str] = ()) -> int:
    if os.geteuid() != 0:
        print("bench-wipe-device needs root (the test guest's build)", file=sys.stderr)
        return 2
    for line in run():
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
