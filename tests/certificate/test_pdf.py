"""The certificate PDF, read back with poppler (pdftotext, pdftoppm) and zbar."""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from deuxvie.certificate import fonts
from deuxvie.certificate.pdf import render_certificate
from PIL import Image
from pyzbar.pyzbar import decode
from report_sample import ASSET_ID, HDD_SERIAL, NVME_SERIAL, SERVER

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils is installed by make setup"
)


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "cert.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    )
    return out.stdout


def _flat(text: str) -> str:
    """Words of the page in reading order: table cells side by side interleave in -layout."""
    return " ".join(re.sub(r"\s{2,}", "\n", text).split("\n"))


def _pages(pdf: bytes, tmp_path: Path, dpi: int = 100) -> list[Path]:
    path = tmp_path / "cert.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", str(path), str(tmp_path / "page")], check=True
    )
    return sorted(tmp_path.glob("page-*.png"))


def _section(text: str, serial: str) -> str:
    """The text of the per-disk section whose title names serial."""
    parts = re.split(r"(?=Dis(?:que|k) \d/\d)", text)
    return next(p for p in parts if re.match(r"Dis(?:que|k) \d/\d", p) and serial in p[:200])


def test_french_certificate_states_what_happened(report: dict[str, Any], tmp_path: Path) -> None:
    text = _text(render_certificate(report, server=SERVER), tmp_path)
    # Summary: not certified, why, verdict, who/where.
    assert "Rapport d'effacement — NON CERTIFIÉ" in text
    assert "EFFACEMENT NON CERTIFIÉ : 1 disque(s) sur 2" in text
    assert "Certificat d'effacement des données" not in text
    assert "FAIL — Remplacer le disque" in text
    for needle in (
        ASSET_ID,
        "atelier-lyon-1",
        "Camille Durand",
        "Mairie de Villeurbanne",
        "LOT-42",
        "PC0A1B2C",
        report["station"]["key_id"],
        report["uuid"],
    ):
        assert needle in " ".join(text.split()) or needle in _flat(text), needle
    # Per disk: Appendix G fields, the real status, error offsets, SMART before/after.
    nvme = _section(text, NVME_SERIAL)
    assert "EFFACÉ" in nvme and "Purge" in nvme and "nvme-format-ses1" in nvme
    assert "nvme format /dev/nvme0n1 --ses=1" in nvme
    assert "sample:10" in nvme and "10,0 %" in nvme  # French decimal comma
    assert "SSD NVMe" in nvme and "Réemploi dans la machine reconditionnée" in nvme
    hdd = _section(text, HDD_SERIAL)
    assert "ÉCHEC de l'effacement" in hdd
    assert "EFFACÉ" not in hdd  # the failed disk is never called erased
    assert "overwrite-zero" in hdd and "Clear" in hdd
    for offset in ("123456789504", "123456793600", "400000000000"):
        assert offset in hdd
    assert "à ré-effacer ou à détruire physiquement" in hdd
    assert re.search(r"Secteurs réalloués \(5\)\s+24\s+31", hdd)
    assert "3 secteurs n'ont pas pu être écrits" in hdd


def test_english_certificate(passing_report: dict[str, Any], tmp_path: Path) -> None:
    verification = {"valid": True, "checked_at": "2026-11-22T12:00:00Z"}
    text = _text(
        render_certificate(passing_report, verification, lang="en", server=SERVER), tmp_path
    )
    assert "Data erasure certificate" in text
    assert "ERASED: 2 of 2 disk(s)" in text
    assert "PASS with warnings — Refurbish" in text
    assert "VALID (checked by the service on 2026-11-22 12:00 UTC)" in text
    assert "Post-sanitization destination" in text and "Verification coverage" in text
    assert "EFFACÉ" not in text


def test_nothing_erased_never_says_erased(report: dict[str, Any], tmp_path: Path) -> None:
    rep = copy.deepcopy(report)
    rep["erasure"][0]["status"] = "INTERRUPTED"
    for lang, forbidden in (("fr", "EFFACÉ"), ("en", "ERASED")):
        text = _text(render_certificate(rep, lang=lang, server=SERVER), tmp_path)
        assert forbidden not in text.replace("NOT ERASED", ""), lang
        assert ("INTERROMPU" if lang == "fr" else "INTERRUPTED") in text


def test_invalid_signature_is_shouted(report: dict[str, Any], tmp_path: Path) -> None:
    pdf = render_certificate(
        report, {"valid": False, "checked_at": "2026-11-22T12:00:00Z"}, server=SERVER
    )
    assert "SIGNATURE INVALIDE" in _text(pdf, tmp_path)


def test_pages_render_and_qr_opens_the_certificate(report: dict[str, Any], tmp_path: Path) -> None:
    pages = _pages(render_certificate(report, server=SERVER), tmp_path, dpi=150)
    assert len(pages) >= 3  # summary + one section (new page) per disk
    first = Image.open(pages[0])
    assert first.size == (1241, 1754)  # A4 at 150 dpi
    codes = {(d.type, d.data.decode()) for d in decode(first)}
    assert ("QRCODE", f"{SERVER}/c/{report['uuid']}") in codes


def test_many_errors_are_capped(report: dict[str, Any], tmp_path: Path) -> None:
    rep = copy.deepcopy(report)
    rep["erasure"][1]["errors"] = [
        {"offset_bytes": 4096 * i, "length_bytes": 4096, "phase": "write", "message": "EIO"}
        for i in range(500)
    ]
    text = _text(render_certificate(rep, server=SERVER), tmp_path)
    assert "Erreurs d'E/S (500)" in text
    assert "et 460 autres erreurs" in text


def test_missing_font_fails_clearly(
    report: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fonts, "FONT_DIR", tmp_path / "nofonts")
    with pytest.raises(fonts.FontMissing, match="fonts-dejavu-core"):
        render_certificate(report, server=SERVER)


def test_bad_language_is_refused(report: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="language"):
        render_certificate(report, lang="de", server=SERVER)


def test_errors_total_beyond_the_listed_offsets(report: dict[str, Any], tmp_path: Path) -> None:
    rep = copy.deepcopy(report)
    rep["erasure"][1]["errors_total"] = 1234  # the report lists 3 offsets of 1234
    text = _text(render_certificate(rep, server=SERVER), tmp_path)
    assert "Erreurs d'E/S (1234)" in text and "et 1231 autres erreurs" in text


def test_ungraded_report(report: dict[str, Any], tmp_path: Path) -> None:
    rep = copy.deepcopy(report)
    rep["grade"] = None  # allowed by the wire schema: the run stopped before grading
    assert "NON ÉVALUÉ" in _text(render_certificate(rep, server=SERVER), tmp_path)


def test_server_example_report(example_report: dict[str, Any], tmp_path: Path) -> None:
    """The server helper's schema example (tests/data/report-example.json) renders too."""
    text = _text(render_certificate(example_report, server=SERVER), tmp_path)
    for record in example_report["erasure"]:
        assert record["media"]["serial"] in text
    assert "PASS avec réserves" in text


def test_functions_table(example_report: dict[str, Any], tmp_path: Path) -> None:
    """Every function the report carries is listed with its status and why (issue #12)."""
    fr = _text(render_certificate(example_report, server=SERVER), tmp_path)
    assert "Fonctions du PC testées" in fr
    assert re.search(r"Webcam\s+EN PANNE\s+automatique — La webcam ne renvoie que des images", fr)
    assert re.search(r"Clavier\s+non testé\s+inventaire", fr)
    assert re.search(r"Ports USB\s+OK\s+automatique", fr)
    en = _text(render_certificate(example_report, lang="en", server=SERVER), tmp_path)
    assert "PC functions tested" in en and re.search(r"Webcam\s+FAILED\s+automatic", en)
    bare = copy.deepcopy(example_report)
    bare["functions"] = []  # a v1 report: no section at all rather than an empty table
    assert "Fonctions du PC" not in _text(render_certificate(bare, server=SERVER), tmp_path)
