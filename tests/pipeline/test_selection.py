"""Which disks a run may wipe: the pure selection, one rule per test."""

from __future__ import annotations

import pytest
from deuxvie.grading.grade import grade, internal_disks
from deuxvie.grading.policy import default_policy
from deuxvie.model.erasure import ErasureStatus
from deuxvie.model.inventory import DiskKind
from deuxvie.pipeline.selection import (
    SelectionPolicy,
    disk_label,
    human_size,
    select_wipe_targets,
    unerased_record,
)
from pipeline_fakes import disk, inventory


def codes(decision) -> set[str]:  # type: ignore[no-untyped-def]
    return {r.code for r in decision.reasons}


def test_internal_disks_are_selected_boot_stick_never() -> None:
    nvme = disk("nvme0n1")
    sata = disk("sda", kind=DiskKind.HDD, transport="sata")
    virt = disk("vda", kind=DiskKind.VIRTUAL, transport="virtio")
    stick = disk("sdb", kind=DiskKind.USB, transport="usb", is_boot_medium=True, removable=True)
    d = select_wipe_targets([nvme, sata, virt, stick], SelectionPolicy())
    assert [x.wipe for x in d] == [True, True, True, False]
    assert codes(d[0]) == {"wipe.internal"}
    assert "wipe.boot_medium" in codes(d[3])
    assert d[3].donor_disk is False  # the stick is not the donor's: no erasure record


def test_boot_medium_refused_even_when_removable_allowed_or_listed() -> None:
    stick = disk("sdb", kind=DiskKind.USB, is_boot_medium=True, removable=True)
    for policy in (
        SelectionPolicy(allow_removable=True),
        SelectionPolicy(explicit_targets=frozenset({"/dev/sdb"})),
    ):
        (d,) = select_wipe_targets([stick], policy)
        assert not d.wipe
        assert "wipe.boot_medium" in codes(d)


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"mounted": ("/mnt/windows",)}, "wipe.mounted"),
        ({"holders": ("dm-0",)}, "wipe.held"),
        ({"read_only": True}, "wipe.read_only"),
        ({"kind": DiskKind.UNKNOWN}, "wipe.unknown_kind"),
    ],
)
def test_internal_disk_in_use_is_refused_and_still_a_donor_disk(kw: dict, code: str) -> None:
    (d,) = select_wipe_targets([disk("sda", **{"kind": DiskKind.HDD, **kw})], SelectionPolicy())
    assert not d.wipe
    assert code in codes(d)
    # a donor's disk left unerased must show up in the report as SKIPPED
    assert d.donor_disk is True


def test_mounted_disk_refused_even_when_explicitly_listed() -> None:
    loop = disk("loop7", kind=DiskKind.LOOP, mounted=("/srv",))
    (d,) = select_wipe_targets([loop], SelectionPolicy(explicit_targets=frozenset({"/dev/loop7"})))
    assert not d.wipe
    assert "wipe.mounted" in codes(d)


def test_removable_media_only_when_policy_allows() -> None:
    usb = disk("sdc", kind=DiskKind.USB, removable=True)
    sd = disk("mmcblk0", kind=DiskKind.MMC)
    (a, b) = select_wipe_targets([usb, sd], SelectionPolicy())
    assert not a.wipe and not b.wipe
    assert "wipe.removable" in codes(a) and "wipe.removable" in codes(b)
    (a, b) = select_wipe_targets([usb, sd], SelectionPolicy(allow_removable=True))
    assert a.wipe and b.wipe


def test_removable_flag_alone_means_removable() -> None:
    # some card readers show as plain SCSI disks with removable=1 in sysfs
    (d,) = select_wipe_targets([disk("sdd", kind=DiskKind.HDD, removable=True)], SelectionPolicy())
    assert not d.wipe


def test_loop_devices_never_unless_listed() -> None:
    loop = disk("loop0", kind=DiskKind.LOOP)
    (d,) = select_wipe_targets([loop], SelectionPolicy())
    assert not d.wipe and "wipe.loop" in codes(d) and not d.donor_disk


def test_explicit_list_excludes_everything_else() -> None:
    """The demo runs on a dev machine: only the loop devices it made may be wiped."""
    host_disk = disk("vda", kind=DiskKind.VIRTUAL)
    loop0 = disk("loop0", kind=DiskKind.LOOP, by_id=None)
    loop1 = disk("loop1", kind=DiskKind.LOOP, by_id=None)
    policy = SelectionPolicy(explicit_targets=frozenset({"/dev/loop0", "/dev/loop1"}))
    d = select_wipe_targets([host_disk, loop0, loop1], policy)
    assert [x.wipe for x in d] == [False, True, True]
    assert "wipe.not_listed" in codes(d[0])
    assert d[0].donor_disk is False
    assert codes(d[1]) == {"wipe.listed"}


def test_explicit_list_matches_by_id() -> None:
    nvme = disk("nvme0n1")
    assert nvme.by_id is not None
    (d,) = select_wipe_targets([nvme], SelectionPolicy(explicit_targets=frozenset({nvme.by_id})))
    assert d.wipe


def test_empty_card_reader_is_not_a_disk() -> None:
    (d,) = select_wipe_targets([disk("sde", kind=DiskKind.HDD, size_bytes=0)], SelectionPolicy())
    assert not d.wipe and "wipe.empty" in codes(d) and not d.donor_disk


def test_labels_and_sizes() -> None:
    assert human_size(256_060_514_304) == "256 Go"
    assert human_size(256_060_514_304, "en") == "256 GB"
    assert human_size(134_217_728) == "134 Mo"
    assert human_size(1_500_000_000_000) == "1,5 To"
    label = disk_label(disk("nvme0n1"))
    assert label == "Samsung SSD 970 EVO (S4EVNVME0N1) 256 Go [nvme0n1]"
    assert "modèle inconnu" in disk_label(disk("sda", model=None))
    assert "unknown serial" in disk_label(disk("sda", serial=None), "en")


def test_unerased_record_can_never_be_certifiable() -> None:
    rec = unerased_record(disk(), ErasureStatus.SKIPPED, ())
    assert rec.bytes_written == 0 and rec.verification_coverage_pct == 0.0
    assert not rec.status.certifiable
    with pytest.raises(ValueError):
        unerased_record(disk(), ErasureStatus.ERASED, ())


# One disk per transport the probes name (probes/disks.py classify), plus the kernel's
# removable flag and an empty card reader: the grade's "internal disk" and the selection's
# "donor disk" are the one rule (model.inventory.is_internal).
EVERY_TRANSPORT = {
    "nvme": disk("nvme0n1"),
    "sata_hdd": disk("sda", kind=DiskKind.HDD, transport="sata"),
    "sata_ssd": disk("sdb", kind=DiskKind.SATA_SSD, transport="sata"),
    "virtio": disk("vda", kind=DiskKind.VIRTUAL, transport="virtio"),
    "usb": disk("sdc", kind=DiskKind.USB, transport="usb", removable=True),
    "emmc": disk("mmcblk0", kind=DiskKind.MMC, transport="mmc"),
    "unknown": disk("sdx", kind=DiskKind.UNKNOWN, transport=None),
    "loop": disk("loop0", kind=DiskKind.LOOP, transport=None, by_id=None),
    "removable_flag": disk("sdd", kind=DiskKind.HDD, transport="sata", removable=True),
    "empty_reader": disk("sde", kind=DiskKind.HDD, transport="usb", size_bytes=0),
    "boot_stick": disk("sdf", kind=DiskKind.USB, transport="usb", removable=True,
                       is_boot_medium=True),
}
INTERNAL = {"nvme", "sata_hdd", "sata_ssd", "virtio", "emmc", "unknown"}


def test_grade_and_selection_agree_on_every_transport() -> None:
    disks = tuple(EVERY_TRANSPORT.values())
    graded = {d.path for d in internal_disks(inventory(disks))}
    decisions = select_wipe_targets(disks, SelectionPolicy())
    assert {d.disk.path for d in decisions if d.donor_disk} == graded
    assert graded == {EVERY_TRANSPORT[k].path for k in INTERNAL}
    # wiped by default: the named internal kinds; eMMC (flash, like SD) only under
    # wipe.removable, UNKNOWN never: both still get a SKIPPED record the grade reads.
    wiped = {d.disk.path for d in decisions if d.wipe}
    assert wiped == {EVERY_TRANSPORT[k].path for k in ("nvme", "sata_hdd", "sata_ssd", "virtio")}
    why = {d.disk.path: codes(d) for d in decisions}
    assert "wipe.removable" in why["/dev/mmcblk0"] and "wipe.unknown_kind" in why["/dev/sdx"]


def test_unerased_internal_disk_fails_the_grade() -> None:
    """What the agreement buys: an eMMC the policy did not wipe is SKIPPED in the records and
    the grade says so (before, the selection dropped it and the grade found no record)."""
    emmc = EVERY_TRANSPORT["emmc"]
    (d,) = select_wipe_targets([emmc], SelectionPolicy())
    records = [unerased_record(emmc, ErasureStatus.SKIPPED, d.reasons)] if d.donor_disk else []
    g = grade(inventory((emmc,)), (), records, default_policy())
    assert "erasure.skipped" in {r.code for c in g.components for r in c.reasons}
