"""Small builders for model objects used by the grading tests (healthy unless told)."""

from __future__ import annotations

import dataclasses
from typing import Any

from deuxvie.model.common import Outcome
from deuxvie.model.diagnostics import DiagnosticResult, TestStatus
from deuxvie.model.dmi import MemoryModule
from deuxvie.model.erasure import ErasureRecord, ErasureStatus, MediaIdentity, NistCategory
from deuxvie.model.inventory import (
    Battery,
    CpuInfo,
    DiskInfo,
    DiskKind,
    FirmwareInfo,
    Inventory,
    MemorySummary,
    SystemInfo,
)
from deuxvie.model.smart import NvmeHealth, SmartFacts

GIB = 1024**3


def smart_facts(**over: Any) -> SmartFacts:
    base = SmartFacts(
        device_type="sat", model="WDC WD10EZEX-08WN4A0", serial="WD-1", firmware="01.01A01",
        capacity_bytes=1_000_204_886_016, rotation_rpm=7200, smart_passed=True,
        power_on_hours=29037, reallocated_sectors=0, pending_sectors=0,
        offline_uncorrectable=0, reported_uncorrectable=None, command_timeout=None,
        selftest_failures=0, attributes_failing_now=(), nvme=None, scsi_grown_defects=None,
        messages=(), spin_retry_count=0, smartctl_exit_status=0,
    )
    return dataclasses.replace(base, **over)


def nvme_facts(**health: Any) -> SmartFacts:
    h = NvmeHealth(critical_warning=0, percentage_used=3, available_spare=100,
                   available_spare_threshold=10, media_errors=0)
    return smart_facts(
        device_type="nvme", model="Samsung SSD 970 EVO Plus 250GB", serial="S4EUNX0N1",
        rotation_rpm=None, reallocated_sectors=None, pending_sectors=None,
        offline_uncorrectable=None, spin_retry_count=None,
        nvme=dataclasses.replace(h, **health),
    )


def disk(serial: str = "WD-1", *, size_bytes: int = 500_107_862_016,
         smart: SmartFacts | None = None, kind: DiskKind = DiskKind.HDD, **over: Any) -> DiskInfo:
    facts = smart if smart is not None else smart_facts(serial=serial)
    base = DiskInfo(
        name="sda", path="/dev/sda", by_id=f"/dev/disk/by-id/ata-X_{serial}", kind=kind,
        transport="sata", model=facts.model, serial=serial, wwn=None, firmware="1",
        size_bytes=size_bytes, logical_sector_bytes=512, physical_sector_bytes=4096,
        rotation_rpm=7200, power_on_hours=1000, removable=False, read_only=False,
        mounted=(), holders=(), is_boot_medium=False, smart=Outcome.ok(facts),
    )
    return dataclasses.replace(base, **over)


def battery(health_pct: float | None = 92.0, cycles: int | None = 210) -> Battery:
    design = 48.0
    full = None if health_pct is None else round(design * health_pct / 100, 2)
    return Battery(name="BAT0", source="sysfs", manufacturer="SMP", model="45N1041",
                   technology="Li-ion", serial="1234", design_wh=design, full_wh=full,
                   now_wh=full, cycle_count=cycles, health_pct=health_pct)


def cpu(model: str = "Intel(R) Core(TM) i5-8350U CPU @ 1.70GHz", lm: bool = True) -> CpuInfo:
    flags = ("fpu", "lm", "sse4_2", "aes", "avx2") if lm else ("fpu", "sse2", "pae")
    return CpuInfo(vendor="GenuineIntel", model_name=model, sockets=1, cores=4, threads=8,
                   max_mhz=3600.0, flags=flags)


def memory(total_gib: float = 8, source: str = "dmidecode") -> MemorySummary:
    size = int(total_gib * GIB)
    module = MemoryModule(locator="ChannelA-DIMM0", bank_locator="BANK 0", size_bytes=size,
                          type="DDR4", form_factor="SODIMM", speed_mts=2400,
                          configured_speed_mts=2400, manufacturer="Samsung",
                          part_number="M471A1K43CB1-CTD", serial="1")
    return MemorySummary(total_bytes=size, source=source, slots=2, empty_slots=1,
                         modules=(module,))


def firmware(uefi: bool = True, secure_boot: bool | None = True,
             tpm: str | None = "2.0") -> FirmwareInfo:
    return FirmwareInfo(boot_mode="uefi" if uefi else "legacy",
                        secure_boot=secure_boot if uefi else None,
                        tpm_present=tpm is not None, tpm_version=tpm)


def inventory(*, disks: tuple[DiskInfo, ...] | None = None,
              batteries: tuple[Battery, ...] | None = None, cpu_info: CpuInfo | None = None,
              mem: MemorySummary | None = None, fw: FirmwareInfo | None = None) -> Inventory:
    system = SystemInfo(vendor="LENOVO", product="20L6S0", version="ThinkPad T480",
                        serial="PF1", uuid=None, sku=None, family="ThinkPad T480",
                        chassis_type="Notebook", asset_tag=None, bios_vendor="LENOVO",
                        bios_version="N24ET", bios_date="2021")
    return Inventory(
        system=Outcome.ok(system),
        firmware=Outcome.ok(fw or firmware()),
        cpu=Outcome.ok(cpu_info or cpu()),
        memory=Outcome.ok(mem or memory()),
        disks=Outcome.ok(disks if disks is not None else (disk(),)),
        screens=Outcome.ok(()),
        batteries=Outcome.ok(batteries if batteries is not None else (battery(),)),
        network=Outcome.ok(()),
        gpus=Outcome.ok(()),
        collected_at="2026-11-22T05:00:00+00:00",
    )


def result(name: str, target: str | None = None,
           status: TestStatus = TestStatus.PASSED, **measurements: Any) -> DiagnosticResult:
    return DiagnosticResult(name=name, target=target, status=status, measurements=measurements)


def all_passed(inv: Inventory) -> list[DiagnosticResult]:
    """Every diagnostic deuxvie runs, passed, for the disks of `inv`."""
    out = [result("ram"), result("cpu_stress")]
    for d in inv.disks.value or ():
        out += [result("selftest", d.serial), result("surface", d.serial)]
    for b in inv.batteries.value or ():
        out.append(result("battery", b.name))
    return out


def erasure(d: DiskInfo, status: ErasureStatus = ErasureStatus.ERASED) -> ErasureRecord:
    media = MediaIdentity(
        path=d.path, by_id=d.by_id, vendor=None, model=d.model, serial=d.serial, wwn=None,
        firmware=d.firmware, bus=d.transport, kind=d.kind.value, logical_sector_bytes=512,
        physical_sector_bytes=4096, apparent_size_bytes=d.size_bytes,
        native_size_bytes=d.size_bytes, hpa="none", dco="none")
    return ErasureRecord(
        media=media, status=status, category=NistCategory.CLEAR, technique="overwrite-zero",
        commands=(), pattern="zeros", passes=1, verification="full",
        verification_coverage_pct=100.0, bytes_written=d.size_bytes,
        bytes_verified=d.size_bytes, errors=(), throughput_bytes_per_s=1.5e8,
        started_at="2026-11-22T05:00:00Z", ended_at="2026-11-22T06:00:00Z",
        tool="deuxvie 0.1.0", reasons=())
