"""The loose_disk report kind against the published schema and the service's compiled
check (both must judge alike), and the additive change: machine reports without `kind`
still pass."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from deuxvie import wire
from deuxvie.hotplug.report import build_loose_disk_report
from deuxvie.model.common import Outcome
from deuxvie.model.erasure import ErasureRecord, ErasureStatus, MediaIdentity, NistCategory
from deuxvie.report.build import ReportContext
from deuxvie_server import schema_check

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "report-example.json"
MEDIA = MediaIdentity(
    path="/dev/sdb", by_id="/dev/disk/by-id/usb-DEUXVIE_DOCK_DV0001-0:0", vendor="WDC",
    model="WDC WD5000LPVX", serial="WX31A0000001", wwn="0x50014ee0aaaaaaaa", firmware="01.01A01",
    bus="usb", kind="usb", logical_sector_bytes=512, physical_sector_bytes=4096,
    apparent_size_bytes=500107862016, native_size_bytes=500107862016, hpa="none", dco="none",
)
RECORD = ErasureRecord(
    media=MEDIA, status=ErasureStatus.ERASED, category=NistCategory.CLEAR,
    technique="overwrite-zero", commands=(), pattern="zero", passes=1, verification="full",
    verification_coverage_pct=100.0, bytes_written=500107862016, bytes_verified=500107862016,
    errors=(), throughput_bytes_per_s=1.2e8, started_at="2026-12-02T10:00:00Z",
    ended_at="2026-12-02T11:10:00Z", tool="deuxvie 0.1.0", reasons=(),
)
CONTEXT = ReportContext(station_id="atelier-lyon-1", key_id="a" * 64, operator="Camille",
                        organisation="Atelier", lot_id="LOT-DISQUES", asset_id="DV-2026-000042")


def _report() -> dict[str, Any]:
    return build_loose_disk_report(
        RECORD, Outcome.failed("smartctl: Unknown USB bridge"), CONTEXT,
        report_uuid="0b6f2f7e-1d7c-4c1e-9a55-0d6e3f4b2a10",
        created_at=dt.datetime(2026, 12, 2, 11, 11, tzinfo=dt.UTC))


def _both(report: Any) -> tuple[bool, bool]:
    return not wire.report_errors(report), not schema_check.report_errors(report)


def test_loose_disk_report_is_valid_and_names_the_disk() -> None:
    report = _report()
    assert _both(report) == (True, True)
    assert report["kind"] == "loose_disk"
    dev = report["device"]
    assert (dev["vendor"], dev["model"], dev["serial"]) == ("WDC", "WDC WD5000LPVX",
                                                           "WX31A0000001")
    assert dev["identity_hash"] == wire.device_identity_hash(
        "WDC", "WDC WD5000LPVX", "WX31A0000001", "loose_disk", [])
    disk = report["inventory"]["disks"]["value"][0]
    assert (disk["wwn"], disk["transport"], disk["hpa"]) == ("0x50014ee0aaaaaaaa", "usb", "none")
    assert report["inventory"]["cpu"] == {"status": "absent", "value": None,
                                          "reason": report["inventory"]["cpu"]["reason"]}
    # the same inputs give the same bytes (an idempotent resend)
    assert json.dumps(_report(), sort_keys=True) == json.dumps(report, sort_keys=True)


@pytest.mark.parametrize("mutate", [
    lambda r: r["device"]["macs"].append("52:54:00:12:34:56"),  # a host machine's identity
    lambda r: r["device"].update(chassis_type="Notebook"),
    lambda r: r.update(grade=json.loads(EXAMPLE.read_text())["grade"]),  # a valid PC grade
    lambda r: r["erasure"].append(copy.deepcopy(r["erasure"][0])),
    lambda r: r.update(erasure=[]),
    lambda r: r.update(kind="disk"),
], ids=["macs", "chassis", "grade", "two-records", "no-record", "unknown-kind"])
def test_loose_disk_constraints_refused_by_both_checks(mutate: Any) -> None:
    report = _report()
    mutate(report)
    assert _both(report) == (False, False)
    # each mutant is refused because of the loose_disk rules only: as a machine report it
    # would pass (except the unknown kind)
    if report["kind"] != "disk":
        assert _both({**report, "kind": "machine"}) == (True, True)


def test_machine_reports_with_or_without_kind_still_pass() -> None:
    example = json.loads(EXAMPLE.read_text())
    assert "kind" not in example
    assert _both(example) == (True, True)
    assert _both({**example, "kind": "machine"}) == (True, True)
