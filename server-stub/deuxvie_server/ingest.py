"""Report ingest: verify the signature, THEN parse, THEN validate, THEN store in one
transaction (DESIGN.md "Reports and trust"). Every rejection raises ApiError before any
row is written."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from deuxvie import wire
from sqlalchemy import Connection, Engine, Table, bindparam, exists, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from deuxvie_server import schema_check
from deuxvie_server.errors import ApiError
from deuxvie_server.ledger import ledger_state
from deuxvie_server.models import (
    Device,
    Donor,
    ErasureEntry,
    Item,
    ItemEvent,
    Lot,
    Report,
    Station,
)

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
_items = cast(Table, Item.__table__)
_item_events = cast(Table, ItemEvent.__table__)

_FIND_KEY = select(_stations.c.id, _stations.c.public_key_b64, _stations.c.revoked_at).where(
    _stations.c.key_id == bindparam("kid"))
_STATION_STATE = select(_stations.c.revoked_at, _stations.c.workshop_id).where(
    _stations.c.id == bindparam("sid"))
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

# SMBIOS chassis type (deuxvie.probes.dmi.CHASSIS_TYPES, as the report says it) -> the
# intake category of the item a report for an unknown device creates (issue 14). A machine
# the agent booted is a computer: a chassis it does not name (QEMU says "Other", many
# white boxes "Unknown" or nothing) is counted as a desktop, which is data-bearing, so the
# erasure gate and the attestation apply to it.
CHASSIS_CATEGORY = {
    "laptop": "laptop", "notebook": "laptop", "portable": "laptop", "sub notebook": "laptop",
    "convertible": "laptop", "detachable": "laptop", "hand held": "laptop",
    "tablet": "tablet", "all in one": "all_in_one", "mini tower": "mini_tower",
    "tower": "mini_tower",
}
DEFAULT_CATEGORY = "desktop"


def category_of(chassis_type: str | None) -> str:
    return CHASSIS_CATEGORY.get((chassis_type or "").strip().lower(), DEFAULT_CATEGORY)


# A report attaches to its item by the asset tag printed at intake (reports.asset_id), else
# by the device it is about (items.device_id, or the item's serial = the device's serial):
# the read side does that (intake.attached_reports). Only a report that would attach to no
# item creates one, in its lot, in_audit: ONE statement (INSERT ... SELECT ... WHERE NOT
# EXISTS, by the indexed asset_tag / serial / device_id), plus the history row when it did
# insert (ADR 0045: the hot path stays a handful of prepared statements).
_ITEM_TAKEN = exists().where(or_(
    _items.c.asset_tag == bindparam("tag"),
    _items.c.device_id == bindparam("dev"),
    _items.c.serial == bindparam("serial"),
))
_NEW_ITEM = _items.insert().from_select(
    ["lot_id", "category", "serial", "asset_tag", "state", "device_id", "created_at"],
    select(bindparam("lot"), bindparam("category"), bindparam("serial"),
           bindparam("new_tag"), literal("in_audit"), bindparam("dev"),
           bindparam("now", type_=_items.c.created_at.type))
    .where(~_ITEM_TAKEN),
).returning(_items.c.id)
_NEW_ITEM_EVENT = _item_events.insert()


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


# a station's clock may run a little ahead of the service's
CLOCK_SKEW = dt.timedelta(days=1)
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


class SettledRows:
    """Donors and lots whose ingest statements are known no-ops, kept across requests.

    A report names a donor and a lot; ingest inserts each if new (ON CONFLICT DO NOTHING)
    and fills a missing donor name / lot donor (UPDATE ... WHERE IS NULL). Once a donor
    exists with a name, or a lot exists with a donor, those statements can never change a
    row again (nothing in the service deletes donors or lots, or clears those fields), yet
    they cost 4 of a report's ~13 round trips to the database: a workshop sends hundreds of
    reports of one lot (issue 16, ADR 0105). A fact is learnt only from a row another
    transaction committed (the INSERT found it, the UPDATE matched nothing), never from
    this transaction's own writes, which may still roll back. Per process; bounded."""

    MAX = 100_000

    def __init__(self) -> None:
        self.donors_named: set[str] = set()
        self.donors: set[str] = set()
        self.lots_with_donor: set[str] = set()
        self.lots: set[str] = set()
        self._lock = threading.Lock()

    def learn(self, kind: set[str], key: str) -> None:
        with self._lock:
            if len(kind) >= self.MAX:
                kind.clear()
            kind.add(key)


class _KeyLookup:
    """Station keys by key id; remembers why a key was refused (unknown vs revoked)."""

    def __init__(self, engine: Engine, cache: KeyCache) -> None:
        self.engine = engine
        self.cache = cache
        self.revoked: set[str] = set()
        self.stations: dict[str, str] = {}

    def __call__(self, kid: str) -> Ed25519PublicKey | None:
        if "\x00" in kid:
            return None  # PostgreSQL text cannot hold NUL: no such key (found by schemathesis)
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


def signed_part(envelope: dict[str, Any], verified: wire.Verified) -> dict[str, Any]:
    """The envelope as stored and served: payload, payloadType and the signature that
    verified. Anything else a sender added (top-level fields, other signature entries or
    their extra fields) is covered by no signature, so it is dropped rather than served
    under the certificate's name (issue 11 item 8)."""
    return {"payload": envelope["payload"], "payloadType": verified.payload_type,
            "signatures": [{"keyid": verified.keyid, "sig": verified.sig}]}


def identity_of(report: dict[str, Any]) -> str:
    """The device identity hash recomputed from the signed facts (wire.identity, the same
    function the agent uses)."""
    dev = report["device"]
    return wire.device_identity_hash(dev["vendor"], dev["model"], dev["serial"],
                                     dev["chassis_type"], dev["macs"])


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
    settled: SettledRows | None = None,
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
    if identity_of(report) != report["device"]["identity_hash"]:
        # the hash is the device registry's key: taken from the report, a station could
        # file a report about one machine under another's record (issue 11 item 11)
        raise ApiError(422, "identity_mismatch", "device.identity_hash is not the hash of "
                       "the report's vendor, model, serial, chassis type and MACs")
    created = wire.parse_datetime(report["created_at"])
    if created is not None and created > dt.datetime.now(dt.UTC) + CLOCK_SKEW:
        raise ApiError(422, "schema_invalid", "report does not follow the schema",
                       [f"/created_at: {report['created_at']!r} is in the future"])
    payload_sha256 = hashlib.sha256(verified.payload).hexdigest()
    envelope_text = json.dumps(signed_part(envelope, verified), separators=(",", ":"))
    with write_lock, write_engine.begin() as conn:
        state = conn.execute(_STATION_STATE, {"sid": station_id}).first()
        if state is None or state.revoked_at is not None:
            # revoked between the signature check and now (or by another worker process
            # since the key was cached)
            key_cache.forget(verified.keyid)
            raise ApiError(403, "revoked_key", "the station key was revoked")
        return _store(conn, report, envelope_text, payload_sha256, station_id,
                      state.workshop_id, settled or SettledRows())


def _store(
    conn: Connection,
    report: dict[str, Any],
    envelope_text: str,
    payload_sha256: str,
    station_id: str,
    workshop_id: str | None,
    settled: SettledRows,
) -> IngestResult:
    sql = _UPSERTS[conn.dialect.name]
    dev = report["device"]
    device_id = conn.execute(sql.device, {
        "identity_hash": dev["identity_hash"], "vendor": dev["vendor"], "model": dev["model"],
        "serial": dev["serial"], "chassis_type": dev["chassis_type"]}).scalar()
    if device_id is None:  # known machine (or inserted by a concurrent upload that committed)
        device_id = conn.execute(_FIND_DEVICE, {"ih": dev["identity_hash"]}).scalar_one()
    donor = report["donor"]
    did = donor["id"] if donor is not None else None
    if donor is not None and did not in settled.donors_named and not (
            did in settled.donors and not donor.get("name")):
        new = conn.execute(sql.donor, {"id": did, "name": donor.get("name")}).first()
        if new is None:
            settled.learn(settled.donors, donor["id"])
            if donor.get("name"):
                # a donor first seen without a name gets the first name a report gives it
                named = conn.execute(_NAME_DONOR, {"did": did, "dname": donor["name"]})
                if named.rowcount == 0:  # it has a name already: nothing will change it
                    settled.learn(settled.donors_named, donor["id"])
    lot = report["lot"]
    lid = lot["id"] if lot is not None else None
    if lot is not None and lid not in settled.lots_with_donor and not (
            lid in settled.lots and donor is None):
        # a lot first named by a report is received the day the report arrives (the
        # balance counts items by their lot's year), in the station's workshop (a
        # station's reports land in its workshop, issue 14)
        new = conn.execute(sql.lot, {"id": lid, "name": lot.get("name"),
                                     "donor_id": did,
                                     "received_on": dt.datetime.now(dt.UTC).date(),
                                     "workshop_id": workshop_id}).first()
        if new is None:
            settled.learn(settled.lots, lot["id"])
            if donor is not None:
                given = conn.execute(_LOT_DONOR, {"lid": lid, "did": did})
                if given.rowcount == 0:  # it has a donor already
                    settled.learn(settled.lots_with_donor, lot["id"])
    grade = report["grade"]
    verdict = grade["verdict"] if grade else None
    suggestion = grade["suggestion"]["code"] if grade else None
    stored = conn.execute(sql.report, dict(
        uuid=report["uuid"], device_id=device_id, station_id=station_id,
        key_id=report["station"]["key_id"], created_at=report["created_at"],
        envelope=envelope_text, payload_sha256=payload_sha256,
        operator=report["operator"], organisation=report["organisation"],
        donor_id=did, lot_id=lid,
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
    if lot is not None:
        _item_for(conn, report, device_id, station_id)
    return IngestResult(uuid=report["uuid"], device_id=device_id, replay=False,
                        payload_sha256=payload_sha256)


def _item_for(conn: Connection, report: dict[str, Any], device_id: int, station_id: str
              ) -> None:
    """Create the intake item of a report that attaches to none (module comment above)."""
    dev = report["device"]
    tag = report["asset_id"]
    now = dt.datetime.now(dt.UTC)
    # the report's asset id becomes the item's tag; a generated one when it has none
    new_tag = tag or f"DV-R-{report['uuid']}"
    item_id = conn.execute(_NEW_ITEM, {
        "tag": tag, "dev": device_id, "serial": dev["serial"], "lot": report["lot"]["id"],
        "category": category_of(dev["chassis_type"]), "new_tag": new_tag, "now": now,
    }).scalar()
    if item_id is not None:
        conn.execute(_NEW_ITEM_EVENT, {
            "item_id": item_id, "from_state": None, "to_state": "in_audit",
            "reason": f"created by agent report {report['uuid']} (device not at intake)",
            "actor": f"station:{station_id}", "at": now, "removed_for_destruction": False,
            "detail": json.dumps({"report": report["uuid"],
                                  "chassis_type": dev["chassis_type"]}, sort_keys=True)})
