"""Inventory speed: replayed bundle (target < 1 s) and live on this machine (target < 3 s).

Run: python -m bench.inventory
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

from deuxvie.host import LocalHost, ReplayHost
from deuxvie.inventory import collect

BUNDLES = Path(__file__).resolve().parent.parent / "tests" / "data" / "bundles"


def _median_s(fn: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run() -> list[str]:
    lines = []
    for name in ("laptop-t440", "dev-vm"):
        bundle = BUNDLES / name
        t = _median_s(lambda b=bundle: collect(ReplayHost(b)), 7)
        lines.append(f"inventory replay {name:12s} median {t * 1000:7.1f} ms  (target < 1000 ms)")
    t = _median_s(lambda: collect(LocalHost()), 3)
    lines.append(f"inventory live   this machine median {t * 1000:7.1f} ms  (target < 3000 ms)")
    return lines


if __name__ == "__main__":
    print("\n".join(run()))
