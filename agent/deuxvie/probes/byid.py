"""The one /dev/disk/by-id link deuxvie records for a disk, whoever asks (inventory,
wipe identity, target selection, grading's match of erasure records to disks).

Preference: udev's bus/model/serial links (ata-, nvme-<model>_<serial>, scsi-, usb-,
mmc-, virtio-) before the WWN/EUI ones. Both are stable across boots, unlike sdX; the
model/serial link names the disk the way its label does, and every record already
carries the WWN in its own field. Partition links are never chosen.
"""

from __future__ import annotations

import os

from deuxvie.host.base import Host

BY_ID = "/dev/disk/by-id"
_NAMED = ("ata-", "nvme-", "scsi-", "usb-", "mmc-", "virtio-")
# scsi-2/scsi-3: EUI-64 / NAA designators of VPD page 0x83 (a WWN under another name);
# scsi-0/scsi-1/scsi-S carry vendor, model or serial text
_NUMBERED = ("wwn-", "nvme-eui.", "nvme-nvme.", "scsi-2", "scsi-3")


def rank(link: str) -> tuple[int, int, str]:
    """Sort key, best first; ties broken by name so the choice never depends on the
    order the directory lists its entries."""
    if link.startswith(_NUMBERED):
        return (1, 0, link)
    named = next((i for i, p in enumerate(_NAMED) if link.startswith(p)), len(_NAMED))
    return (0, named, link)


def by_id_links(host: Host) -> dict[str, str]:
    """Kernel device path (realpath, e.g. /dev/sda) -> its preferred by-id link."""
    if not host.exists(BY_ID):  # no udev (a minimal initramfs, a container)
        return {}
    links = host.listdir(BY_ID)
    best: dict[str, str] = {}
    for link in links:
        if "-part" in link:
            continue
        target = host.realpath(f"{BY_ID}/{link}")
        if target not in best or rank(link) < rank(os.path.basename(best[target])):
            best[target] = f"{BY_ID}/{link}"
    return best


def by_id_of(host: Host, disk_name: str) -> str | None:
    """The preferred by-id link of the whole disk `disk_name` (sda, nvme0n1), or None."""
    return by_id_links(host).get(f"/dev/{disk_name}")
