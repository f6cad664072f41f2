"""Report ingest: verify the signature, THEN parse, THEN validate, THEN store in one
transaction (DESIGN.md "Reports and trust"). Every rejection raises ApiError before any
row is written."""

from __future__ import annotations

import hashlib
import json
import threading
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from deuxvie import wire
from sqlalchemy import Connection, Engine, Table, bindparam, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from deuxvie_server import schema_check
from deuxvie_server.errors import ApiError
from deuxvie_server.ledger import ledger_state
from deuxvie_server.models import Device, Donor, ErasureEntry, Lot, Report, Station

# Core tables and constant statements: the hot path writes rows with prepared INSERTs, not
# ORM object graphs (the unit of work, identity map and attribute events cost ~4 ms a report,
# ADR 0045), and builds no SQL expression per request (building and cache-keying a
# `select().where()` costs ~50 us each).
_devices = cast(Table, Device.__table__)
_donors = cast(Table, Donor.__table__)
_lots = cast(Table, Lot.__table__)
_reports = cast(Table, Report.__table__)
_erasures = cast(Table, ErasureEntry.__table__)
_stations = cast(Table, Station.__table__)

_FIND_KEY = select(_stations.c.id, _stations.c.public_key_b64, _stations.c.revoked_at).where(
    _stations.c.key_id == bindparam("kid"))
_STATION_STATE = select(_stations.c.revoked_at).where(_stations.c.id == bindparam("sid"))
_FIND_REPORT = select(_reports.c.payload_sha256, _reports.c.device_id).where(
    _reports.c.uuid == bindparam("rid"))
_FIND_DEVICE = select(_devices.c.id).where(_devices.c.identity_hash == bindparam("ih"))
_NAME_DONOR = (
    update(_donors)
    .where(_donors.c.id == bindparam("did"), or_(_donors.c.name.is_(None), _donors.c.name == ""))
    .values(name=bindparam("dname"))
)
_LOT_DONOR = (
    update(_lots).where(_lots.c.id == bindparam("lid"), _lots.c.donor_id.is_(None))
    .values(donor_id=bindparam("did"))
)


@dataclass(frozen=True)
class _Upserts:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING, one set per dialect (SQLite >= 3.35 and
    PostgreSQL spell it the same; SQLAlchemy has a construct per dialect). Where the row
    exists nothing is returned and nothing is written; under PostgreSQL a concurrent insert
    of the same key waits for the other transaction instead of raising, so no SAVEPOINT is
    needed around these (it was 3 statements of the 14 a report cost)."""

    device: Any
    donor: Any
    lot: Any
    report: Any

    @classmethod
    def of(cls, dialect: Any) -> _Upserts:
        return cls(
            device=dialect.insert(_devices).on_conflict_do_nothing(
                index_elements=[_devices.c.identity_hash]).returning(_devices.c.id),
            donor=dialect.insert(_donors).on_conflict_do_nothing(
                index_elements=[_donors.c.id]).returning(_donors.c.id),
            lot=dialect.insert(_lots).on_conflict_do_nothing(
                index_elements=[_lots.c.id]).returning(_lots.c.id),
            report=dialect.insert(_reports).on_conflict_do_nothing(
                index_elements=[_reports.c.uuid]).returning(_reports.c.uuid),
        )


_UPSERTS = {"sqlite": _Upserts.of(sqlite), "postgresql": _Upserts.of(postgresql)}
_INSERT_ERASURES = _erasures.insert()


@dataclass(frozen=True)
class IngestResult:
    uuid: str
    device_id: int
    replay: bool  # True: the same report was already stored (idempotent success)
    payload_sha256: str = ""  # of the payload bytes stored: the delivery receipt names it


class KeyCache:
    """Station public keys by key id, kept across requests (parsing a key and the SELECT that
    found it cost more than the Ed25519 check itself). Only keys of stations that were
    unrevoked when read are kept; `forget(kid)` on revocation (api.revoke_station). A
    revocation made by another worker process is not seen here, which is safe: the write
    transaction re-reads the station and refuses a revoked one (ingest step 3)."""

    def __init__(self) -> None:
        self._keys: dict[str, tuple[str, Ed25519PublicKey]] = {}
        self._lock = threading.Lock()

    def get(self, kid: str) -> tuple[str, Ed25519PublicKey] | None:
        return self._keys.get(kid)

    def put(self, kid: str, station_id: str, key: Ed25519PublicKey) -> None:
        with self._lock:
            self._keys[kid] = (station_id, key)

    def forget(self, kid: str) -> None:
        with self._lock:
            self._keys.pop(kid, None)


class _KeyLookup:
    """Station keys by key id; remembers why a key was refused (unknown vs revoked)."""

    def __init__(self, engine: Engine, cache: KeyCache) -> None:
        self.engine = engine
        self.cache = cache
        self.revoked: set[str] = set()
        self.stations: dict[str, str] = {}

    def __call__(self, kid: str) -> Ed25519PublicKey | None:
        hit = self.cache.get(kid)
        if hit is not None:
            self.stations[kid] = hit[0]
            return hit[1]
        with self.engine.connect() as conn:
            row = conn.execute(_FIND_KEY, {"kid": kid}).first()
        if row is None:
            return None
        if row.revoked_at is not None:
            self.revoked.add(kid)
            return None
        key = wire.public_key_from_b64(row.public_key_b64)
        self.cache.put(kid, row.id, key)
        self.stations[kid] = row.id
        return key


def verify_envelope(
    engine: Engine, body: bytes, cache: KeyCache
) -> tuple[dict[str, Any], wire.Verified, str]:
    """The envelope, its verified payload and the signing station's id."""
    try:
        envelope = wire.parse_envelope(body)
    except wire.EnvelopeError as exc:
        raise ApiError(400, "malformed_json", str(exc)) from exc
    lookup = _KeyLookup(engine, cache)
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


def _existing(conn: Connection, uuid: str, payload_sha256: str) -> IngestResult:
    """The stored report `uuid` (it exists): a replay if its bytes are the same, else 409."""
    old = conn.execute(_FIND_REPORT, {"rid": uuid}).one()
    if old.payload_sha256 != payload_sha256:
        raise ApiError(409, "uuid_conflict", f"report {uuid} exists with different content")
    return IngestResult(uuid=uuid, device_id=old.device_id, replay=True,
                        payload_sha256=payload_sha256)


def ingest(
    read_engine: Engine,
    write_engine: Engine,
    body: bytes,
    write_lock: AbstractContextManager[Any],
    key_cache: KeyCache,
) -> IngestResult:
    """Three steps, the CPU-bound ones outside the write transaction (SQLite has one writer
    at a time: holding its lock while validating would serialise the validation too):
    1. read: find the station key (or take it from `key_cache`), verify the signature
       (before touching the payload);
    2. no database: parse the payload, validate the schema, check it names its signer;
    3. write (`write_engine` begins with BEGIN IMMEDIATE on SQLite, see db.make_engine):
       revocation check, then store; a report uuid already stored is a replay or a 409.
    `write_lock` (SQLite): writers queue on it in order (db.WriterQueue: across threads and
    worker processes), instead of on SQLite's busy handler, which sleeps and polls (up to
    100 ms a try) and made p99 latency of concurrent uploads seconds long."""
    envelope, verified, station_id = verify_envelope(read_engine, body, key_cache)
    # Only now is the payload parsed: its bytes were signed by a trusted station.
    try:
        report = wire.decode_payload_json(verified)
    except wire.EnvelopeError as exc:
        raise ApiError(400, "malformed_payload", str(exc)) from exc
    errors = schema_check.report_errors(report)
    if errors:
        raise ApiError(422, "schema_invalid", "report does not follow the schema", errors)
    # JSON can only carry U+0000 as the escape \u0000 (a raw NUL byte is refused by the
    # parser) or, in UTF-16/32 payloads, with 0x00 bytes: without either, skip the walk.
    if (b"\\u0000" in verified.payload or b"\x00" in verified.payload) and _has_nul(report):
        raise ApiError(422, "nul_character", "a report string contains a NUL character")
    if report["station"]["key_id"] != verified.keyid or report["station"]["id"] != station_id:
        raise ApiError(
            403, "station_mismatch", "the report names another station than the key that signed it"
        )
    payload_sha256 = hashlib.sha256(verified.payload).hexdigest()
    envelope_text = json.dumps(envelope, separators=(",", ":"))
    with write_lock, write_engine.begin() as conn:
        state = conn.execute(_STATION_STATE, {"sid": station_id}).first()
        if state is None or state.revoked_at is not None:
            # revoked between the signature check and now (or by another worker process
            # since the key was cached)
            key_cache.forget(verified.keyid)
            raise ApiError(403, "revoked_key", "the station key was revoked")
        return _store(conn, report, envelope_text, payload_sha256, station_id)


def _store(
    conn: Connection,
    report: dict[str, Any],
    envelope_text: str,
    payload_sha256: str,
    station_id: str,
) -> IngestResult:
    sql = _UPSERTS[conn.dialect.name]
    dev = report["device"]
    device_id = conn.execute(sql.device, {
        "identity_hash": dev["identity_hash"], "vendor": dev["vendor"], "model": dev["model"],
        "serial": dev["serial"], "chassis_type": dev["chassis_type"]}).scalar()
    if device_id is None:  # known machine (or inserted by a concurrent upload that committed)
        device_id = conn.execute(_FIND_DEVICE, {"ih": dev["identity_hash"]}).scalar_one()
    donor = report["donor"]
    if donor is not None:
        new = conn.execute(sql.donor, {"id": donor["id"], "name": donor.get("name")}).first()
        if new is None and donor.get("name"):
            # a donor first seen without a name gets the first name a report gives it
            conn.execute(_NAME_DONOR, {"did": donor["id"], "dname": donor["name"]})
    lot = report["lot"]
    if lot is not None:
        new = conn.execute(sql.lot, {"id": lot["id"], "name": lot.get("name"),
                                     "donor_id": donor["id"] if donor else None}).first()
        if new is None and donor is not None:
            conn.execute(_LOT_DONOR, {"lid": lot["id"], "did": donor["id"]})
    grade = report["grade"]
    verdict = grade["verdict"] if grade else None
    suggestion = grade["suggestion"]["code"] if grade else None
    stored = conn.execute(sql.report, dict(
        uuid=report["uuid"], device_id=device_id, station_id=station_id,
        key_id=report["station"]["key_id"], created_at=report["created_at"],
        envelope=envelope_text, payload_sha256=payload_sha256,
        operator=report["operator"], organisation=report["organisation"],
        donor_id=donor["id"] if donor else None, lot_id=lot["id"] if lot else None,
        asset_id=report["asset_id"], verdict=verdict, suggestion_code=suggestion,
        ledger_state=ledger_state(verdict, suggestion),
    )).first()
    if stored is None:
        # this uuid is stored already (a resent spool file, or two uploads that raced: under
        # PostgreSQL the INSERT waited for the other to commit): same bytes -> idempotent
        # success; other bytes -> 409, and the raise rolls back this transaction
        return _existing(conn, report["uuid"], payload_sha256)
    rows = [
        {"report_uuid": report["uuid"], "device_id": device_id,
         "disk_serial": rec["media"]["serial"], "disk_model": rec["media"]["model"],
         "size_bytes": rec["media"]["apparent_size_bytes"], "status": rec["status"],
         "category": rec["category"], "technique": rec["technique"],
         "verification": rec["verification"], "bytes_written": rec["bytes_written"],
         "bytes_verified": rec["bytes_verified"], "started_at": rec["started_at"],
         "ended_at": rec["ended_at"]}
        for rec in report["erasure"]
    ]
    if rows:  # one executemany, in report order (ErasureEntry.id keeps it)
        conn.execute(_INSERT_ERASURES, rows)
    return IngestResult(uuid=report["uuid"], device_id=device_id, replay=False,
                        payload_sha256=payload_sha256)
