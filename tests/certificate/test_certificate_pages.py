"""The certificate as a donor and an auditor read it (issues 13 and 20), checked on the text
poppler extracts and on where each word is drawn.

The disk records come from the real path: the wipe engine overwrites a file-backed SATA disk
(replayed hdparm answers), then the pipeline's SMART re-read (deuxvie.wipe.smart_after)
asks smartctl again (a real capture, with reallocated sectors grown by the overwrite).
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from deuxvie.certificate.pdf import render_certificate
from deuxvie.model.common import jsonable
from deuxvie.wipe.engine import WipeHooks, execute_plan
from deuxvie.wipe.journal import Journal
from deuxvie.wipe.plan import Method, WipeOptions
from deuxvie.wipe.smart_after import reread_smart
from report_sample import SERVER, build_report

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from wipe.helpers import plan_for
from wipe.replay import MediumReplayHost, donor, make_bundle

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils is installed by make setup"
)

SIZE = 8 * 1024 * 1024
SDA = "/dev/sda"
TESTS = Path(__file__).resolve().parents[1]
SMART_CAPTURE = TESTS / "data/parsers/smartctl/scrutiny__smart-ata.json"
PROBE = [
    (("hdparm", "-I", SDA), 0, "hdparm-I-ssd-nosanitize.txt"),
    (("hdparm", "-N", SDA), 0, "hdparm-N-nohpa.txt"),
    (("hdparm", "--dco-identify", SDA), 0, "hdparm-dco-2048.txt"),
]
MIN_LINES = 8  # "no page with fewer than a few lines"


def _smart_after_capture(tmp: Path) -> Path:
    """The capture with attribute 5 raised from 0 to 7: sectors reallocated while wiping."""
    data = json.loads(SMART_CAPTURE.read_text())
    for attr in data["ata_smart_attributes"]["table"]:
        if attr["id"] == 5:
            attr["raw"]["value"] = 7
            attr["raw"]["string"] = "7"
    out = tmp / "smartctl-after.json"
    out.write_text(json.dumps(data))
    return out


def _wiped_records(tmp_path: Path) -> list[dict[str, Any]]:
    # an absolute path: make_bundle's DATA / path is that path
    smart = (("smartctl", "-x", "--json=c", SDA), 4, str(_smart_after_capture(tmp_path)))
    bundle = make_bundle(tmp_path / "bundle", "sata", [*PROBE, smart], SIZE)
    image = tmp_path / "medium.img"
    donor(image, SIZE)
    host = MediumReplayHost(bundle, image)
    plan = plan_for(host, SDA, WipeOptions(method=Method.ZERO))
    record = execute_plan(host, plan, journal=Journal(tmp_path / "journal"),
                          hooks=WipeHooks(sleep=lambda s: None))  # fmt: skip
    assert image.read_bytes() == bytes(SIZE)  # the engine really zeroed the medium
    return [jsonable(r) for r in reread_smart(host, [record])]


@pytest.fixture
def wiped_report(tmp_path: Path) -> dict[str, Any]:
    """The sample machine whose second disk (the HDD) is the one the engine just wiped,
    SMART before from the inventory's capture reading."""
    rep = copy.deepcopy(build_report())
    (record,) = _wiped_records(tmp_path)
    record["smart_before"] = json.loads(json.dumps(record["smart_after"]))
    record["smart_before"]["reallocated_sectors"] = 0
    rep["erasure"][1] = record
    rep["agent"]["image"] = {
        "kind": "live-iso", "version": "0.1.0", "commit": "0123456789abcdef" * 2 + "01234567",
        "dirty": False, "built_at": "2026-12-01T09:00:00Z", "rootfs_sha256": "cd" * 32,
    }  # fmt: skip
    return rep


def _pdftotext(pdf: bytes, tmp_path: Path, *args: str) -> str:
    path = tmp_path / "cert.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", *args, str(path), "-"], check=True,
                          capture_output=True, text=True).stdout  # fmt: skip


def _section(text: str, serial: str) -> str:
    parts = re.split(r"(?=Dis(?:que|k) \d/\d)", text)
    return next(p for p in parts if re.match(r"Dis(?:que|k) \d/\d", p) and serial in p[:300])


def test_after_column_commands_and_pages(wiped_report: dict[str, Any], tmp_path: Path) -> None:
    pdf = render_certificate(wiped_report, server=SERVER)
    text = _pdftotext(pdf, tmp_path, "-layout")
    serial = wiped_report["erasure"][1]["media"]["serial"]
    hdd = _section(text, serial)
    # every "Après" cell holds a value: the disk answered after the wipe
    smart = hdd[hdd.index("SMART avant / après") :]
    rows = [line for line in smart.splitlines()[2:] if re.match(r"\S.*\s{2,}\S", line)]
    assert len(rows) >= 5, smart
    for line in rows:
        cells = re.split(r"\s{2,}", line.strip())
        if cells[0].startswith("Rapport"):  # the footer
            continue
        assert len(cells) == 3 and cells[2] not in ("—", ""), line
    assert re.search(r"Secteurs réalloués \(5\)\s+0\s+7 \(\+7\)", smart)
    assert "Changé pendant l'effacement : Secteurs réalloués (5) +7" in " ".join(smart.split())
    # what ran on the overwritten disk, never "—"
    commands = hdd[hdd.index("Commandes exécutées") : hdd.index("Motif / passes")]
    assert "—" not in commands
    flat = " ".join(commands.split())
    assert "écriture par deuxvie : motif zero, passe 1/1, blocs de 4 Mio" in flat
    assert "relecture de vérification : disque entier" in flat
    # no page holds a lone row: each has a few lines of text besides the footer
    for number, page in enumerate(text.split("\f")[:-1], 1):
        lines = [ln for ln in page.splitlines() if ln.strip() and "Rapport " not in ln]
        assert len(lines) >= MIN_LINES, f"page {number}: {lines}"
    # the summary (verdict, disks, machine, workshop, signature) is page 1
    first = text.split("\f")[0]
    for needle in ("Verdict du diagnostic", "Supports de stockage", "Signature et vérification",
                   "Rapport établi le", "N° d'inventaire"):  # fmt: skip
        assert needle in first, needle
    # the image that erased the disks is named
    assert "image ISO live 0.1.0, commit 0123456789ab" in " ".join(first.split())


def test_no_glyph_outside_the_page(wiped_report: dict[str, Any], tmp_path: Path) -> None:
    """Long reasons, URLs and hashes wrap: every word's box is inside the page's margins."""
    rep = copy.deepcopy(wiped_report)
    long = "Terminer les tests manquants avant de reconditionner : " + ", ".join(
        f"santé SMART du disque Samsung SSD 860 EVO 500GB numéro {i}" for i in range(6)
    )
    rep["grade"]["suggestion"] = {"code": "suggest.complete_tests", "fr": long, "en": long}
    rep["grade"]["reasons"].append({"code": "x", "fr": long * 2, "en": long * 2})
    html = _pdftotext(render_certificate(rep, server=SERVER), tmp_path, "-bbox")
    pages = re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', html, re.S)
    assert pages
    for width, height, body in pages:
        for x0, y0, x1, y1, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
            body,
        ):
            # inside the page, 5 mm (14 pt) clear of its right edge
            assert float(x0) >= 0 and float(x1) <= float(width) - 14, word
            assert float(y0) >= 0 and float(y1) <= float(height), word


def test_loop_serials_verdict_in_words_and_local_time(
    wiped_report: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rep = copy.deepcopy(wiped_report)
    media = rep["erasure"][0]["media"]
    media.update(kind="loop", serial="loop:/tmp/demo/DEMO-INT-256M.img", path="/dev/loop7")
    monkeypatch.setenv("TZ", "Europe/Paris")
    time.tzset()
    try:
        text = _pdftotext(render_certificate(rep, server=SERVER), tmp_path, "-layout")
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    flat = " ".join(text.split())
    first = text.split("\f")[0]
    assert "loop:/tmp" not in first.split("* 1")[0]  # the serial column prints "—"
    assert "* 1 : périphérique de test /dev/loop7 (fichier /tmp/demo/DEMO-INT-256M.img)" in flat
    # 09:41 UTC in November is 10:41 in Paris, and the zone is named
    assert "2026-11-22 10:41 CET (UTC+01:00)" in flat
    assert "smart:" not in flat and "erasure:" not in flat


def test_label_small_print_names_the_image(wiped_report: dict[str, Any]) -> None:
    from deuxvie.label.render import label_text

    text = label_text(wiped_report, SERVER, "fr")
    assert text.date_station.endswith("· image 0123456")
    assert "deuxvie · image ISO live 0.1.0, commit 0123456789ab" in text.details
    rep = copy.deepcopy(wiped_report)
    rep["agent"]["image"] = None
    assert "image" not in label_text(rep, SERVER, "fr").date_station
