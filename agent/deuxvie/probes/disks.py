"""Disks: lsblk for the block layer, `smartctl -x --json` for each disk's identity and health."""

from __future__ import annotations

from collections.abc import Iterable

from deuxvie.host import Host, HostError
from deuxvie.model.common import Outcome
from deuxvie.model.inventory import DiskInfo, DiskKind
from deuxvie.model.smart import SmartFacts
from deuxvie.parsers import ParseError
from deuxvie.parsers.lsblk import LSBLK_COLUMNS, BlockDevice, parse_lsblk
from deuxvie.parsers.smartctl import parse_smartctl
from deuxvie.probes.byid import by_id_links
from deuxvie.probes.usage import LIVE_MEDIUM_MOUNTS


def classify(dev: BlockDevice) -> DiskKind:
    tran = (dev.transport or "").lower()
    if dev.type == "loop" or dev.name.startswith("loop"):
        return DiskKind.LOOP
    if tran == "nvme" or dev.name.startswith("nvme"):
        return DiskKind.NVME
    if tran == "usb":
        return DiskKind.USB
    if tran == "mmc" or dev.name.startswith("mmcblk"):
        return DiskKind.MMC
    if dev.name.startswith(("vd", "xvd")) or "virtio" in (dev.subsystems or ""):
        return DiskKind.VIRTUAL
    if tran in ("sata", "ata", "sas", "scsi", "") and dev.rotational is not None:
        return DiskKind.HDD if dev.rotational else DiskKind.SATA_SSD
    return DiskKind.UNKNOWN


def _transport(dev: BlockDevice) -> str | None:
    """lsblk's TRAN is empty for virtio-blk; its SUBSYSTEMS chain ("block:virtio:pci")
    still names the bus."""
    if dev.transport:
        return dev.transport
    chain = (dev.subsystems or "").split(":")
    return "virtio" if "virtio" in chain else None


def _holders(dev: BlockDevice) -> tuple[str, ...]:
    """Stacked devices on the disk or its partitions: LVM, dm-crypt, md RAID, dm."""
    found: list[str] = []

    def walk(children: Iterable[BlockDevice]) -> None:
        for child in children:
            if child.type != "part":
                found.append(child.name)
            walk(child.children)

    walk(dev.children)
    return tuple(found)


def probe_smart(host: Host, path: str) -> Outcome[SmartFacts]:
    try:
        # -x: everything smartctl knows, including the self-test and error logs.
        res = host.run(["smartctl", "-x", "--json=c", path], timeout_s=90)
    except HostError as exc:
        return Outcome.failed(f"smartctl: {exc}")
    try:
        facts = parse_smartctl(res.stdout)
    except ParseError as exc:
        return Outcome.failed(str(exc))
    if facts.model is None and facts.serial is None and facts.smart_passed is None:
        # "Unable to detect device type", "Unknown USB bridge": SMART unreadable here.
        why = "; ".join(facts.messages) or f"smartctl exit {res.returncode}"
        return Outcome.failed(f"SMART unreadable: {why}")
    return Outcome.ok(facts)


def probe_disks(host: Host, *, include_loop: bool = False) -> Outcome[tuple[DiskInfo, ...]]:
    """Mounted/held/boot-medium here come from lsblk's tree, for the inventory and the
    wipe selection; the erasure engine re-checks each target with probes.usage just before
    writing (fresh, from mountinfo and sysfs holders)."""
    try:
        res = host.run(["lsblk", "-J", "-b", "-o", LSBLK_COLUMNS], timeout_s=30)
    except HostError as exc:
        return Outcome.failed(f"lsblk: {exc}")
    if res.returncode != 0:
        return Outcome.failed(f"lsblk exit {res.returncode}: {res.error_text.strip()}")
    try:
        devices = parse_lsblk(res.stdout)
    except ParseError as exc:
        return Outcome.failed(str(exc))
    by_id = by_id_links(host)
    disks: list[DiskInfo] = []
    for dev in devices:
        if dev.type not in ("disk", "loop") or dev.size_bytes == 0:
            continue
        if dev.name.startswith(("zram", "ram")):
            continue  # compressed swap in RAM, not a disk
        if dev.type == "loop" and not include_loop:
            continue
        kind = classify(dev)
        smart: Outcome[SmartFacts] = (
            Outcome.absent("loop device: no SMART") if kind is DiskKind.LOOP
            else probe_smart(host, dev.path)
        )  # fmt: skip
        facts = smart.value
        mounts = dev.all_mountpoints()
        disks.append(
            DiskInfo(
                name=dev.name,
                path=dev.path,
                by_id=by_id.get(dev.path),
                kind=kind,
                transport=_transport(dev),
                model=dev.model or (facts.model if facts else None),
                serial=dev.serial or (facts.serial if facts else None),
                wwn=dev.wwn or (facts.wwn if facts else None),
                firmware=dev.revision or (facts.firmware if facts else None),
                size_bytes=dev.size_bytes,
                logical_sector_bytes=dev.logical_sector_bytes or 512,
                physical_sector_bytes=dev.physical_sector_bytes or 512,
                rotation_rpm=(
                    facts.rotation_rpm if facts else (0 if dev.rotational is False else None)
                ),
                power_on_hours=facts.power_on_hours if facts else None,
                # Not lsblk's HOTPLUG: util-linux sets it for any disk behind a hot-pluggable
                # PCI slot (virtio-blk and NVMe in QEMU, many laptops' NVMe), which would
                # make the PC's own disk look like a stick. RM, or a USB transport, is what
                # says the medium leaves with its owner.
                removable=dev.removable or kind is DiskKind.USB,
                read_only=dev.read_only,
                mounted=mounts,
                holders=_holders(dev),
                is_boot_medium=any(m == "/" or m.startswith(LIVE_MEDIUM_MOUNTS) for m in mounts),
                smart=smart,
            )
        )
    return Outcome.ok(tuple(disks))
