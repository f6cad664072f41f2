"""pySMART (design card) versus deuxvie.parsers.smartctl on the corpus smartctl outputs.

Run: `.venv/bin/python -m bench.pysmart_compare [CORPUS_DIR]` (default ../shared/corpus).

The reference is what each file says, as the corpus curator wrote it in corpus/SOURCES.md
(model, serial, capacity, health, reallocated, pending, power-on hours, NVMe critical
warning / percentage used / media errors): independent of both parsers. A field counts only
for files whose SOURCES row gives it; masked serials ("--", X-runs) are not counted.

pySMART reads smartctl *text* only: it runs smartctl itself and scrapes the lines. It is fed
offline the way its own tests do it (tests/dataset/singletests): a Smartctl subclass whose
`_exec` serves the recorded output for every argv. Its Device has no way to take JSON, so
the JSON files (what the agent records) are counted as "cannot read" for pySMART.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deuxvie.parsers.numbers import leading_int
from deuxvie.parsers.smartctl import parse_smartctl

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
FIELDS = (
    "model", "serial", "capacity", "power_on_hours", "reallocated", "pending",
    "nvme_critical_warning", "nvme_percentage_used", "nvme_media_errors", "health",
)  # fmt: skip
# SOURCES.md note key -> our field name
_NOTE_KEYS = {
    "model": "model", "serial": "serial", "capacity": "capacity", "cap": "capacity",
    "health": "health", "passed": "health", "realloc": "reallocated", "r5": "reallocated",
    "pending": "pending", "r197": "pending", "poh": "power_on_hours",
    "critical_warning": "nvme_critical_warning", "pct_used": "nvme_percentage_used",
    "pused": "nvme_percentage_used", "media_errors": "nvme_media_errors",
    "media_err": "nvme_media_errors",
}  # fmt: skip


def _number(text: str) -> int | None:
    text = text.strip()
    if text.startswith("0x"):
        return int(text, 16)
    return leading_int(text)


def expected_from_sources(corpus: Path) -> dict[str, dict[str, Any]]:
    """file name -> {field: value} from the notes column of corpus/SOURCES.md."""
    out: dict[str, dict[str, Any]] = {}
    for line in (corpus / "SOURCES.md").read_text().splitlines():
        if not line.startswith("| smartctl/"):
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        name, notes = cells[0].split("/")[-1], cells[-1]
        facts: dict[str, Any] = {}
        if name.endswith(".txt"):
            # "model=X, serial=--, capacity=1,000,204,886,016, health=PASSED, poh=5287, ..."
            for key, value in re.findall(r"(\w+)=(.*?)(?=, \w+=|$)", notes.split("; ", 1)[-1]):
                if key in _NOTE_KEYS:
                    facts[_NOTE_KEYS[key]] = value.strip()
        else:
            # "{'model': 'X', 'serial': 'Y', 'cap': 500107862016, 'passed': True, 'r5': 126}"
            for key, value in re.findall(r"'(\w+)': ('[^']*'|[\w.]+)", notes):
                if key in _NOTE_KEYS:
                    facts[_NOTE_KEYS[key]] = value.strip("'")
        norm: dict[str, Any] = {}
        for key, value in facts.items():
            if key in ("model", "serial"):
                # Masked by the collector ("--", REDACTED, X-runs; scrutiny replaced one
                # serial by "yes"): not a fact about the drive.
                masked = re.fullmatch(r"[-X.]*|REDACTED|yes", value) or "XXXX" in value
                if key == "serial" and masked:
                    continue
                norm[key] = value
            elif key == "health":
                if value in ("None",):
                    continue
                norm[key] = value.upper().startswith(("PASSED", "OK", "TRUE"))
            else:
                number = _number(value)
                if number is not None:
                    norm[key] = number
        out[name] = norm
    return out


def ours(data: bytes) -> dict[str, Any]:
    f = parse_smartctl(data)
    return {
        "model": f.model, "serial": f.serial, "capacity": f.capacity_bytes,
        "power_on_hours": f.power_on_hours, "reallocated": f.reallocated_sectors,
        "pending": f.pending_sectors, "health": f.smart_passed,
        "nvme_critical_warning": f.nvme.critical_warning if f.nvme else None,
        "nvme_percentage_used": f.nvme.percentage_used if f.nvme else None,
        "nvme_media_errors": f.nvme.media_errors if f.nvme else None,
    }  # fmt: skip


def pysmart(data: bytes, name: str) -> dict[str, Any]:
    from pySMART import Device
    from pySMART.smartctl import Smartctl

    class Recorded(Smartctl):
        """Serves one recorded output for every smartctl call (as py-SMART's tests do)."""

        def _exec(self, cmd: list[str]) -> tuple[list[str], int]:
            return self._decode_output(data), 0

    interface = "nvme" if "NVMe Log" in data.decode("latin-1") else None
    if "Transport protocol" in data.decode("latin-1"):
        interface = "scsi"
    dev = Device("/dev/sdx", interface=interface or "ata", smartctl=Recorded(options=[]))
    attrs = {a.num: a for a in dev.attributes if a is not None} if dev.attributes else {}

    def raw(num: int) -> int | None:
        a = attrs.get(num)
        return a.raw_int if a is not None else None

    nv = dev.if_attributes if type(dev.if_attributes).__name__ == "NvmeAttributes" else None
    size = None
    with contextlib.suppress(Exception):
        size = dev.size or None
    poh = getattr(nv, "powerOnHours", None) if nv is not None else raw(9)
    health = {"PASS": True, "FAIL": False}.get(str(dev.assessment))
    return {
        "model": dev.model, "serial": dev.serial, "capacity": size, "power_on_hours": poh,
        "reallocated": raw(5), "pending": raw(197), "health": health,
        "nvme_critical_warning": getattr(nv, "criticalWarning", None),
        "nvme_percentage_used": getattr(nv, "percentageUsed", None),
        "nvme_media_errors": getattr(nv, "integrityErrors", None),
    }  # fmt: skip


@dataclass
class Score:
    right: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    crashes: list[str] = field(default_factory=list)
    seconds: float = 0.0


def score(
    reader: Callable[[bytes, str], dict[str, Any]],
    files: list[Path],
    expected: dict[str, dict[str, Any]],
    score_: Score,
) -> None:
    for path in files:
        exp = expected.get(path.name, {})
        start = time.perf_counter()
        try:
            got = reader(path.read_bytes(), path.name)
        except Exception as exc:  # the point is to count them
            score_.crashes.append(f"{path.name}: {type(exc).__name__}: {exc}"[:160])
            continue
        finally:
            score_.seconds += time.perf_counter() - start
        for key, value in exp.items():
            if got.get(key) == value:
                score_.right[key] += 1


def run(corpus: Path = CORPUS) -> list[str]:
    """The comparison table as Markdown lines (bench convention: run() -> lines)."""
    lines: list[str] = []
    logging.disable(logging.CRITICAL)  # pySMART logs a warning per non-UTF-8 guess
    expected = expected_from_sources(corpus)
    text = sorted((corpus / "smartctl" / "text").glob("*.txt"))
    jsn = sorted((corpus / "smartctl" / "json").glob("*.json"))
    counts = {f: sum(1 for p in text if f in expected.get(p.name, {})) for f in FIELDS}
    counts_json = {f: sum(1 for p in jsn if f in expected.get(p.name, {})) for f in FIELDS}

    ours_text, ours_json, py_text = Score(), Score(), Score()
    score(lambda d, n: ours(d), text, expected, ours_text)
    score(lambda d, n: ours(d), jsn, expected, ours_json)
    with contextlib.redirect_stderr(io.StringIO()):
        score(pysmart, text, expected, py_text)

    lines.append(f"corpus: {len(text)} text outputs, {len(jsn)} JSON outputs")
    lines.append("| field | text files with a reference | deuxvie (text) | pySMART (text) "
          "| JSON files with a reference | deuxvie (JSON) | pySMART (JSON) |")
    lines.append("|---|---|---|---|---|---|---|")
    for f in FIELDS:
        lines.append(f"| {f} | {counts[f]} | {ours_text.right[f]} | {py_text.right[f]} "
              f"| {counts_json[f]} | {ours_json.right[f]} | cannot read JSON |")
    lines.append(f"| exceptions | | {len(ours_text.crashes)} | {len(py_text.crashes)} | "
          f"| {len(ours_json.crashes)} | |")
    lines.append(f"\ntime: deuxvie {ours_text.seconds * 1000:.0f} ms (text) + "
          f"{ours_json.seconds * 1000:.0f} ms (JSON); pySMART {py_text.seconds * 1000:.0f} ms "
          "(text)")
    for crash in py_text.crashes + ours_text.crashes + ours_json.crashes:
        lines.append(f"crash: {crash}")
    return lines


if __name__ == "__main__":
    print("\n".join(run(Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS)))
