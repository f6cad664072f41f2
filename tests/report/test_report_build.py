"""build_report: a schema-valid payload from the model types; reproducible evidence."""

from __future__ import annotations

import base64
import gzip
import io
import json
import tarfile
from pathlib import Path

import factories
import pytest
from deuxvie import wire
from deuxvie.report.build import EvidenceTooLarge, pack_evidence

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "report-example.json"


def test_example_file_is_current_and_valid(tmp_path: Path) -> None:
    """tests/data/report-example.json is shared with other areas (labels, certificates):
    it must stay what the builder produces. Regenerate with
    `.venv/bin/python tests/server/factories.py` if the model changes (see factories.main)."""
    example = json.loads(EXAMPLE.read_text())
    assert wire.report_errors(example) == []
    assert example == factories.example_report(tmp_path)


def test_device_section_and_identity(tmp_path: Path) -> None:
    report = factories.example_report(tmp_path)
    dev = report["device"]
    assert dev["vendor"] == "LENOVO" and dev["serial"] == "PB0ABCDE"
    assert dev["macs"] == ["28:d2:44:1a:2b:3c"]
    # the boot stick's serial is not the donated machine's
    assert dev["disk_serials"] == ["S2R6NX0H612345A"]
    assert dev["identity_hash"] == wire.device_identity_hash(
        "LENOVO", "20B7S2GS0W", "PB0ABCDE", "Notebook", ["28:d2:44:1a:2b:3c"])
    assert report["station"]["key_id"] == wire.key_id(factories.EXAMPLE_KEY.public_key())
    assert report["created_at"] == "2026-11-22T10:00:00Z"
    assert report["erasure"][0]["status"] == "ERASED"
    assert report["grade"]["verdict"] == "PASS_WITH_WARNINGS"


def test_evidence_roundtrip_and_reproducible(tmp_path: Path) -> None:
    root = factories.example_evidence_dir(tmp_path)
    a = pack_evidence(root)
    (root / "manifest.json").touch()  # mtime change must not change the bytes
    b = pack_evidence(root)
    assert a == b
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(base64.b64decode(a["data"])))) as tar:
        names = sorted(tar.getnames())
        body = tar.extractfile("cmd/000-smartctl.json")
        assert body is not None and b"S2R6NX0H612345A" in body.read()
    assert names == ["cmd", "cmd/000-smartctl.json", "manifest.json"]


def test_evidence_too_large_is_refused(tmp_path: Path) -> None:
    import os

    (tmp_path / "big.bin").write_bytes(os.urandom(200_000))
    with pytest.raises(EvidenceTooLarge):
        pack_evidence(tmp_path, max_bytes=100_000)
