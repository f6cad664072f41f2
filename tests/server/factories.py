"""A realistic, schema-valid report built from the agent's own model types.

Modelled on a ThinkPad T440 (Notebook_20B7S2GS0W in ../shared/corpus/dmidecode) with one
SATA SSD wiped by overwrite + full verification, and the deuxvie USB stick as boot medium.
tests/data/report-example.json is example_report() written out (tests/report/test_report_build.py).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from deuxvie.model.common import Outcome, Reason
from deuxvie.model.diagnostics import DiagnosticResult, TestStatus
from deuxvie.model.dmi import MemoryModule
from deuxvie.model.erasure import ErasureRecord, ErasureStatus, MediaIdentity, NistCategory
from deuxvie.model.functions import CheckMethod, FunctionResult, FunctionStatus
from deuxvie.model.grade import ComponentGrade, Grade, Verdict
from deuxvie.model.inventory import (
    Battery,
    CpuInfo,
    DiskInfo,
    DiskKind,
    FirmwareInfo,
    Inventory,
    MemorySummary,
    NetworkInterface,
    SystemInfo,
)
from deuxvie.model.smart import SmartFacts
from deuxvie.report.build import ReportContext, build_report
from deuxvie.wire import key_id

EXAMPLE_UUID = "3f1c2b8e-6d1a-4c5e-9b7a-2e4d8f0a1b2c"
EXAMPLE_TIME = dt.datetime(2026, 11, 22, 10, 0, 0, tzinfo=dt.UTC)
# A fixed, published test key (never used outside tests): 32 bytes of 0x01.
EXAMPLE_KEY = Ed25519PrivateKey.from_private_bytes(bytes([1]) * 32)


def smart_facts(serial: str) -> SmartFacts:
    return SmartFacts(
        device_type="sat",
        model="Samsung SSD 850 EVO 250GB",
        serial=serial,
        firmware="EMT02B6Q",
        capacity_bytes=250_059_350_016,
        rotation_rpm=0,
        smart_passed=True,
        power_on_hours=12_873,
        reallocated_sectors=0,
        pending_sectors=None,
        offline_uncorrectable=None,
        reported_uncorrectable=0,
        command_timeout=None,
        selftest_failures=0,
        attributes_failing_now=(),
        nvme=None,
        scsi_grown_defects=None,
        messages=(),
        logical_sector_bytes=512,
        physical_sector_bytes=512,
        temperature_c=31,
    )


def disk(serial: str, *, boot: bool = False) -> DiskInfo:
    if boot:
        return DiskInfo(
            name="sdb", path="/dev/sdb", by_id="/dev/disk/by-id/usb-SanDisk_Cruzer_Blade",
            kind=DiskKind.USB, transport="usb", model="Cruzer Blade", serial=serial,
            wwn=None, firmware="1.00", size_bytes=15_631_122_432, logical_sector_bytes=512,
            physical_sector_bytes=512, rotation_rpm=None, power_on_hours=None, removable=True,
            read_only=False, mounted=("/run/live/medium",), holders=(), is_boot_medium=True,
            smart=Outcome.absent("USB bridge does not pass SMART"),
        )
    return DiskInfo(
        name="sda", path="/dev/sda",
        by_id=f"/dev/disk/by-id/ata-Samsung_SSD_850_EVO_250GB_{serial}",
        kind=DiskKind.SATA_SSD, transport="sata", model="Samsung SSD 850 EVO 250GB",
        serial=serial, wwn="0x5002538d4042cbd1", firmware="EMT02B6Q",
        size_bytes=250_059_350_016, logical_sector_bytes=512, physical_sector_bytes=512,
        rotation_rpm=0, power_on_hours=12_873, removable=False, read_only=False, mounted=(),
        holders=(), is_boot_medium=False, smart=Outcome.ok(smart_facts(serial)),
    )


def inventory(disk_serial: str = "S2R6NX0H612345A", system_serial: str = "PB0ABCDE",
              mac: str = "28:d2:44:1a:2b:3c") -> Inventory:
    return Inventory(
        system=Outcome.ok(SystemInfo(
            vendor="LENOVO", product="20B7S2GS0W", version="ThinkPad T440", serial=system_serial,
            uuid="4c4c4544-0042-3510-8057-b4c04f4b4d32", sku="LENOVO_MT_20B7", family="ThinkPad",
            chassis_type="Notebook", asset_tag=None, bios_vendor="LENOVO",
            bios_version="GJET98WW (2.48 )", bios_date="03/14/2019",
        )),
        firmware=Outcome.ok(FirmwareInfo(boot_mode="uefi", secure_boot=False, tpm_present=True,
                                         tpm_version="1.2")),
        cpu=Outcome.ok(CpuInfo(vendor="GenuineIntel",
                               model_name="Intel(R) Core(TM) i5-4300U CPU @ 1.90GHz",
                               sockets=1, cores=2, threads=4, max_mhz=2900.0,
                               flags=("lm", "aes", "vmx", "avx2", "sse4_2"))),
        memory=Outcome.ok(MemorySummary(
            total_bytes=8 * 2**30, source="dmidecode", slots=2, empty_slots=1,
            modules=(MemoryModule(locator="ChannelA-DIMM0", bank_locator="BANK 0",
                                  size_bytes=8 * 2**30, type="DDR3", form_factor="SODIMM",
                                  speed_mts=1600, configured_speed_mts=1600,
                                  manufacturer="Samsung", part_number="M471B1G73DB0-YK0",
                                  serial="12345678"),),
        )),
        disks=Outcome.ok((disk(disk_serial), disk("4C530001230915117250", boot=True))),
        screens=Outcome.ok(()),
        batteries=Outcome.ok((Battery(name="BAT0", source="sysfs", manufacturer="SANYO",
                                      model="45N1127", technology="Li-ion", serial="1234",
                                      design_wh=23.2, full_wh=17.9, now_wh=15.0,
                                      cycle_count=412, health_pct=77.2),)),
        network=Outcome.ok((NetworkInterface(name="enp0s25", mac=mac, kind="ethernet",
                                             driver="e1000e"),)),
        gpus=Outcome.failed("lspci: command not found"),
        collected_at="2026-11-22T09:31:07Z",
    )


def erasure_record(serial: str = "S2R6NX0H612345A",
                   status: ErasureStatus = ErasureStatus.ERASED) -> ErasureRecord:
    size = 250_059_350_016
    return ErasureRecord(
        media=MediaIdentity(
            path="/dev/sda", by_id=f"/dev/disk/by-id/ata-Samsung_SSD_850_EVO_250GB_{serial}",
            vendor="Samsung", model="Samsung SSD 850 EVO 250GB", serial=serial,
            wwn="0x5002538d4042cbd1", firmware="EMT02B6Q", bus="sata", kind="sata_ssd",
            logical_sector_bytes=512, physical_sector_bytes=512, apparent_size_bytes=size,
            native_size_bytes=size, hpa="none", dco="none",
        ),
        status=status,
        category=NistCategory.CLEAR,
        technique="overwrite-zero",
        commands=(),
        pattern="zeros",
        passes=1,
        verification="full",
        verification_coverage_pct=100.0,
        bytes_written=size,
        bytes_verified=size,
        errors=(),
        throughput_bytes_per_s=412_000_000.0,
        started_at="2026-11-22T09:32:00Z",
        ended_at="2026-11-22T09:52:13Z",
        tool="deuxvie 0.1.0",
        reasons=(Reason("erase.verified", "Disque entièrement réécrit et relu.",
                        "Whole disk overwritten and read back."),),
        smart_before=smart_facts(serial),
        smart_after=smart_facts(serial),
        device="/dev/sda",
        errors_total=0,
        bytes_total=size,
        size_before_bytes=size,
        size_after_bytes=size,
        duration_s=1213.0,
        verification_samples=1,
    )


def diagnostics(serial: str = "S2R6NX0H612345A") -> list[DiagnosticResult]:
    return [
        DiagnosticResult(name="smart", target=serial, status=TestStatus.PASSED,
                         measurements={"power_on_hours": 12873, "reallocated_sectors": 0},
                         started_at="2026-11-22T09:31:10Z", ended_at="2026-11-22T09:31:11Z"),
        DiagnosticResult(name="battery", target="BAT0", status=TestStatus.WARNING,
                         measurements={"health_pct": 77.2},
                         reasons=(Reason("battery.worn", "Batterie usée (77 %).",
                                         "Battery worn (77%)."),)),
        DiagnosticResult(name="cpu_stress", target=None, status=TestStatus.PASSED,
                         measurements={"duration_s": 60, "max_temp_c": 81}),
    ]


SUGGESTIONS = {
    Verdict.PASS: Reason("suggest.refurbish", "À reconditionner tel quel.", "Refurbish as is."),
    Verdict.PASS_WITH_WARNINGS: Reason("suggest.replace_battery", "Remplacer la batterie.",
                                       "Replace the battery."),
    Verdict.FAIL: Reason("suggest.recycle", "À recycler.", "Recycle."),
}


def grade(verdict: Verdict = Verdict.PASS_WITH_WARNINGS,
          suggestion: Reason | None = None) -> Grade:
    return Grade(
        verdict=verdict,
        suggestion=suggestion or SUGGESTIONS[verdict],
        reasons=(Reason("battery.worn", "Batterie usée (77 %).", "Battery worn (77%)."),),
        components=(ComponentGrade("disk:S2R6NX0H612345A", "pass", ()),
                    ComponentGrade("battery:BAT0", "warn", ())),
        untested=("screen",),
        windows11_ready=False,
        windows11_reasons=(Reason("w11.cpu", "Processeur non pris en charge (4e gén.).",
                                  "CPU not supported (4th gen)."),),
        policy_name="emmaus-2026",
        manual_checks=("screen", "keyboard"),
    )


def functions() -> list[FunctionResult]:
    """Three functions of issue #12: one tested, one left to the operator, one broken."""
    return [
        FunctionResult("usb", FunctionStatus.PASSED, CheckMethod.AUTOMATIC,
                       {"buses": [{"bus": 1, "ports": 4, "devices": ["1-1: 0781:5583"]}]}),
        FunctionResult("keyboard", FunctionStatus.UNTESTED, CheckMethod.INVENTORY,
                       {"devices": [{"name": "AT Translated Set 2 keyboard", "bus": "i8042"}]},
                       (Reason("keyboard.needs_operator", "Touches à vérifier par l'opérateur",
                               "Keys checked by the operator"),)),
        FunctionResult("webcam", FunctionStatus.FAILED, CheckMethod.AUTOMATIC,
                       {"device": "/dev/video0", "frames": 5, "spreads": [0, 0, 0, 0, 0]},
                       (Reason("webcam.black", "La webcam ne renvoie que des images noires",
                               "The webcam only delivers black frames"),)),
    ]


def context(key: Ed25519PrivateKey = EXAMPLE_KEY, station_id: str = "atelier-lyon-1",
            donor_id: str | None = "D-2026-014", lot_id: str | None = "LOT-42") -> ReportContext:
    return ReportContext(
        station_id=station_id, key_id=key_id(key.public_key()), operator="Camille",
        organisation="Atelier Deuxième Vie Lyon", donor_id=donor_id,
        donor_name="Mairie de Villeurbanne" if donor_id else None, lot_id=lot_id,
        asset_id="DV-2026-000123",
    )


def make_report(
    *,
    key: Ed25519PrivateKey = EXAMPLE_KEY,
    report_uuid: str | None = None,
    created_at: dt.datetime = EXAMPLE_TIME,
    disk_serial: str = "S2R6NX0H612345A",
    system_serial: str = "PB0ABCDE",
    mac: str = "28:d2:44:1a:2b:3c",
    verdict: Verdict = Verdict.PASS_WITH_WARNINGS,
    suggestion: Reason | None = None,
    station_id: str = "atelier-lyon-1",
    donor_id: str | None = "D-2026-014",
    lot_id: str | None = "LOT-42",
    evidence_dir: Path | None = None,
) -> dict[str, Any]:
    return build_report(
        inventory=inventory(disk_serial, system_serial, mac),
        diagnostics=diagnostics(disk_serial),
        erasure=[erasure_record(disk_serial)],
        grade=grade(verdict, suggestion),
        context=context(key, station_id, donor_id, lot_id),
        evidence_dir=evidence_dir,
        report_uuid=report_uuid,
        created_at=created_at,
        functions=functions(),
    )


def example_evidence_dir(tmp: Path) -> Path:
    """A small raw bundle like RecordingHost writes (manifest + one command output)."""
    root = tmp / "bundle"
    (root / "cmd").mkdir(parents=True, exist_ok=True)
    (root / "manifest.json").write_text(
        '{"version": 1, "commands": ["smartctl --json -x /dev/sda"]}\n'
    )
    (root / "cmd" / "000-smartctl.json").write_text(
        '{"smartctl": {"version": [7, 3]}, "model_name": "Samsung SSD 850 EVO 250GB",'
        ' "serial_number": "S2R6NX0H612345A", "smart_status": {"passed": true}}\n'
    )
    return root


def example_report(tmp: Path) -> dict[str, Any]:
    return make_report(report_uuid=EXAMPLE_UUID, evidence_dir=example_evidence_dir(tmp))


def main() -> None:
    """Rewrite tests/data/report-example.json (review the diff before committing)."""
    import json
    import sys
    import tempfile

    out = Path(__file__).resolve().parents[1] / "data" / "report-example.json"
    with tempfile.TemporaryDirectory() as tmp:
        report = example_report(Path(tmp))
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
