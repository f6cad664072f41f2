"""Every label size, decoded back with zbar: the QR opens the certificate, the Code128 is
the asset id. Texts say test results only."""

from __future__ import annotations

import copy
import io
from typing import Any

import pytest
from deuxvie.label.config import SIZES
from deuxvie.label.render import label_text, render_label, render_label_png
from PIL import Image
from pyzbar.pyzbar import decode
from report_sample import ASSET_ID, SERVER

MARKETING = ("comme neuf", "neuf", "like new", "as new", "garanti", "parfait", "perfect")


def _codes(image: Image.Image) -> set[tuple[str, str]]:
    return {(d.type, d.data.decode()) for d in decode(image.convert("L"))}


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_size_decodes(
    report: dict[str, Any], passing_report: dict[str, Any], size: str, lang: str
) -> None:
    spec = SIZES[size]
    for rep in (report, passing_report):
        png = render_label_png(rep, size, SERVER, lang)
        image = Image.open(io.BytesIO(png))
        assert image.size == (spec.width_px, spec.height_px)
        assert image.mode == "1"
        assert round(image.info["dpi"][0]) == spec.dpi
        assert _codes(image) == {
            ("QRCODE", f"{SERVER}/c/{rep['uuid']}"),
            ("CODE128", ASSET_ID),
        }


def test_label_text_of_a_failed_machine(report: dict[str, Any]) -> None:
    t = label_text(report, SERVER, "fr")
    assert t.grade == "FAIL" and t.failed
    assert t.reason == "Remplacer le disque"
    assert t.erasure == "EFFACEMENT NON CERTIFIÉ (1/2 disque(s))"
    assert not t.erasure_certified
    assert t.date_station == "2026-11-22 · poste atelier-lyon-1"
    assert t.url == f"{SERVER}/c/{report['uuid']}"
    assert "Disque WD-WX61A98H7654 : ÉCHEC de l'effacement" in t.details


def test_label_text_of_a_passing_machine(passing_report: dict[str, Any]) -> None:
    fr = label_text(passing_report, SERVER, "fr")
    assert fr.grade == "PASS avec réserves" and not fr.failed
    assert fr.erasure == "EFFACÉ · NIST Purge nvme-format-ses1 + NIST Clear overwrite-zero"
    en = label_text(passing_report, SERVER, "en")
    assert en.grade == "PASS with warnings"
    assert en.erasure.startswith("ERASED · ")


def test_no_marketing_words(report: dict[str, Any], passing_report: dict[str, Any]) -> None:
    for rep in (report, passing_report):
        for lang in ("fr", "en"):
            t = label_text(rep, SERVER, lang)
            words = " ".join([t.grade, t.reason, t.erasure, t.date_station, *t.details]).lower()
            for word in MARKETING:
                assert f" {word} " not in f" {words} ", word


def test_interrupted_erasure_never_printed_as_erased(passing_report: dict[str, Any]) -> None:
    rep = copy.deepcopy(passing_report)
    rep["erasure"][0]["status"] = "INTERRUPTED"
    t = label_text(rep, SERVER, "fr")
    assert not t.erasure_certified
    assert "EFFACÉ" not in t.erasure
    assert t.erasure == "EFFACEMENT NON CERTIFIÉ (1/2 disque(s))"


def test_report_without_asset_id_is_refused(report: dict[str, Any]) -> None:
    rep = copy.deepcopy(report)
    rep["asset_id"] = ""
    with pytest.raises(ValueError, match="asset_id"):
        render_label(rep, "62", SERVER)


def test_unknown_size_is_refused(report: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="unknown label size"):
        render_label(report, "A4", SERVER)


def test_long_asset_id_still_decodes(report: dict[str, Any]) -> None:
    rep = copy.deepcopy(report)
    rep["asset_id"] = "EMMAUS-CONNECT-LYON-2026-0001234"
    image = render_label(rep, "29x90", SERVER)
    assert ("CODE128", rep["asset_id"]) in _codes(image)


def test_sample_report_follows_the_wire_schema(report: dict[str, Any]) -> None:
    from deuxvie.wire.schema import validate_report

    validate_report(report)  # raises when the sample drifts from the contract


@pytest.mark.parametrize("size", ["62", "29x90"])
def test_server_example_report(example_report: dict[str, Any], size: str) -> None:
    image = render_label(example_report, size, SERVER)
    assert _codes(image) == {
        ("QRCODE", f"{SERVER}/c/{example_report['uuid']}"),
        ("CODE128", example_report["asset_id"]),
    }


def test_ungraded_report_label(report: dict[str, Any]) -> None:
    rep = copy.deepcopy(report)
    rep["grade"] = None  # the wire schema allows it: the run stopped before grading
    t = label_text(rep, SERVER, "fr")
    assert t.grade == "NON ÉVALUÉ" and not t.failed and t.reason == ""
    assert ("CODE128", ASSET_ID) in _codes(render_label(rep, "62", SERVER))


@pytest.mark.parametrize("size", sorted(SIZES))
def test_long_unbreakable_reason_stays_clear_of_the_qr(report: dict[str, Any], size: str) -> None:
    """A reason quoting a disk path (seen in the demo run) is cut, never drawn over the QR."""
    rep = copy.deepcopy(report)
    rep["grade"]["suggestion"] = {
        "code": "untested",
        "fr": "Terminer les tests manquants avant de reconditionner : cpu_stress, ram, "
        "smart:loop:/tmp/pytest/demo-out/disks/DEMO-INT-256M.img",
        "en": "Finish the missing tests",
    }
    assert _codes(render_label(rep, size, SERVER)) == {
        ("QRCODE", f"{SERVER}/c/{rep['uuid']}"),
        ("CODE128", ASSET_ID),
    }


def test_wrapped_lines_never_exceed_their_width() -> None:
    from deuxvie.label.render import _wrap
    from PIL import ImageDraw

    draw = ImageDraw.Draw(Image.new("1", (10, 10)))
    text = "Terminer les tests : smart:loop:/tmp/pytest/demo-out/disks/DEMO-INT-256M.img ram cpu"
    for width in (150, 300, 420):
        font, lines = _wrap(draw, text, "bold", width, 40, 2)
        assert 1 <= len(lines) <= 2
        assert all(draw.textlength(line, font=font) <= width for line in lines), lines
