"""The inventory of one donated PC."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from deuxvie.model.common import Outcome
from deuxvie.model.dmi import MemoryModule
from deuxvie.model.edid import EdidInfo
from deuxvie.model.functions import FunctionInventory
from deuxvie.model.smart import SmartFacts


@dataclass(frozen=True)
class SystemInfo:
    vendor: str | None
    product: str | None
    version: str | None
    serial: str | None
    uuid: str | None
    sku: str | None
    family: str | None
    chassis_type: str | None
    asset_tag: str | None
    bios_vendor: str | None
    bios_version: str | None
    bios_date: str | None


@dataclass(frozen=True)
class FirmwareInfo:
    boot_mode: str  # "uefi" | "legacy"
    secure_boot: bool | None  # None: unknown (legacy boot or no efivar)
    tpm_present: bool
    tpm_version: str | None  # "2.0", "1.2"


@dataclass(frozen=True)
class CpuInfo:
    vendor: str | None
    model_name: str | None
    sockets: int | None
    cores: int | None
    threads: int | None
    max_mhz: float | None
    flags: tuple[str, ...]  # the ones that matter: lm, aes, vmx, svm, avx2, sse4_2, ...

    @property
    def is_64bit(self) -> bool | None:
        return ("lm" in self.flags) if self.flags else None


@dataclass(frozen=True)
class MemorySummary:
    total_bytes: int | None  # from dmidecode modules, else /proc/meminfo
    source: str  # "dmidecode" | "meminfo"
    slots: int | None
    empty_slots: int | None
    modules: tuple[MemoryModule, ...]


class DiskKind(enum.StrEnum):
    HDD = "hdd"
    SATA_SSD = "sata_ssd"
    NVME = "nvme"
    USB = "usb"
    MMC = "mmc"
    VIRTUAL = "virtual"
    LOOP = "loop"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class DiskInfo:
    name: str  # kernel name, for display only (sda changes between boots)
    path: str  # /dev/...
    by_id: str | None  # /dev/disk/by-id/... stable identity
    kind: DiskKind
    transport: str | None  # sata, nvme, usb, virtio, ...
    model: str | None
    serial: str | None
    wwn: str | None
    firmware: str | None
    size_bytes: int
    logical_sector_bytes: int
    physical_sector_bytes: int
    rotation_rpm: int | None
    power_on_hours: int | None
    removable: bool
    read_only: bool
    mounted: tuple[str, ...]  # mount points on the disk or its partitions
    holders: tuple[str, ...]  # dm/md/LVM holders of the disk or its partitions
    is_boot_medium: bool
    smart: Outcome[SmartFacts]

    @property
    def in_use(self) -> bool:
        return bool(self.mounted or self.holders or self.is_boot_medium)


def is_internal(disk: DiskInfo) -> bool:
    """The one rule of what belongs to the donated PC, whoever asks: the grade (which grades
    it) and the run's selection (which wipes it or records why not), so a disk is never
    graded as the machine's and left without an erasure record, or the reverse.

    The donated PC's own disk: not the boot stick, not a loop file, not USB or any disk
    the kernel marks removable (card readers showing as SCSI disks), not an empty reader.
    An eMMC is internal: the kernel marks no mmcblk removable (drivers/mmc/core/block.c), so
    a soldered eMMC and an SD card left in the slot both count as the machine's (graded, and
    wiped only under wipe.removable). UNKNOWN is internal: a disk we cannot name inside the
    PC is still the donor's (graded, refused by the selection, recorded SKIPPED)."""
    return not (
        disk.is_boot_medium
        or disk.size_bytes <= 0
        or disk.removable
        or disk.kind in (DiskKind.USB, DiskKind.LOOP)
    )


@dataclass(frozen=True)
class Screen:
    connector: str  # card0-eDP-1
    internal: bool  # eDP / LVDS / DSI: the laptop's own panel
    edid: EdidInfo | None
    edid_error: str | None = None


@dataclass(frozen=True)
class Battery:
    name: str  # BAT0
    source: str  # "sysfs" | "dmidecode"
    manufacturer: str | None
    model: str | None
    technology: str | None
    serial: str | None
    design_wh: float | None
    full_wh: float | None
    now_wh: float | None
    cycle_count: int | None
    health_pct: float | None  # full / design


@dataclass(frozen=True)
class NetworkInterface:
    name: str
    mac: str
    kind: str  # ethernet, wireless
    driver: str | None


@dataclass(frozen=True)
class Gpu:
    slot: str
    vendor: str | None
    device: str | None
    description: str


@dataclass(frozen=True)
class Inventory:
    system: Outcome[SystemInfo]
    firmware: Outcome[FirmwareInfo]
    cpu: Outcome[CpuInfo]
    memory: Outcome[MemorySummary]
    disks: Outcome[tuple[DiskInfo, ...]]
    screens: Outcome[tuple[Screen, ...]]
    batteries: Outcome[tuple[Battery, ...]]
    network: Outcome[tuple[NetworkInterface, ...]]
    gpus: Outcome[tuple[Gpu, ...]]
    collected_at: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    # Keyboards, audio, webcam, radios, USB, fans... (issue #12); a default so that older
    # reports and callers that build an Inventory by hand stay valid.
    functions: Outcome[FunctionInventory] = field(
        default_factory=lambda: Outcome.absent("functions not probed"))
