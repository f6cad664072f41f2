"""`make bench` / `python -m bench`: every benchmark section, one after the other.

Each section is a module of this package with `run() -> list[str]` (the lines to print).
Add yours to SECTIONS; a section that fails is reported and the others still run.
"""

from __future__ import annotations

import importlib
import sys
import time
import traceback

SECTIONS = [
    "bench.diagnostics",
    "bench.inventory",
]


def main() -> int:
    failed = 0
    for name in SECTIONS:
        print(f"== {name}", flush=True)
        start = time.perf_counter()
        try:
            lines = importlib.import_module(name).run()
        except Exception:
            traceback.print_exc()
            failed += 1
            continue
        for line in lines:
            print(f"   {line}")
        print(f"   ({time.perf_counter() - start:.1f} s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
