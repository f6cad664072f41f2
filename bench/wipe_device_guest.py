"""The guest half of `make bench-wipe-device`: run inside the QEMU test guest (the bench/
folder is on the data disk), times the engine and dd on the throttled disks, prints one JSON
document on stdout (the guest's results port). Arithmetic and printing stay on the host
(bench/wipe_device.py).

    PYTHONPATH=DATA:/opt/deuxvie/agent:/opt/deuxvie/lib python3 -m bench.wipe_device_guest CONFIG

CONFIG (JSON): {"rounds": R, "classes": [{"name", "serial"}...], "parallel": [serial...]}.
Disks are found by serial (kernel names swap between boots, QEMU-RIG.md).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from deuxvie.host.block import open_block

from bench.station import bench_devices
from bench.wipe import dd_read, dd_write, engine_phase


def device_by_serial(serial: str) -> str:
    out = subprocess.run(["lsblk", "-dno", "NAME,SERIAL"], check=True, capture_output=True,
                         text=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1] == serial:
            return f"/dev/{parts[0]}"
    raise SystemExit(f"no disk with serial {serial}:\n{out}")


def _cpu(who: int) -> float:
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def measure(fn: Callable[[], object]) -> tuple[float, float]:
    """(wall s, guest CPU s) of fn: this process's threads plus its children (dd)."""
    c0 = _cpu(resource.RUSAGE_SELF) + _cpu(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    fn()
    wall = time.perf_counter() - t0
    return wall, _cpu(resource.RUSAGE_SELF) + _cpu(resource.RUSAGE_CHILDREN) - c0


def bench_class(dev: str, rounds: int) -> dict[str, Any]:
    bd = open_block(dev, write=False)
    size = bd.size_bytes
    bd.close()
    box: list = []
    ops: list[tuple[str, Callable[[], object]]] = [
        ("dd write", partial(dd_write, dev, size, True)),
        ("zero pass", partial(engine_phase, dev, "zero", "write", box)),
        ("zero verify", partial(engine_phase, dev, "zero", "verify", box)),
        ("dd read", partial(dd_read, dev, size)),
        ("random pass", partial(engine_phase, dev, "random", "write", box)),
        ("random verify", partial(engine_phase, dev, "random", "verify", box)),
    ]
    wall: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    for _ in range(rounds):  # alternating: a slower moment of the host hits every contender
        for name, fn in ops:
            w, c = measure(fn)
            wall.setdefault(name, []).append(w)
            cpu.setdefault(name, []).append(c)
    return {"device": dev, "size_bytes": size, "wall_s": wall, "cpu_s": cpu}


def main(argv: list[str]) -> int:
    with open(argv[0]) as fh:
        config = json.load(fh)
    rounds = int(config["rounds"])
    out: dict[str, Any] = {"cpus": os.cpu_count(), "classes": {}, "parallel": None}
    for cls in config["classes"]:
        out["classes"][cls["name"]] = bench_class(device_by_serial(cls["serial"]), rounds)
        print(f"guest bench: {cls['name']} done", file=sys.stderr, flush=True)
    if config.get("parallel"):
        devs = [device_by_serial(s) for s in config["parallel"]]
        bd = open_block(devs[0], write=False)
        size = bd.size_bytes
        bd.close()
        os.makedirs("/tmp/bench-journal", exist_ok=True)
        r = bench_devices(devs, size, int(config.get("parallel_rounds", 1)), "/tmp/bench-journal")
        out["parallel"] = {
            "disks": r.disks, "size_bytes": r.size_bytes, "engine_s": r.station_s,
            "dd_s": r.dd_s, "rounds": r.rounds,
            "eta": [[c.device, c.phase, c.fraction, c.eta_s, c.actual_s] for c in r.eta_checks],
            # every progress event of the last engine round, for a look at an odd ETA
            "events": {f"{dev} {phase}": evs for (dev, phase), evs in r.events.items()},
        }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
