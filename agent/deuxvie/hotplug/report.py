"""The "loose_disk" report: one disk wiped at the station, no host machine around it.

Same payload v1 as a machine report (deuxvie/wire/report.schema.json), with
`"kind": "loose_disk"`: the ledger item is the disk itself, so `device` carries the disk's
vendor/model/serial, `chassis_type` is "loose_disk", no MACs, one erasure record and no
grade (grading judges a whole PC). The inventory's machine sections are `absent` with the
reason, its disks section holds this disk only. The identity hash is the same function as
a machine's over those fields, so the same disk wiped twice is one registry entry with two
reports, and never collides with a PC (whose chassis_type is never "loose_disk").
"""

from __future__ import annotations

import datetime as dt
import uuid as uuidlib
from typing import Any

from deuxvie.model.common import Outcome, jsonable
from deuxvie.model.erasure import ErasureRecord
from deuxvie.model.smart import SmartFacts
from deuxvie.report.build import ReportContext, _utc
from deuxvie.wire import SCHEMA_VERSION, device_identity_hash

KIND = "loose_disk"
NO_HOST = "disque seul à la station : pas de machine hôte / loose disk at the station: no host"
_MACHINE_SECTIONS = ("system", "firmware", "cpu", "memory", "screens", "batteries", "network",
                     "gpus")
_DISK_KINDS = {"hdd", "sata_ssd", "nvme", "usb", "mmc", "virtual", "loop", "unknown"}


def disk_entry(record: ErasureRecord, smart: Outcome[SmartFacts]) -> dict[str, Any]:
    m = record.media
    name = m.path.rsplit("/", 1)[-1]
    return {
        "name": name, "path": m.path, "by_id": m.by_id,
        "kind": m.kind if m.kind in _DISK_KINDS else "unknown",
        "transport": m.bus, "vendor": m.vendor, "model": m.model, "serial": m.serial,
        "wwn": m.wwn, "firmware": m.firmware, "size_bytes": m.apparent_size_bytes,
        "native_size_bytes": m.native_size_bytes, "hpa": m.hpa, "dco": m.dco,
        "logical_sector_bytes": m.logical_sector_bytes,
        "physical_sector_bytes": m.physical_sector_bytes,
        "is_boot_medium": False, "smart": jsonable(smart),
    }


def build_loose_disk_report(
    record: ErasureRecord,
    smart: Outcome[SmartFacts],
    context: ReportContext,
    *,
    report_uuid: str | None = None,
    created_at: dt.datetime | None = None,
) -> dict[str, Any]:
    m = record.media
    # A disk without a serial (some USB bridges hide it) is still told apart by its WWN.
    serial = m.serial or m.wwn
    absent = {"status": "absent", "value": None, "reason": NO_HOST}
    inventory: dict[str, Any] = {k: dict(absent) for k in _MACHINE_SECTIONS}
    inventory["disks"] = {"status": "ok", "value": [disk_entry(record, smart)], "reason": None}
    inventory["collected_at"] = record.started_at or _utc(created_at or dt.datetime.now(dt.UTC))
    donor = {"id": context.donor_id, "name": context.donor_name} if context.donor_id else None
    lot = {"id": context.lot_id, "name": context.lot_name} if context.lot_id else None
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": KIND,
        "uuid": report_uuid or str(uuidlib.uuid4()),
        "created_at": _utc(created_at or dt.datetime.now(dt.UTC)),
        "agent": {"version": context.agent_version, "image_hash": context.image_hash},
        "station": {"id": context.station_id, "key_id": context.key_id},
        "operator": context.operator,
        "organisation": context.organisation,
        "donor": donor,
        "lot": lot,
        "asset_id": context.asset_id,
        "device": {
            "identity_hash": device_identity_hash(m.vendor, m.model, serial, KIND, []),
            "vendor": m.vendor, "model": m.model, "serial": serial,
            "chassis_type": KIND, "macs": [],
            "disk_serials": [serial] if serial else [],
        },
        "inventory": inventory,
        "diagnostics": [],
        "erasure": [jsonable(record)],
        "grade": None,
        "evidence": None,
    }
