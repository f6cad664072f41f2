"""`make bench`: every benchmark section in turn (the wipe one has its own target,
`make bench-wipe`, because it needs minutes and two GiB of tmpfs)."""

from __future__ import annotations

import importlib
import sys
import time

# Each module exposes run() -> list[str] (lines to print) or main() -> None.
SECTIONS = (
    "bench.inventory",
    "bench.pysmart_compare",
    "bench.dmidecode_compare",
    "bench.diagnostics",
    "bench.label",
    "bench.cli",
    "bench.server",
)


def main() -> int:
    failed = 0
    for name in SECTIONS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        print(f"== {name}")
        start = time.perf_counter()
        try:
            if hasattr(module, "run"):
                for line in module.run():
                    print(line)
            else:
                module.main()
        except Exception as exc:  # a broken section must not hide the others' figures
            failed += 1
            print(f"   FAILED: {type(exc).__name__}: {exc}")
        print(f"   ({time.perf_counter() - start:.1f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
