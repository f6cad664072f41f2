"""`deuxvie export devicehub` and `deuxvie sync --devicehub URL --token T`: a workbench-script
snapshot whose raw dmidecode/smartctl re-parse, with our parsers, to the facts of the golden
inventory, and which devicehub-django's own dmidecode reader (py-dmidecode) accepts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from deuxvie.cli import main
from deuxvie.model import jsonable
from deuxvie.parsers.dmidecode import parse_dmidecode
from deuxvie.parsers.errors import ParseError
from deuxvie.parsers.smartctl import parse_smartctl
from deuxvie.report.build import pack_evidence
from deuxvie.wire import canonical_json, generate_private_key, sign_report
from dmidecode import DMIParse

from .listener import listening

DATA = Path(__file__).resolve().parents[1] / "data"
BUNDLES = DATA / "bundles"


def _export(tmp_path: Path, *args: str) -> dict[str, Any]:
    out = tmp_path / "snapshot.json"
    assert main(["export", "devicehub", *args, "--out", str(out)]) == 0
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def _ok(outcome: dict[str, Any]) -> Any:
    assert outcome["status"] == "ok", outcome
    return outcome["value"]


@pytest.mark.parametrize("bundle", ["laptop-t440", "dev-vm"])
def test_snapshot_raw_outputs_reparse_to_the_golden_facts(tmp_path: Path, bundle: str) -> None:
    snap = _export(tmp_path, "--replay", str(BUNDLES / bundle), "--operator-id", "op-7")
    golden = json.loads((BUNDLES / f"{bundle}.golden.json").read_text())

    # the keys workbench-script writes, and the values devicehub-django dispatches on
    assert set(snap) == {"timestamp", "type", "uuid", "software", "version", "operator_id",
                         "data", "erase"}
    assert (snap["type"], snap["software"], snap["operator_id"]) == (
        "Snapshot", "workbench-script", "op-7")
    assert "lshw" not in snap["data"]  # lshw would send it to the legacy parser
    assert isinstance(snap["data"]["smartctl"], str)  # JSON text, as workbench-script sends

    system = golden["system"]["value"]
    if system is None:
        # no DMI tables (the dev VM): the raw text travels as recorded and still says so
        with pytest.raises(ParseError):
            parse_dmidecode(snap["data"]["dmidecode"])
    else:
        dmi = parse_dmidecode(snap["data"]["dmidecode"])
        assert (dmi.system.manufacturer, dmi.system.product, dmi.system.serial) == (
            system["vendor"], system["product"], system["serial"])
        assert dmi.bios.version == system["bios_version"]
        memory = _ok(golden["memory"])
        assert jsonable(list(dmi.memory.modules)) == memory["modules"]

    disks = {d["serial"]: d for d in _ok(golden["disks"]) if not d["is_boot_medium"]}
    docs = json.loads(snap["data"]["smartctl"])
    reparsed = {}
    for doc in docs:
        facts = parse_smartctl(json.dumps(doc))
        reparsed[facts.serial] = jsonable(facts)
    with_smart = {s: d for s, d in disks.items() if d["smart"]["status"] == "ok"}
    assert set(reparsed) == set(with_smart)
    for serial, disk in with_smart.items():
        assert reparsed[serial] == disk["smart"]["value"], serial


def test_laptop_snapshot_specifics(tmp_path: Path) -> None:
    snap = _export(tmp_path, "--replay", str(BUNDLES / "laptop-t440"))
    serials = [d["serial_number"] for d in json.loads(snap["data"]["smartctl"])]
    assert serials == ["S3YZNB0KB00864E", "BTNH93710FS91P0B"]  # not the USB boot stick
    assert snap["data"]["dmidecode"] == (
        BUNDLES / "laptop-t440" / "cmd" / "dmidecode.out").read_text()  # byte for byte
    # devicehub-django reads dmidecode with py-dmidecode's DMIParse (normal_parse_details)
    dmi = DMIParse(snap["data"]["dmidecode"])
    assert dmi.get("BIOS")[0].get("BIOS Revision") == "2.33"
    assert dmi.manufacturer() == "LENOVO" and dmi.model() == "20B7S2GS0W"
    assert "inxi" not in snap["data"]  # not recorded in this bundle: left out, not invented


def _report_with_evidence(tmp_path: Path) -> Path:
    report = json.loads((DATA / "report-example.json").read_text())
    report["evidence"] = pack_evidence(BUNDLES / "laptop-t440")
    path = tmp_path / f"{report['uuid']}.dsse.json"
    path.write_bytes(canonical_json(sign_report(report, generate_private_key())))
    return path


def test_snapshot_from_a_signed_report_uses_its_evidence(tmp_path: Path) -> None:
    path = _report_with_evidence(tmp_path)
    snap = _export(tmp_path, "--report", str(path))
    replayed = _export(tmp_path, "--replay", str(BUNDLES / "laptop-t440"))
    report = json.loads((DATA / "report-example.json").read_text())
    assert snap["uuid"] == report["uuid"]  # Devicehub refuses a uuid twice: no duplicates
    assert snap["operator_id"] == report["operator"]
    assert snap["timestamp"] == "2026-11-22 10:00:00"
    assert snap["erase"] == report["erasure"]
    assert snap["data"]["dmidecode"] == replayed["data"]["dmidecode"]
    # the report's inventory says which disk booted; the stick stays out here too
    assert len(json.loads(snap["data"]["smartctl"])) == 2


def test_report_without_evidence_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = json.loads((DATA / "report-example.json").read_text())
    report["evidence"] = None
    path = tmp_path / "r.json"
    path.write_text(json.dumps(report))
    assert main(["export", "devicehub", "--report", str(path)]) == 2
    assert "no raw tool outputs" in capsys.readouterr().err


def test_sync_devicehub_posts_with_bearer_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _report_with_evidence(tmp_path)
    expected = _export(tmp_path, "--report", str(path))
    with listening() as hub:
        assert main(["sync", "--devicehub", hub.url, "--token", "T0K3N",
                     "--report", str(path), "--dir", str(tmp_path / "x")]) == 0
        hub.status, hub.reply = 500, b'"error: the snapshot exist"'
        assert main(["sync", "--devicehub", hub.url + "/api/v1/snapshot/", "--token", "T0K3N",
                     "--report", str(path), "--dir", str(tmp_path / "x")]) == 1
    first, second = hub.requests
    assert (first.method, first.path) == ("POST", "/api/v1/snapshot/")
    assert second.path == "/api/v1/snapshot/"
    assert first.headers["authorization"] == "Bearer T0K3N"
    assert first.headers["content-type"] == "application/json"
    assert json.loads(first.body) == expected
    assert "HTTP 500" in capsys.readouterr().err
    assert main(["sync", "--devicehub", hub.url, "--report", str(path)]) == 2  # no token
