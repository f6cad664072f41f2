"""Report ingest: verify the signature, THEN parse, THEN validate, THEN store in one
transaction (DESIGN.md "Reports and trust"). Every rejection raises ApiError before any
row is written."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from deuxvie import wire
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from deuxvie_server.errors import ApiError
from deuxvie_server.ledger import ledger_state
from deuxvie_server.models import Device, Donor, ErasureEntry, Lot, Report, Station


@dataclass(frozen=True)
class IngestResult:
    uuid: str
    device_id: int
    replay: bool  # True: the same report was already stored (idempotent success)


class _KeyLookup:
    """Station keys by key id; remembers why a key was refused (unknown vs revoked)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.revoked: set[str] = set()
        self.stations: dict[str, Station] = {}

    def __call__(self, kid: str) -> Ed25519PublicKey | None:
        station = self.session.scalar(select(Station).where(Station.key_id == kid))
        if station is None:
            return None
        if station.revoked_at is not None:
            self.revoked.add(kid)
            return None
        self.stations[kid] = station
        return wire.public_key_from_b64(station.public_key_b64)


def verify_envelope(session: Session, body: bytes) -> tuple[dict[str, Any], wire.Verified, Station]:
    try:
        envelope = wire.parse_envelope(body)
    except wire.EnvelopeError as exc:
        raise ApiError(400, "malformed_json", str(exc)) from exc
    lookup = _KeyLookup(session)
    try:
        verified = wire.verify(envelope, lookup)
    except wire.PayloadTypeError as exc:
        raise ApiError(415, exc.code, str(exc)) from exc
    except wire.UnknownKeyError as exc:
        if lookup.revoked:
            raise ApiError(403, "revoked_key", "the station key was revoked") from exc
        raise ApiError(403, exc.code, str(exc)) from exc
    except wire.SignatureError as exc:
        raise ApiError(400, exc.code, str(exc)) from exc
    except wire.EnvelopeError as exc:
        raise ApiError(400, exc.code, str(exc)) from exc
    return envelope, verified, lookup.stations[verified.keyid]


def _has_nul(value: Any) -> bool:
    """PostgreSQL text columns cannot store U+0000; the wire schema allows it in strings."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _existing(session: Session, uuid: str, payload_sha256: str) -> IngestResult | None:
    old = session.get(Report, uuid)
    if old is None:
        return None
    if old.payload_sha256 != payload_sha256:
        raise ApiError(409, "uuid_conflict", f"report {uuid} exists with different content")
    return IngestResult(uuid=uuid, device_id=old.device_id, replay=True)


def _insert_once(session: Session, find: Callable[[], Any], make: Callable[[], Any]) -> Any:
    """Find a row or insert it in a SAVEPOINT: if a concurrent upload inserted the same
    donor/device first, only this statement rolls back and the row is read again."""
    row = find()
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = make()
            session.add(row)
    except IntegrityError:
        row = find()
        if row is None:
            raise
    return row


def ingest(
    read_sessions: sessionmaker[Session],
    write_sessions: sessionmaker[Session],
    body: bytes,
    write_lock: AbstractContextManager[Any] | None = None,
) -> IngestResult:
    """Three steps, the CPU-bound ones outside the write transaction (SQLite has one writer
    at a time: holding its lock while validating would serialise the validation too):
    1. read: find the station key, verify the signature (before touching the payload);
    2. no database: parse the payload, validate the schema, check it names its signer;
    3. write (BEGIN IMMEDIATE on SQLite, see db.make_engine): replay check, then store.
    `write_lock` (SQLite): threads of this process queue on it in order, instead of on
    SQLite's busy handler, which sleeps and polls (up to 100 ms a try) and made p99 latency
    of concurrent uploads seconds long."""
    with read_sessions() as session:
        envelope, verified, station = verify_envelope(session, body)
        station_id = station.id
    # Only now is the payload parsed: its bytes were signed by a trusted station.
    try:
        report = wire.decode_payload_json(verified)
    except wire.EnvelopeError as exc:
        raise ApiError(400, "malformed_payload", str(exc)) from exc
    errors = wire.report_errors(report)
    if errors:
        raise ApiError(422, "schema_invalid", "report does not follow the schema", errors)
    if _has_nul(report):
        raise ApiError(422, "nul_character", "a report string contains a NUL character")
    if report["station"]["key_id"] != verified.keyid or report["station"]["id"] != station_id:
        raise ApiError(
            403, "station_mismatch", "the report names another station than the key that signed it"
        )
    payload_sha256 = hashlib.sha256(verified.payload).hexdigest()
    with write_lock or nullcontext(), write_sessions.begin() as session:
        current = session.get(Station, station_id)
        if current is None or current.revoked_at is not None:
            # revoked between the signature check and now
            raise ApiError(403, "revoked_key", "the station key was revoked")
        replay = _existing(session, report["uuid"], payload_sha256)
        if replay is not None:
            return replay
        try:
            with session.begin_nested():
                return _store(session, report, envelope, payload_sha256, current)
        except IntegrityError:
            # PostgreSQL: two uploads of the same uuid raced and the other committed first
            # (READ COMMITTED shows it to this new statement): answer like a replay or 409.
            replay = _existing(session, report["uuid"], payload_sha256)
            if replay is None:
                raise
            return replay


def _store(
    session: Session,
    report: dict[str, Any],
    envelope: dict[str, Any],
    payload_sha256: str,
    station: Station,
) -> IngestResult:
    dev = report["device"]
    device: Device = _insert_once(
        session,
        lambda: session.scalar(select(Device).where(Device.identity_hash == dev["identity_hash"])),
        lambda: Device(identity_hash=dev["identity_hash"], vendor=dev["vendor"],
                       model=dev["model"], serial=dev["serial"],
                       chassis_type=dev["chassis_type"]),
    )
    donor = report["donor"]
    if donor is not None:
        row = _insert_once(
            session, lambda: session.get(Donor, donor["id"]),
            lambda: Donor(id=donor["id"], name=donor.get("name")),
        )
        if donor.get("name") and not row.name:
            row.name = donor["name"]
    lot = report["lot"]
    if lot is not None:
        row = _insert_once(
            session, lambda: session.get(Lot, lot["id"]),
            lambda: Lot(id=lot["id"], name=lot.get("name"),
                        donor_id=donor["id"] if donor else None),
        )
        if row.donor_id is None and donor is not None:
            row.donor_id = donor["id"]
    grade = report["grade"]
    verdict = grade["verdict"] if grade else None
    suggestion = grade["suggestion"]["code"] if grade else None
    row_report = Report(
        uuid=report["uuid"], device_id=device.id, station_id=station.id,
        key_id=report["station"]["key_id"], created_at=report["created_at"],
        envelope=json.dumps(envelope, separators=(",", ":")), payload_sha256=payload_sha256,
        operator=report["operator"], organisation=report["organisation"],
        donor_id=donor["id"] if donor else None, lot_id=lot["id"] if lot else None,
        asset_id=report["asset_id"], verdict=verdict, suggestion_code=suggestion,
        ledger_state=ledger_state(verdict, suggestion),
    )
    session.add(row_report)
    for rec in report["erasure"]:
        media = rec["media"]
        session.add(ErasureEntry(
            report_uuid=report["uuid"], device_id=device.id, disk_serial=media["serial"],
            disk_model=media["model"], size_bytes=media["apparent_size_bytes"],
            status=rec["status"], category=rec["category"], technique=rec["technique"],
            verification=rec["verification"], bytes_written=rec["bytes_written"],
            bytes_verified=rec["bytes_verified"], started_at=rec["started_at"],
            ended_at=rec["ended_at"],
        ))
    session.flush()
    return IngestResult(uuid=report["uuid"], device_id=device.id, replay=False)
