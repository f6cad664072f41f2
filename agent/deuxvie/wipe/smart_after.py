"""SMART (and the NVMe health log) read again after a disk's wipe and its verification.

The certificate's "SMART before / after" column is where a buyer sees whether the disk
suffered during the overwrite (reallocated or pending sectors grown, NVMe media errors):
a full write and read of every sector is the hardest test a disk gets in the workshop.
A disk that cannot answer (loop device, USB bridge without SAT, a disk gone) keeps
`smart_after` None and says why in `smart_after_reason`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from deuxvie.host.base import Host
from deuxvie.model.erasure import ErasureRecord, ErasureStatus
from deuxvie.model.inventory import DiskInfo
from deuxvie.model.smart import SmartFacts
from deuxvie.probes.disks import probe_smart


def _before(record: ErasureRecord, disks: Sequence[DiskInfo]) -> SmartFacts | None:
    if record.smart_before is not None:
        return record.smart_before
    for disk in disks:
        same = disk.path == record.media.path or (
            record.media.serial is not None and disk.serial == record.media.serial)
        if same and disk.smart.value is not None:
            return disk.smart.value
    return None


def with_smart_after(host: Host, record: ErasureRecord,
                     disks: Sequence[DiskInfo] = ()) -> ErasureRecord:
    """`record` with SMART before (the inventory's reading) and after (read now)."""
    before = _before(record, disks)
    if record.status is ErasureStatus.SKIPPED:
        # nothing was written: the reading before is the reading after
        return dataclasses.replace(record, smart_before=before, smart_after=None,
                                   smart_after_reason="no erasure done")
    if record.media.kind == "loop":
        return dataclasses.replace(record, smart_before=before, smart_after=None,
                                   smart_after_reason="loop device: no SMART")
    outcome = probe_smart(host, record.media.path)
    return dataclasses.replace(record, smart_before=before, smart_after=outcome.value,
                               smart_after_reason=None if outcome.value else outcome.reason)


def reread_smart(host: Host, records: Sequence[ErasureRecord],
                 disks: Sequence[DiskInfo] = ()) -> list[ErasureRecord]:
    """Every record with its SMART after; one disk's failure never loses another's."""
    out = []
    for record in records:
        try:
            out.append(with_smart_after(host, record, disks))
        except Exception as exc:  # a record without SMART beats a lost record
            out.append(dataclasses.replace(record, smart_after_reason=f"SMART re-read: {exc}"))
    return out
