"""`deuxvie certificate` and `deuxvie label` end to end through the real CLI."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from deuxvie.cli import main
from PIL import Image
from pyzbar.pyzbar import decode
from report_sample import ASSET_ID, SERVER


@pytest.fixture
def report_file(report: dict[str, Any], tmp_path: Path) -> Path:
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report))
    return path


def test_certificate_command(report_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "cert.pdf"
    assert (
        main(
            [
                "certificate",
                "--report",
                str(report_file),
                "--out",
                str(out),
                "--lang",
                "en",
                "--server",
                SERVER,
            ]
        )
        == 0
    )
    text = subprocess.run(
        ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Erasure report — NOT CERTIFIED" in text and "Erasure FAILED" in text


def test_certificate_from_dsse_envelope(report: dict[str, Any], tmp_path: Path) -> None:
    envelope = {
        "payloadType": "application/vnd.deuxvie.report+json;version=1",
        "payload": base64.b64encode(json.dumps(report).encode()).decode(),
        "signatures": [{"keyid": "k", "sig": "AAAA"}],
    }
    path = tmp_path / "report.dsse.json"
    path.write_text(json.dumps(envelope))
    out = tmp_path / "cert.pdf"
    assert main(["certificate", "--report", str(path), "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF-")


def test_bad_report_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    out = tmp_path / "cert.pdf"
    assert main(["certificate", "--report", str(bad), "--out", str(out)]) == 2
    assert "not a JSON report" in capsys.readouterr().err
    assert not out.exists()


def test_label_command_zpl_file_and_png(report_file: Path, tmp_path: Path) -> None:
    zpl, png = tmp_path / "x.zpl", tmp_path / "x.png"
    assert (
        main(
            [
                "label",
                "--report",
                str(report_file),
                "--printer",
                f"zpl:file:{zpl}",
                "--size",
                "zebra-4x6-300",
                "--out",
                str(png),
                "--server",
                SERVER,
            ]
        )
        == 0
    )
    assert zpl.read_bytes().startswith(b"^XA")
    codes = {(d.type, d.data.decode()) for d in decode(Image.open(png).convert("L"))}
    assert ("CODE128", ASSET_ID) in codes


def test_label_command_bad_spec(report_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["label", "--report", str(report_file), "--printer", "pdf:/x"]) == 2
    assert "KIND:TARGET" in capsys.readouterr().err
