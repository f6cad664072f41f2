"""Which disks a run may wipe, and why: a pure function of the inventory and the policy.

The erasure engine refuses unsafe devices on its own (boot medium, mounted, held); this
selection is the first of the two locks and the one the operator sees: every disk of the
machine appears with the reasons it will or will not be wiped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from deuxvie import __version__
from deuxvie.i18n import reason
from deuxvie.model.common import Reason
from deuxvie.model.erasure import ErasureRecord, ErasureStatus, MediaIdentity
from deuxvie.model.inventory import DiskInfo, DiskKind, is_internal
from deuxvie.wipe.safety import wipe_refusals

# Kinds wiped by default among the machine's own disks (model.inventory.is_internal). VIRTUAL
# is the virtio disk of a virtual machine (the QEMU test PC); UNKNOWN is refused: wiping what
# we cannot name is worse than reporting it. MMC (eMMC or SD card: the kernel does not tell
# them apart) is flash wiped only under wipe.removable, like USB.
WIPED_KINDS = frozenset({DiskKind.HDD, DiskKind.SATA_SSD, DiskKind.NVME, DiskKind.VIRTUAL})
FLASH_KINDS = frozenset({DiskKind.USB, DiskKind.MMC})


@dataclass(frozen=True)
class SelectionPolicy:
    allow_removable: bool = False  # USB / SD media of the donated PC (config wipe.removable)
    # When set, ONLY these devices (path or /dev/disk/by-id path) may be wiped: the demo
    # and tests name their loop devices so that the dev machine's own disk is never a target.
    explicit_targets: frozenset[str] | None = None


@dataclass(frozen=True)
class WipeDecision:
    disk: DiskInfo
    wipe: bool
    reasons: tuple[Reason, ...]
    # An internal disk of the donated PC that is not wiped gets a SKIPPED record, so the
    # report and the grade show it (a donor disk left unerased is a FAIL, not a silence).
    donor_disk: bool = True


def human_size(size_bytes: int, lang: str = "fr") -> str:
    """Decimal units, as drive makers print them on the label: 256 Go / 256 GB."""
    units = ("o", "ko", "Mo", "Go", "To") if lang == "fr" else ("B", "kB", "MB", "GB", "TB")
    value = float(size_bytes)
    unit = units[0]
    for unit in units:
        if value < 1000 or unit == units[-1]:
            break
        value /= 1000
    text = f"{value:.0f}" if value >= 100 or unit == units[0] else f"{value:.1f}"
    if lang == "fr":
        text = text.replace(".", ",")
    return f"{text} {unit}"


def disk_label(disk: DiskInfo, lang: str = "fr") -> str:
    """How the operator recognises a disk: model, serial, size (never sdX alone: kernel
    names change between boots)."""
    model = disk.model or ("modèle inconnu" if lang == "fr" else "unknown model")
    serial = disk.serial or ("n° de série inconnu" if lang == "fr" else "unknown serial")
    return f"{model} ({serial}) {human_size(disk.size_bytes, lang)} [{disk.name}]"


def _matches(disk: DiskInfo, targets: frozenset[str]) -> bool:
    return disk.path in targets or (disk.by_id is not None and disk.by_id in targets)


def _removable(disk: DiskInfo) -> bool:
    return disk.kind in FLASH_KINDS or disk.removable


def _kind_refusals(disk: DiskInfo, policy: SelectionPolicy) -> list[Reason]:
    """The selection's own refusals of a disk nobody listed: loop files, removable media
    (unless the policy allows them), kinds we cannot name."""
    if disk.kind == DiskKind.LOOP:
        return [reason("wipe.loop", "périphérique loop (fichier de la station)",
                       "loop device (a file)")]
    if _removable(disk):
        if policy.allow_removable:
            return []
        return [reason("wipe.removable",
                       "support amovible (USB/SD) : non effacé selon la politique",
                       "removable medium (USB/SD): not wiped by policy")]
    if disk.kind not in WIPED_KINDS:
        return [reason("wipe.unknown_kind",
                       f"type de disque inconnu ({disk.kind}) : non effacé par prudence",
                       f"unknown disk type ({disk.kind}): not wiped to be safe")]
    return []


def _donor_disk(disk: DiskInfo, policy: SelectionPolicy, explicit: bool) -> bool:
    """Whether a disk not wiped gets a SKIPPED record: the machine's own disks (the grade's
    rule, is_internal), the listed ones, and removable media the policy wipes."""
    if disk.is_boot_medium or disk.size_bytes <= 0:
        return False  # the deuxvie stick, an empty card reader: not the donor's disks
    if policy.explicit_targets is not None:
        return explicit
    return is_internal(disk) or (policy.allow_removable and _removable(disk))


def select_wipe_targets(
    disks: Iterable[DiskInfo], policy: SelectionPolicy
) -> tuple[WipeDecision, ...]:
    decisions = []
    for disk in disks:
        refusals: list[Reason] = []
        explicit = policy.explicit_targets is not None and _matches(disk, policy.explicit_targets)
        if policy.explicit_targets is not None and not explicit:
            refusals.append(
                reason(
                    "wipe.not_listed",
                    "hors de la liste des disques à effacer",
                    "not in the list of disks to wipe",
                )
            )
        refusals += wipe_refusals(
            path=None,
            is_boot_medium=disk.is_boot_medium,
            mounted=disk.mounted,
            holders=disk.holders,
            read_only=disk.read_only,
            size_bytes=disk.size_bytes,
        )
        if not explicit:
            refusals += _kind_refusals(disk, policy)
        donor = _donor_disk(disk, policy, explicit)
        if refusals:
            decisions.append(WipeDecision(disk, False, tuple(refusals), donor_disk=donor))
        else:
            why = (
                reason("wipe.listed", "désigné pour effacement", "listed for wiping")
                if explicit
                else reason("wipe.internal", "disque interne", "internal disk")
            )
            decisions.append(WipeDecision(disk, True, (why,)))
    return tuple(decisions)


def media_identity(disk: DiskInfo) -> MediaIdentity:
    return MediaIdentity(
        path=disk.path,
        by_id=disk.by_id,
        vendor=None,
        model=disk.model,
        serial=disk.serial,
        wwn=disk.wwn,
        firmware=disk.firmware,
        bus=disk.transport,
        kind=disk.kind.value,
        logical_sector_bytes=disk.logical_sector_bytes,
        physical_sector_bytes=disk.physical_sector_bytes,
        apparent_size_bytes=disk.size_bytes,
        native_size_bytes=None,
        hpa="unknown",
        dco="unknown",
    )


def unerased_record(
    disk: DiskInfo, status: ErasureStatus, reasons: Sequence[Reason]
) -> ErasureRecord:
    """The record of a disk the run did not erase (refused, skipped, interrupted, crashed).
    It writes nothing and certifies nothing: bytes 0, coverage 0, never a certifiable
    status."""
    if status.certifiable:
        raise ValueError(f"an unerased disk cannot be {status}")
    return ErasureRecord(
        media=media_identity(disk),
        status=status,
        category=None,
        technique="none",
        commands=(),
        pattern=None,
        passes=0,
        verification="none",
        verification_coverage_pct=0.0,
        bytes_written=0,
        bytes_verified=0,
        errors=(),
        throughput_bytes_per_s=None,
        started_at=None,
        ended_at=None,
        tool=f"deuxvie {__version__}",
        reasons=tuple(reasons),
    )
