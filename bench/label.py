"""Label and certificate rendering speed: `python -m bench.label` (make bench-label).

Targets from issue 6: a label renders in < 200 ms, the certificate PDF in < 1 s. Prints the
median and worst of N runs per label size and for the PDF in both languages; exits 1 when a
median misses its target so a regression shows up in `make bench` output, never in tests.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "certificate"))

from deuxvie.certificate.pdf import render_certificate  # noqa: E402
from deuxvie.label.config import SIZES  # noqa: E402
from deuxvie.label.render import render_label_png  # noqa: E402
from deuxvie.label.zpl import native_zpl  # noqa: E402
from report_sample import SERVER, build_report  # noqa: E402

LABEL_TARGET_S = 0.200
PDF_TARGET_S = 1.0


def _time(fn: Callable[[], Any], runs: int) -> tuple[float, float]:
    fn()  # warm: font loading, imports
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), max(samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv)
    report = build_report()
    ok = True
    print(f"{'what':34} {'median':>9} {'worst':>9}  target")
    for name in SIZES:
        # A fresh uuid each run: the QR encoding is cached per URL inside one render, and
        # a real run never prints the same report twice.
        med, worst = _time(
            lambda n=name: render_label_png(dict(report, uuid=str(uuid.uuid4())), n, SERVER),
            args.runs,
        )
        ok &= med < LABEL_TARGET_S
        print(f"label PNG {name:24} {med * 1e3:7.1f}ms {worst * 1e3:7.1f}ms  < 200 ms")
    med, worst = _time(lambda: native_zpl(report, "zebra-4x6-203", SERVER), args.runs)
    print(f"{'label ZPL native 4x6-203':34} {med * 1e3:7.1f}ms {worst * 1e3:7.1f}ms")
    for lang in ("fr", "en"):
        med, worst = _time(
            lambda lang=lang: render_certificate(report, lang=lang, server=SERVER), args.runs
        )
        ok &= med < PDF_TARGET_S
        print(f"certificate PDF {lang:18} {med * 1e3:7.1f}ms {worst * 1e3:7.1f}ms  < 1000 ms")
    print("OK" if ok else "SLOWER THAN TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
