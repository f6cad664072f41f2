"""`deuxvie export glpi`: the replayed laptop and dev-vm bundles and a signed report, as GLPI
native inventories valid against GLPI's own schema, with the golden inventories' facts."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import pytest
from deuxvie.cli import main
from deuxvie.wire import canonical_json, generate_private_key, sign_report
from deuxvie.wire.glpi import glpi_inventory

from .glpi_check import assert_carries_inventory, glpi_schema_errors

DATA = Path(__file__).resolve().parents[1] / "data"
BUNDLES = DATA / "bundles"


def _export(tmp_path: Path, *args: str) -> dict[str, Any]:
    out = tmp_path / "glpi.json"
    assert main(["export", "glpi", *args, "--out", str(out)]) == 0
    result: dict[str, Any] = json.loads(out.read_text())
    return result


@pytest.mark.parametrize("bundle", ["laptop-t440", "dev-vm"])
def test_replayed_bundle_exports_a_valid_glpi_inventory(tmp_path: Path, bundle: str) -> None:
    doc = _export(tmp_path, "--replay", str(BUNDLES / bundle))
    golden = json.loads((BUNDLES / f"{bundle}.golden.json").read_text())

    assert glpi_schema_errors(doc) == []
    assert (doc["action"], doc["itemtype"]) == ("inventory", "Computer")
    assert doc["deviceid"].startswith("deuxvie-")
    assert_carries_inventory(doc, golden)


def test_laptop_facts_by_value(tmp_path: Path) -> None:
    content = _export(tmp_path, "--replay", str(BUNDLES / "laptop-t440"))["content"]
    assert {s["serial"] for s in content["storages"]} == {"S3YZNB0KB00864E", "BTNH93710FS91P0B"}
    # the USB boot stick is not part of the donated laptop
    assert "4C530001160708117432" not in json.dumps(content)
    assert {s["name"]: s.get("interface") for s in content["storages"]} == {
        "sda": "SATA", "nvme0n1": None,  # the schema's interface list has no NVMe
    }
    assert [m["capacity"] for m in content["memories"]] == [4096, 4096]
    assert content["bios"]["bdate"] == "2015-03-09"  # dmidecode 03/09/2015
    assert content["batteries"][0]["capacity"] == 23480  # mWh
    assert content["cpus"][0]["thread"] == 2  # threads per core, 4 threads / 2 cores


def _signed_example(tmp_path: Path) -> Path:
    report = json.loads((DATA / "report-example.json").read_text())
    envelope = sign_report(report, generate_private_key())
    path = tmp_path / f"{report['uuid']}.dsse.json"
    path.write_bytes(canonical_json(envelope))
    return path


def test_signed_report_carries_erasure_grade_and_certificate_url(tmp_path: Path) -> None:
    report_path = _signed_example(tmp_path)
    report = json.loads(base64.b64decode(json.loads(report_path.read_text())["payload"]))

    doc = _export(tmp_path, "--report", str(report_path), "--server", "https://svc.example/")

    assert glpi_schema_errors(doc) == []
    assert_carries_inventory(doc, report["inventory"])
    text = doc["content"]["hardware"]["description"]
    assert f"https://svc.example/c/{report['uuid']}" in text
    assert "APTE AVEC RÉSERVES / PASS WITH WARNINGS" in text
    assert "S2R6NX0H612345A ERASED (overwrite-zero, Clear, verification full)" in text
    assert "erasure 1/1" in text
    assert doc["content"]["bios"]["ssn"] == "PB0ABCDE"
    # one GLPI agent entry per machine: the report's device identity, not the run
    assert doc["deviceid"] == "deuxvie-" + report["device"]["identity_hash"][:16]


def test_failed_erasure_is_said(tmp_path: Path) -> None:
    report = json.loads((DATA / "report-example.json").read_text())
    report["erasure"][0]["status"] = "FAILED"
    report["grade"]["verdict"] = "FAIL"
    text = glpi_inventory(report)["content"]["hardware"]["description"]
    assert "erasure 0/1" in text and "S2R6NX0H612345A FAILED" in text and "INAPTE / FAIL" in text
    assert "certificat" not in text  # no server, no URL: nothing invented


def test_schema_is_strict_enough_to_catch_mistakes() -> None:
    # guards against a vacuous validation: the vendored schema refuses what GLPI refuses
    report = json.loads((DATA / "report-example.json").read_text())
    good = glpi_inventory(report)
    assert glpi_schema_errors(good) == []
    for path, value in [
        (("content", "hardware", "comments"), "free text"),  # no such field in hardware
        (("content", "storages", 0, "interface"), "NVMe"),  # closed list
        (("content", "memories", 0, "capacity"), "8 GB"),  # integer MiB
        (("content", "bios", "bdate"), "03/14/2019"),  # YYYY-MM-DD
        (("itemtype",), "Laptop"),
    ]:
        bad = copy.deepcopy(good)
        node: Any = bad
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
        assert glpi_schema_errors(bad), path


def test_unreadable_report_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "x.dsse.json"
    bad.write_text("{not json")
    assert main(["export", "glpi", "--report", str(bad)]) == 2
    assert "x.dsse.json" in capsys.readouterr().err
    bad.write_text('{"hello": 1}')
    assert main(["export", "glpi", "--report", str(bad)]) == 2
    assert "not a deuxvie report" in capsys.readouterr().err
