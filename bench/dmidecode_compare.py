"""py-dmidecode (design card) versus deuxvie.parsers.dmidecode on the corpus dumps.

Run: `.venv/bin/python -m bench.dmidecode_compare [CORPUS_DIR]` (default ../shared/corpus).

Reference: corpus/SOURCES.md notes ("dmidecode (serials masked): LENOVO / 10M8S02A00;
1 populated DIMMs ['4 GB']"), written by the corpus curator, independent of both parsers.
Counted per dump: total RAM, number of populated DIMMs, system maker and product, and
whether a placeholder/mask ("--", "System manufacturer", "To Be Filled By O.E.M.") leaks out
as if it were a serial or a maker.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path
from typing import Any

from deuxvie.parsers.dmidecode import clean, parse_dmidecode, size_bytes

GiB = 1 << 30
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def expected(corpus: Path) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for line in (corpus / "SOURCES.md").read_text().splitlines():
        if not line.startswith("| dmidecode/"):
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        m = re.search(r": (.*?) / (.*?); (\d+) populated DIMMs \[(.*?)\]", cells[-1])
        if not m:
            continue
        sizes = [size_bytes(s.strip("' ")) for s in m[4].split(",")]
        out[cells[0].split("/")[-1]] = {
            "maker": clean(m[1]), "product": clean(m[2]), "dimms": int(m[3]),
            "total": sum(sizes),
        }  # fmt: skip
    return out


def ours(text: str) -> dict[str, Any]:
    info = parse_dmidecode(text)
    return {
        "maker": info.system.manufacturer, "product": info.system.product,
        "dimms": len(info.memory.modules), "total": info.memory.total_bytes,
        "serial": info.system.serial, "batteries": len(info.batteries),
    }  # fmt: skip


def py_dmidecode(text: str) -> dict[str, Any]:
    from dmidecode import DMIParse

    dmi = DMIParse(text, default=None)
    dimms = [d for d in dmi.get("Memory Device") if dmi.size_to_gb(d.get("Size", "")) > 0]
    return {
        "maker": dmi.manufacturer(), "product": dmi.model(), "dimms": len(dimms),
        "total": round(dmi.total_ram() * GiB), "serial": dmi.serial_number(),
        "batteries": len(dmi.get("Portable Battery")),
    }  # fmt: skip


def run(corpus: Path = CORPUS) -> list[str]:
    """The comparison table as Markdown lines (bench convention: run() -> lines)."""
    lines: list[str] = []
    ref = expected(corpus)
    files = sorted((corpus / "dmidecode").glob("*.txt"))
    rows = []
    for label, reader in (("deuxvie", ours), ("py-dmidecode", py_dmidecode)):
        right = dict.fromkeys(("maker", "product", "dimms", "total"), 0)
        leaks = crashes = 0
        start = time.perf_counter()
        for path in files:
            try:
                got = reader(path.read_text(errors="replace"))
            except Exception:  # counted, that is the measurement
                crashes += 1
                continue
            for key in right:
                if path.name in ref and got[key] == ref[path.name][key]:
                    right[key] += 1
            if got["serial"] is not None and clean(got["serial"]) is None:
                leaks += 1
        ms = (time.perf_counter() - start) * 1000
        rows.append((label, right, leaks, crashes, ms))
    lines.append(f"corpus: {len(files)} dmidecode dumps, {len(ref)} with a reference")
    lines.append("| parser | maker | product | populated DIMMs | total RAM | placeholder serial "
          "returned | exceptions | time |")
    lines.append("|---|---|---|---|---|---|---|---|")
    for label, right, leaks, crashes, ms in rows:
        lines.append(f"| {label} | {right['maker']} | {right['product']} | {right['dimms']} | "
              f"{right['total']} | {leaks} | {crashes} | {ms:.0f} ms |")
    return lines


if __name__ == "__main__":
    print("\n".join(run(Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS)))
