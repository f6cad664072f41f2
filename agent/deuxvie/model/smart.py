"""SMART facts of one disk, as `deuxvie parse smartctl` prints them (a stable contract).

None means "the report does not say", never "zero".
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NvmeHealth:
    critical_warning: int | None
    percentage_used: int | None
    available_spare: int | None
    available_spare_threshold: int | None
    media_errors: int | None
    unsafe_shutdowns: int | None = None
    temperature_c: int | None = None


@dataclass(frozen=True)
class SmartAttribute:
    id: int
    name: str
    value: int | None
    worst: int | None
    threshold: int | None
    raw: int | None
    raw_string: str
    when_failed: str  # "", "now", "past"


@dataclass(frozen=True)
class SelfTestEntry:
    kind: str  # "Short offline", "Extended offline", ...
    status: str  # smartctl's text
    passed: bool | None  # None while running / aborted by host
    lifetime_hours: int | None
    lba_of_first_error: int | None = None


@dataclass(frozen=True)
class SmartFacts:
    device_type: str | None  # ata, nvme, scsi, sat, usb...
    model: str | None
    serial: str | None
    firmware: str | None
    capacity_bytes: int | None
    rotation_rpm: int | None  # 0 for SSD
    smart_passed: bool | None
    power_on_hours: int | None
    reallocated_sectors: int | None  # attr 5 raw
    pending_sectors: int | None  # attr 197 raw
    offline_uncorrectable: int | None  # attr 198 raw
    reported_uncorrectable: int | None  # attr 187 raw
    command_timeout: int | None  # attr 188 raw
    selftest_failures: int | None
    attributes_failing_now: tuple[str, ...]
    nvme: NvmeHealth | None
    scsi_grown_defects: int | None
    messages: tuple[str, ...]
    # beyond the contract, useful for inventory and certificates
    wwn: str | None = None
    logical_sector_bytes: int | None = None
    physical_sector_bytes: int | None = None
    temperature_c: int | None = None
    spin_retry_count: int | None = None  # attr 10 raw
    attributes: tuple[SmartAttribute, ...] = ()
    selftests: tuple[SelfTestEntry, ...] = ()
    smartctl_exit_status: int | None = None
