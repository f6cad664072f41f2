"""One by-id preference for every module (inventory, wipe identity, selection, grading
match erasure records to disks by it): model/serial links before WWN/EUI ones."""

from __future__ import annotations

from deuxvie.probes.byid import rank


def _best(links: list[str]) -> str:
    return min(links, key=rank)


def test_named_links_before_numbered_ones() -> None:
    assert _best(["wwn-0x5002538e40a22954",
                  "ata-Samsung_SSD_860_EVO_500GB_S3YZNB0KB00864E"]).startswith("ata-")
    assert _best(["nvme-eui.0000000001000000e4d25c8f1a2b5001",
                  "nvme-nvme.8086-42544e48-494e54454c-00000001",
                  "nvme-INTEL_SSDPEKNW010T8_BTNH93710FS91P0B"]) == (
        "nvme-INTEL_SSDPEKNW010T8_BTNH93710FS91P0B")
    # SCSI VPD 0x83 NAA designator (a WWN) vs the serial-number link
    assert _best(["scsi-35000c500a1b2c3d4", "scsi-SATA_ST1000DM003_Z1D5ABCD"]) == (
        "scsi-SATA_ST1000DM003_Z1D5ABCD")
    assert _best(["usb-Generic_Flash_Disk_1234-0:0", "wwn-0x1234"]).startswith("usb-")


def test_choice_does_not_depend_on_listing_order() -> None:
    links = ["scsi-0QEMU_QEMU_HARDDISK_drive-scsi0", "ata-QEMU_HARDDISK_QM00001",
             "wwn-0x5000c50015ea71ac"]
    assert _best(links) == _best(list(reversed(links))) == "ata-QEMU_HARDDISK_QM00001"
