"""Read-side queries shared by the API, the pages and the CSV export."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from deuxvie_server import ledger
from deuxvie_server.models import Device, Donor, ErasureEntry, Lot, Report, Station


def _like(q: str) -> str:
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def devices_query(q: str | None = None) -> Select[Device]:
    stmt = select(Device)
    if q:
        pat = _like(q.strip())
        disk_match = select(ErasureEntry.device_id).where(
            func.lower(ErasureEntry.disk_serial).like(pat, escape="\\")
        )
        stmt = stmt.where(
            or_(
                func.lower(Device.vendor).like(pat, escape="\\"),
                func.lower(Device.model).like(pat, escape="\\"),
                func.lower(Device.serial).like(pat, escape="\\"),
                Device.id.in_(disk_match),
            )
        )
    return stmt.order_by(Device.id.desc())


def latest_report(session: Session, device_id: int) -> Report | None:
    return session.scalar(
        select(Report)
        .where(Report.device_id == device_id)
        .order_by(Report.received_at.desc(), Report.created_at.desc())
        .limit(1)
    )


def device_json(session: Session, device: Device, with_reports: bool = False) -> dict[str, Any]:
    last = latest_report(session, device.id)
    out: dict[str, Any] = {
        "id": device.id,
        "identity_hash": device.identity_hash,
        "vendor": device.vendor,
        "model": device.model,
        "serial": device.serial,
        "chassis_type": device.chassis_type,
        "first_seen": device.first_seen.isoformat(),
        "last_report": last.uuid if last else None,
        "verdict": last.verdict if last else None,
        "state": last.ledger_state if last else None,
    }
    if with_reports:
        rows = session.scalars(
            select(Report).where(Report.device_id == device.id).order_by(Report.received_at)
        ).all()
        out["reports"] = [report_json(r) for r in rows]
    return out


def report_json(r: Report) -> dict[str, Any]:
    return {
        "uuid": r.uuid,
        "device_id": r.device_id,
        "station_id": r.station_id,
        "created_at": r.created_at,
        "received_at": r.received_at.isoformat(),
        "operator": r.operator,
        "organisation": r.organisation,
        "donor_id": r.donor_id,
        "lot_id": r.lot_id,
        "asset_id": r.asset_id,
        "verdict": r.verdict,
        "suggestion_code": r.suggestion_code,
        "state": r.ledger_state,
    }


def station_json(s: Station) -> dict[str, Any]:
    return {
        "id": s.id,
        "key_id": s.key_id,
        "enrolled_at": s.enrolled_at.isoformat(),
        "revoked_at": s.revoked_at.isoformat() if s.revoked_at else None,
        "workshop_id": s.workshop_id,
    }


@dataclass(frozen=True)
class LedgerRow:
    received: int
    in_audit: int
    audited: int
    refurbished: int
    to_repair: int
    recycled: int

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def donor_ledger(session: Session, donor_id: str | None = None, lot_id: str | None = None
                 ) -> LedgerRow:
    """Counts DEVICES (not reports) given by a donor / in a lot, each in the state of its
    latest report for that donor/lot: a machine re-tested after repair moves from
    to_repair to refurbished instead of being counted twice."""
    stmt = select(Report.device_id, Report.ledger_state, Report.received_at, Report.created_at)
    if donor_id is not None:
        stmt = stmt.where(Report.donor_id == donor_id)
    if lot_id is not None:
        stmt = stmt.where(Report.lot_id == lot_id)
    latest: dict[int, tuple[Any, str]] = {}
    for device_id, state, received_at, created_at in session.execute(stmt):
        key = (received_at, created_at)
        if device_id not in latest or key > latest[device_id][0]:
            latest[device_id] = (key, state)
    states = [s for _, s in latest.values()]
    return LedgerRow(
        received=len(states),
        in_audit=states.count(ledger.IN_AUDIT),
        audited=sum(1 for s in states if s in ledger.DECIDED),
        refurbished=states.count(ledger.REFURBISHED),
        to_repair=states.count(ledger.TO_REPAIR),
        recycled=states.count(ledger.RECYCLED),
    )


def donors(session: Session) -> list[Donor]:
    return list(session.scalars(select(Donor).order_by(Donor.id)))


def lots(session: Session, donor_id: str | None = None) -> list[Lot]:
    stmt = select(Lot).order_by(Lot.id)
    if donor_id is not None:
        stmt = stmt.where(Lot.donor_id == donor_id)
    return list(session.scalars(stmt))


DEVICE_CSV_HEADER = [
    "device_id", "vendor", "model", "serial", "chassis_type", "identity_hash", "first_seen",
    "last_report", "verdict", "state", "donor_id", "lot_id", "asset_id",
]
ERASURE_CSV_HEADER = [
    "report_uuid", "device_id", "device_serial", "disk_serial", "disk_model", "size_bytes",
    "status", "nist_category", "technique", "verification", "bytes_written", "bytes_verified",
    "started_at", "ended_at", "station_id", "operator", "donor_id", "lot_id",
]


def device_csv_rows(session: Session) -> Iterator[list[Any]]:
    for device in session.scalars(select(Device).order_by(Device.id)):
        last = latest_report(session, device.id)
        yield [
            device.id, device.vendor, device.model, device.serial, device.chassis_type,
            device.identity_hash, device.first_seen.isoformat(),
            last.uuid if last else None, last.verdict if last else None,
            last.ledger_state if last else None, last.donor_id if last else None,
            last.lot_id if last else None, last.asset_id if last else None,
        ]


def erasure_csv_rows(session: Session) -> Iterator[list[Any]]:
    stmt = (
        select(ErasureEntry, Report, Device)
        .join(Report, ErasureEntry.report_uuid == Report.uuid)
        .join(Device, ErasureEntry.device_id == Device.id)
        .order_by(ErasureEntry.id)
    )
    for e, r, d in session.execute(stmt):
        yield [
            r.uuid, d.id, d.serial, e.disk_serial, e.disk_model, e.size_bytes, e.status,
            e.category, e.technique, e.verification, e.bytes_written, e.bytes_verified,
            e.started_at, e.ended_at, r.station_id, r.operator, r.donor_id, r.lot_id,
        ]


def lot_json(lot: Lot) -> dict[str, Any]:
    return {
        "id": lot.id,
        "donor_id": lot.donor_id,
        "workshop_id": lot.workshop_id,
        "reference": lot.reference,
        "date": lot.received_on.isoformat() if lot.received_on else None,
        "created_by": lot.created_by,
    }
