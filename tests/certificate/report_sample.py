"""A realistic report payload for certificate and label tests (module name unique so
other areas' conftest modules cannot shadow it).

Built from the model types and serialized with jsonable(), as the agent does, so it follows
docs/report-format.md: a ThinkPad with an NVMe purged by Format SES=1 (ERASED) and a SATA
HDD whose overwrite hit write errors (FAILED, offsets listed); grade FAIL, "replace disk".
The fixtures `report`, `passing_report` (the HDD replaced: both disks ERASED) and
`example_report` (tests/data/report-example.json) are defined here and imported by the
conftest of tests/certificate and of tests/label.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from deuxvie.model.common import Outcome, Reason, jsonable
from deuxvie.model.diagnostics import DiagnosticResult, TestStatus
from deuxvie.model.erasure import (
    ErasureRecord,
    ErasureStatus,
    IoErrorRecord,
    MediaIdentity,
    NistCategory,
)
from deuxvie.model.grade import ComponentGrade, Grade, Verdict
from deuxvie.model.inventory import DiskInfo, DiskKind, Inventory, SystemInfo
from deuxvie.model.smart import NvmeHealth, SmartFacts

REPO = Path(__file__).resolve().parents[2]
ASSET_ID = "DV-2026-000123"
REPORT_UUID = "8c0f3e2a-5b7d-4c1e-9a6f-2d4b8e1f0c37"
SERVER = "https://deuxvie.example.org"
NVME_SERIAL = "S4DXNF0M812345"
HDD_SERIAL = "WD-WX61A98H7654"
NVME_BYTES = 256_060_514_304
HDD_BYTES = 500_107_862_016


def _smart_nvme(hours: int, used_pct: int) -> SmartFacts:
    return SmartFacts(
        device_type="nvme",
        model="SAMSUNG MZVLB256HBHQ-000L7",
        serial=NVME_SERIAL,
        firmware="4L2QEXA7",
        capacity_bytes=NVME_BYTES,
        rotation_rpm=0,
        smart_passed=True,
        power_on_hours=hours,
        reallocated_sectors=None,
        pending_sectors=None,
        offline_uncorrectable=None,
        reported_uncorrectable=None,
        command_timeout=None,
        selftest_failures=0,
        attributes_failing_now=(),
        nvme=NvmeHealth(
            critical_warning=0,
            percentage_used=used_pct,
            available_spare=100,
            available_spare_threshold=10,
            media_errors=0,
            unsafe_shutdowns=41,
            temperature_c=38,
        ),
        scsi_grown_defects=None,
        messages=(),
        temperature_c=38,
    )


def _smart_hdd(hours: int, realloc: int, pending: int) -> SmartFacts:
    return SmartFacts(
        device_type="sat",
        model="WDC WD5000LPCX-24VHAT0",
        serial=HDD_SERIAL,
        firmware="01.01A01",
        capacity_bytes=HDD_BYTES,
        rotation_rpm=5400,
        smart_passed=True,
        power_on_hours=hours,
        reallocated_sectors=realloc,
        pending_sectors=pending,
        offline_uncorrectable=pending,
        reported_uncorrectable=None,
        command_timeout=0,
        selftest_failures=1,
        attributes_failing_now=(),
        nvme=None,
        scsi_grown_defects=None,
        messages=(),
        temperature_c=33,
    )


def _media(kind: str, path: str, serial: str, model: str, size: int, bus: str) -> MediaIdentity:
    return MediaIdentity(
        path=path,
        by_id=f"/dev/disk/by-id/{bus}-{model.replace(' ', '_')}_{serial}",
        vendor="Samsung" if "SAMSUNG" in model else "Western Digital",
        model=model,
        serial=serial,
        wwn="eui.002538b881b0c0de" if kind == "nvme" else "0x50014ee2b7c0ffee",
        firmware="4L2QEXA7" if kind == "nvme" else "01.01A01",
        bus=bus,
        kind=kind,
        logical_sector_bytes=512,
        physical_sector_bytes=512 if kind == "nvme" else 4096,
        apparent_size_bytes=size,
        native_size_bytes=size,
        hpa="none" if kind == "hdd" else None,
        dco="none" if kind == "hdd" else None,
    )


def _disk_info(kind: DiskKind, name: str, smart: SmartFacts, size: int) -> DiskInfo:
    return DiskInfo(
        name=name,
        path=f"/dev/{name}",
        by_id=None,
        kind=kind,
        transport="nvme" if kind == DiskKind.NVME else "sata",
        model=smart.model,
        serial=smart.serial,
        wwn=None,
        firmware=smart.firmware,
        size_bytes=size,
        logical_sector_bytes=512,
        physical_sector_bytes=512,
        rotation_rpm=smart.rotation_rpm,
        power_on_hours=smart.power_on_hours,
        removable=False,
        read_only=False,
        mounted=(),
        holders=(),
        is_boot_medium=False,
        smart=Outcome.ok(smart),
    )


def build_report() -> dict[str, Any]:
    nvme_record = ErasureRecord(
        media=_media(
            "nvme", "/dev/nvme0n1", NVME_SERIAL, "SAMSUNG MZVLB256HBHQ-000L7", NVME_BYTES, "nvme"
        ),
        status=ErasureStatus.ERASED,
        category=NistCategory.PURGE,
        technique="nvme-format-ses1",
        commands=(("nvme", "format", "/dev/nvme0n1", "--ses=1", "--namespace-id=1", "--force"),),
        pattern=None,
        passes=1,
        verification="sample:10",
        verification_coverage_pct=10.0,
        bytes_written=0,
        bytes_verified=NVME_BYTES // 10,
        errors=(),
        throughput_bytes_per_s=None,
        started_at="2026-11-22T09:58:02Z",
        ended_at="2026-11-22T09:58:41Z",
        tool="deuxvie 0.1.0 (nvme-cli 2.4)",
        reasons=(),
        smart_before=_smart_nvme(5120, 7),
        smart_after=_smart_nvme(5120, 7),
    )
    hdd_record = ErasureRecord(
        media=_media("hdd", "/dev/sda", HDD_SERIAL, "WDC WD5000LPCX-24VHAT0", HDD_BYTES, "ata"),
        status=ErasureStatus.FAILED,
        category=NistCategory.CLEAR,
        technique="overwrite-zero",
        commands=(),
        pattern="zeros",
        passes=1,
        verification="full",
        verification_coverage_pct=99.2,
        bytes_written=HDD_BYTES - 3 * 4096,
        bytes_verified=496_107_862_016,
        errors=(
            IoErrorRecord(123_456_789_504, 4096, "write", "Input/output error (EIO)"),
            IoErrorRecord(123_456_793_600, 4096, "write", "Input/output error (EIO)"),
            IoErrorRecord(400_000_000_000, 4096, "write", "Input/output error (EIO)"),
        ),
        throughput_bytes_per_s=98_300_000.0,
        started_at="2026-11-22T09:58:02Z",
        ended_at="2026-11-22T11:23:40Z",
        tool="deuxvie 0.1.0",
        reasons=(
            Reason(
                "erasure.write_errors",
                "3 secteurs n'ont pas pu être écrits",
                "3 sectors could not be written",
            ),
        ),
        smart_before=_smart_hdd(18250, 24, 8),
        smart_after=_smart_hdd(18252, 31, 3),
    )
    inventory = Inventory(
        system=Outcome.ok(
            SystemInfo(
                vendor="LENOVO",
                product="20B7S2EX00",
                version="ThinkPad T450",
                serial="PC0A1B2C",
                uuid="4c4c4544-0042-3510-8052-b4c04f4d3332",
                sku="LENOVO_MT_20B7",
                family="ThinkPad T450",
                chassis_type="Notebook",
                asset_tag="No Asset Information",
                bios_vendor="LENOVO",
                bios_version="JBET73WW (1.37 )",
                bios_date="03/29/2019",
            )
        ),
        firmware=Outcome.failed("not needed here"),
        cpu=Outcome.failed("not needed here"),
        memory=Outcome.failed("not needed here"),
        disks=Outcome.ok(
            (
                _disk_info(DiskKind.NVME, "nvme0n1", _smart_nvme(5120, 7), NVME_BYTES),
                _disk_info(DiskKind.HDD, "sda", _smart_hdd(18250, 24, 8), HDD_BYTES),
            )
        ),
        screens=Outcome.absent("not needed here"),
        batteries=Outcome.absent("not needed here"),
        network=Outcome.absent("not needed here"),
        gpus=Outcome.absent("not needed here"),
        collected_at="2026-11-22T09:41:10Z",
    )
    disk_fail = Reason(
        "disk.reallocated",
        f"Disque {HDD_SERIAL} : 24 secteurs réalloués (> 16)",
        f"Disk {HDD_SERIAL}: 24 reallocated sectors (> 16)",
    )
    wipe_fail = Reason(
        "disk.wipe_failed",
        f"Disque {HDD_SERIAL} : effacement en échec",
        f"Disk {HDD_SERIAL}: erasure failed",
    )
    grade = Grade(
        verdict=Verdict.FAIL,
        suggestion=Reason("replace_disk", "Remplacer le disque", "Replace the disk"),
        reasons=(disk_fail, wipe_fail),
        components=(
            ComponentGrade(f"disk:{NVME_SERIAL}", "pass", ()),
            ComponentGrade(f"disk:{HDD_SERIAL}", "fail", (disk_fail, wipe_fail)),
        ),
        untested=(),
        windows11_ready=False,
        windows11_reasons=(
            Reason("win11.cpu", "Processeur non pris en charge", "CPU not supported"),
        ),
        policy_name="default-2026",
    )
    diagnostics = (
        DiagnosticResult("smart", NVME_SERIAL, TestStatus.PASSED),
        DiagnosticResult("smart", HDD_SERIAL, TestStatus.FAILED, reasons=(disk_fail,)),
    )
    return {
        "schema_version": 1,
        "uuid": REPORT_UUID,
        "created_at": "2026-11-22T11:24:05Z",
        "agent": {"version": "0.1.0", "image_hash": "sha256:" + "ab" * 32},
        "station": {"id": "atelier-lyon-1", "key_id": "3f9a" + "c0de" * 15},
        "operator": "Camille Durand",
        "organisation": "Atelier Numérique Solidaire (Lyon)",
        "donor": {"id": "D-2026-014", "name": "Mairie de Villeurbanne"},
        "lot": {"id": "LOT-42"},
        "asset_id": ASSET_ID,
        "device": {
            "identity_hash": "9e" * 32,
            "vendor": "LENOVO",
            "model": "ThinkPad T450",
            "serial": "PC0A1B2C",
            "chassis_type": "Notebook",
            "macs": ["54:ee:75:12:34:56"],
            "disk_serials": [NVME_SERIAL, HDD_SERIAL],
        },
        "inventory": jsonable(inventory),
        "diagnostics": jsonable(diagnostics),
        "erasure": jsonable((nvme_record, hdd_record)),
        "grade": jsonable(grade),
        "evidence": {"encoding": "tar+gzip+base64", "data": ""},
    }


@pytest.fixture
def report() -> dict[str, Any]:
    return build_report()


@pytest.fixture
def passing_report() -> dict[str, Any]:
    """Same machine after the HDD was replaced: both disks ERASED, grade PASS with warnings."""
    rep = copy.deepcopy(build_report())
    hdd = rep["erasure"][1]
    hdd.update(
        status="ERASED",
        bytes_written=HDD_BYTES,
        bytes_verified=HDD_BYTES,
        verification_coverage_pct=100.0,
        errors=[],
        reasons=[],
    )
    rep["grade"].update(
        verdict="PASS_WITH_WARNINGS",
        suggestion={"code": "refurbish", "fr": "Reconditionner", "en": "Refurbish"},
        reasons=[
            {
                "code": "battery.worn",
                "fr": "Batterie à 72 % de sa capacité d'origine",
                "en": "Battery at 72 % of design capacity",
            }
        ],
    )
    return rep


@pytest.fixture
def example_report() -> dict[str, Any]:
    path = REPO / "tests" / "data" / "report-example.json"
    if not path.is_file():
        pytest.skip("tests/data/report-example.json has not landed yet")
    data: dict[str, Any] = json.loads(path.read_text())
    return data
