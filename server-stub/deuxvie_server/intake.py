"""The intake ledger (issue 14): lots received from donors, every item in them, the people's
decisions about each (append-only history), packs handed to households, WEEE batches.

States: received -> in_audit -> refurbished | to_repair | recycled_weee, then
refurbished -> in_pack -> distributed. The agent's grade only *suggests* (ledger.py); a
person decides here. A data-bearing item (erasure.DATA_BEARING) becomes refurbished,
in_pack or distributed only with a VALID, re-verified erasure certificate for every disk,
and is recycled only with that or a "removed for destruction" record (ADR 0047).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session

from deuxvie_server.accounts import Principal
from deuxvie_server.errors import ApiError
from deuxvie_server.models import (
    Device,
    Distribution,
    Donor,
    Item,
    ItemEvent,
    Lot,
    Pack,
    Report,
    WeeeBatch,
    Workshop,
    utcnow,
)
from deuxvie_server.verification import verify_stored

CATEGORIES = ("desktop", "laptop", "mini_tower", "all_in_one", "screen", "keyboard", "mouse",
              "ups", "printer", "phone", "tablet", "other")
# Items that hold user data on internal storage. Desk printers keep none; a multifunction
# printer with an internal disk is outside what this gate checks (README "Intake").
DATA_BEARING = frozenset({"desktop", "laptop", "mini_tower", "all_in_one", "phone", "tablet"})

RECEIVED = "received"
IN_AUDIT = "in_audit"
REFURBISHED = "refurbished"
TO_REPAIR = "to_repair"
RECYCLED_WEEE = "recycled_weee"
IN_PACK = "in_pack"
DISTRIBUTED = "distributed"
STATES = (RECEIVED, IN_AUDIT, REFURBISHED, TO_REPAIR, RECYCLED_WEEE, IN_PACK, DISTRIBUTED)
# What POST /items/<id>/decisions may do; in_pack and distributed come from packs.
DECISIONS: dict[str, tuple[str, ...]] = {
    RECEIVED: (IN_AUDIT,),
    IN_AUDIT: (REFURBISHED, TO_REPAIR, RECYCLED_WEEE),
    TO_REPAIR: (IN_AUDIT, REFURBISHED, RECYCLED_WEEE),
    REFURBISHED: (TO_REPAIR, RECYCLED_WEEE),
}
NEEDS_ERASURE = (REFURBISHED, IN_PACK, DISTRIBUTED)
# Eligibility criteria of the prescribing structures (the seed's list: RSA/ASS/AAH,
# demandeur d'emploi, Mission Locale, parent isolé, senior, QPV/ZRR).
CRITERIA = ("rsa_ass_aah", "demandeur_emploi", "mission_locale", "parent_isole", "senior",
            "qpv_zrr", "autre")
# A pseudonymous reference is the structure's own file number: short, no spaces, so a
# name and address do not fit in it by accident.
PSEUDO_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
MAX_BULK = 5000


# -- small validators --------------------------------------------------------------------

def text_field(data: Mapping[str, Any], name: str, max_len: int, required: bool = True
               ) -> str | None:
    value = data.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > max_len:
        raise ApiError(422, "bad_field", f"{name!r} must be a non-empty string of at most "
                                         f"{max_len} characters")
    return value.strip()


def date_field(data: Mapping[str, Any], name: str) -> dt.date:
    value = data.get(name)
    try:
        day = dt.date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 \
            else None
    except ValueError:
        day = None
    if day is None or not 2000 <= day.year <= 2100:
        raise ApiError(422, "bad_field", f"{name!r} must be a date YYYY-MM-DD (2000..2100)")
    return day


def id_list(data: Mapping[str, Any], name: str) -> list[int]:
    value = data.get(name)
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_BULK or not all(
            isinstance(v, int) and not isinstance(v, bool) and 0 < v < 2**31 for v in value):
        raise ApiError(422, "bad_field", f"{name!r} must be a list of 1..{MAX_BULK} item ids")
    if len(set(value)) != len(value):
        raise ApiError(422, "bad_field", f"{name!r} lists an item twice")
    return list(value)


# -- lots and items ----------------------------------------------------------------------

def create_lot(session: Session, who: Principal, data: Mapping[str, Any]) -> Lot:
    donor_id = text_field(data, "donor", 128)
    workshop_id = text_field(data, "workshop", 64)
    reference = text_field(data, "reference", 200)
    received_on = date_field(data, "date")
    lot_id = text_field(data, "id", 128, required=False)
    assert donor_id and workshop_id
    if session.get(Workshop, workshop_id) is None:
        raise ApiError(404, "not_found", f"no workshop {workshop_id!r}")
    if not who.may_write_workshop(workshop_id):
        raise ApiError(403, "forbidden", f"{who.name} does not work in {workshop_id!r}")
    if not ID_RE.match(donor_id):
        raise ApiError(422, "bad_field", "'donor': letters, digits, . _ - (max 128)")
    donor = session.get(Donor, donor_id)
    if donor is None:
        donor = Donor(id=donor_id, name=text_field(data, "donor_name", 200, required=False),
                      territory=text_field(data, "territory", 200, required=False))
        session.add(donor)
    if lot_id is None:
        n = 1 + len(session.scalars(select(Lot.id).where(Lot.id.like(
            f"L{received_on.year}-{workshop_id}-%"))).all())
        lot_id = f"L{received_on.year}-{workshop_id}-{n:04d}"
    elif not ID_RE.match(lot_id):
        raise ApiError(422, "bad_field", "'id': letters, digits, . _ - (max 128)")
    if session.get(Lot, lot_id) is not None:
        raise ApiError(409, "lot_exists", f"lot {lot_id!r} exists")
    lot = Lot(id=lot_id, name=reference, donor_id=donor_id, workshop_id=workshop_id,
              reference=reference, received_on=received_on, created_by=who.name)
    session.add(lot)
    session.flush()
    return lot


def _asset_tag() -> str:
    """The label printed at intake, which the operator types or scans into the station
    (deuxvie config asset_id) so the agent's report finds its item: Crockford base32
    (no I, L, O, U: nothing to misread), 40 bits — a clash is refused by the UNIQUE index."""
    raw = secrets.randbits(40)
    return "DV-" + "".join(_CROCKFORD[(raw >> (5 * i)) & 31] for i in range(7, -1, -1))


_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _new_items(session: Session, lot: Lot, who: Principal,
               specs: Sequence[tuple[str, str | None, str | None]]) -> list[Item]:
    """Insert items (category, serial, asset tag) and their intake events in two
    executemany statements (a bulk of 5,000 takes ~0.2 s, not 5,000 ORM flushes)."""
    now = utcnow()
    rows = [{"lot_id": lot.id, "category": c, "serial": serial,
             "asset_tag": tag or _asset_tag(), "state": RECEIVED, "created_at": now}
            for c, serial, tag in specs]
    ids = list(session.scalars(insert(Item).returning(Item.id, sort_by_parameter_order=True),
                               rows))
    session.execute(insert(ItemEvent), [
        {"item_id": iid, "from_state": None, "to_state": RECEIVED,
         "reason": f"intake, lot {lot.id}", "actor": who.name, "at": now,
         "removed_for_destruction": False} for iid in ids])
    items = {i.id: i for i in session.scalars(select(Item).where(Item.id.in_(ids)))}
    return [items[i] for i in ids]


def add_items(session: Session, who: Principal, lot_id: str, data: Mapping[str, Any]
              ) -> list[Item]:
    """One item `{category, serial?, asset_tag?}` or bulk counts `{category: count, ...}`."""
    lot = writable_lot(session, who, lot_id)
    if "category" in data:
        spec = _item_spec(data)
        _tags_free(session, [spec[2]] if spec[2] else [])
        return _new_items(session, lot, who, [spec])
    if not data:
        raise ApiError(422, "bad_field", "give {category, serial} or {category: count}")
    bad = [k for k in data if k not in CATEGORIES]
    if bad:
        raise ApiError(422, "bad_category", f"unknown categories {bad[:5]}; one of "
                                            f"{', '.join(CATEGORIES)}")
    counts = dict(data)
    if not all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= MAX_BULK
               for n in counts.values()) or not 0 < sum(counts.values()) <= MAX_BULK:
        raise ApiError(422, "bad_count", f"counts are integers, 1..{MAX_BULK} items in all")
    return _new_items(session, lot, who,
                      [(cat, None, None) for cat, n in counts.items() for _ in range(n)])


def _item_spec(data: Mapping[str, Any]) -> tuple[str, str | None, str | None]:
    """(category, serial, asset tag) of one item, checked."""
    category = data.get("category")
    if category not in CATEGORIES:
        raise ApiError(422, "bad_category", f"category is one of {', '.join(CATEGORIES)}")
    serial = text_field(data, "serial", 256, required=False)
    tag = text_field(data, "asset_tag", 128, required=False)
    if tag is not None and not ID_RE.match(tag):
        raise ApiError(422, "bad_field", "'asset_tag': letters, digits, . _ -")
    unknown = set(data) - {"category", "serial", "asset_tag"}
    if unknown:
        raise ApiError(422, "bad_field", f"unknown fields {sorted(unknown)}")
    return str(category), serial, tag


def _tags_free(session: Session, tags: Sequence[str]) -> None:
    if len(set(tags)) != len(tags):
        raise ApiError(409, "asset_tag_exists", "an asset tag is given twice")
    taken = [t for t in session.scalars(select(Item.asset_tag).where(Item.asset_tag.in_(tags)))
             if t is not None] if tags else []
    if taken:
        raise ApiError(409, "asset_tag_exists", f"asset tags taken: {sorted(taken)[:10]}")


CSV_COLUMNS = ("category", "serial", "asset_tag")


def add_items_csv(session: Session, who: Principal, lot_id: str, body: bytes
                  ) -> list[Item]:
    """Items from a CSV file (a spreadsheet's export): a header row naming `category` and
    optionally `serial`, `asset_tag` (any order), one item a row. Comma or semicolon
    separated (French spreadsheets export with `;`), UTF-8 with or without BOM. All rows or
    none: the first bad row is named in the 422."""
    lot = writable_lot(session, who, lot_id)
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ApiError(400, "bad_csv", f"the CSV is not UTF-8 (byte {exc.start})") from exc
    if "\x00" in text:
        raise ApiError(400, "bad_csv", "the CSV holds a NUL character")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                               strict=True))
    except csv.Error as exc:
        raise ApiError(400, "bad_csv", f"the CSV cannot be read: {exc}") from exc
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise ApiError(422, "bad_csv", "the CSV is empty: a header row "
                                       f"({', '.join(CSV_COLUMNS)}) and one row an item")
    header = [h.strip().lower() for h in rows[0]]
    bad = [h for h in header if h not in CSV_COLUMNS] + (
        [] if "category" in header else ["(no category column)"])
    if bad or len(set(header)) != len(header):
        raise ApiError(422, "bad_csv", f"header row: columns are {', '.join(CSV_COLUMNS)} "
                                       f"(category required), got {rows[0][:6]}")
    if not 1 <= len(rows) - 1 <= MAX_BULK:
        raise ApiError(422, "bad_count", f"1..{MAX_BULK} items a CSV")
    specs = []
    for n, row in enumerate(rows[1:], start=2):
        if len(row) > len(header):
            raise ApiError(422, "bad_csv", f"row {n}: {len(row)} cells, the header has "
                                           f"{len(header)}")
        data = {h: v.strip() for h, v in zip(header, row, strict=False) if v.strip()}
        try:
            specs.append(_item_spec(data))
        except ApiError as exc:
            raise ApiError(exc.status, exc.error, f"row {n}: {exc.message}") from exc
    _tags_free(session, [t for _, _, t in specs if t])
    return _new_items(session, lot, who, specs)


def writable_lot(session: Session, who: Principal, lot_id: str) -> Lot:
    lot = session.get(Lot, lot_id) if len(lot_id) <= 128 else None
    if lot is None:
        raise ApiError(404, "not_found", f"no lot {lot_id!r}")
    if not who.may_write_workshop(lot.workshop_id):
        raise ApiError(403, "forbidden", f"{who.name} does not work in this lot's workshop")
    return lot


def readable_item(session: Session, who: Principal, item_id: int) -> tuple[Item, Lot]:
    item = session.get(Item, item_id) if 0 < item_id < 2**31 else None
    if item is None:
        raise ApiError(404, "not_found", f"no item {item_id}")
    lot = session.get(Lot, item.lot_id)
    assert lot is not None
    if who.role == "donor_viewer":
        if lot.donor_id != who.donor_id:
            raise ApiError(403, "forbidden", "this item was given by another donor")
    elif who.workshop_filter() is not None and lot.workshop_id != who.workshop_id:
        raise ApiError(403, "forbidden", "this item is in another workshop")
    return item, lot


def writable_item(session: Session, who: Principal, item_id: int) -> tuple[Item, Lot]:
    item, lot = readable_item(session, who, item_id)
    if not who.may_write_workshop(lot.workshop_id):
        raise ApiError(403, "forbidden", f"{who.name} may not decide in this workshop")
    return item, lot


# -- erasure evidence --------------------------------------------------------------------

@dataclass(frozen=True)
class DiskStatus:
    serial: str | None
    model: str | None
    method: str | None  # NIST category: clear / purge
    technique: str | None
    verification: str | None
    status: str  # the certificate's wording (ERASED, FAILED, INCONSISTENT, MISSING...)
    certified: bool


@dataclass(frozen=True)
class ErasureEvidence:
    """What the latest report attached to an item proves, re-verified just now."""

    report_uuid: str | None
    signature_valid: bool
    reason: str | None  # why not certified, for the 409 and the attestation
    disks: tuple[DiskStatus, ...]

    @property
    def certified(self) -> bool:
        return self.signature_valid and bool(self.disks) and all(d.certified
                                                                 for d in self.disks)

    def as_dict(self) -> dict[str, Any]:
        return {"report_uuid": self.report_uuid, "signature_valid": self.signature_valid,
                "certified": self.certified, "reason": self.reason,
                "disks": [d.__dict__ for d in self.disks]}


def attached_reports(session: Session, item: Item) -> list[Report]:
    """The agent reports about this item: by the asset tag printed at intake (what the
    operator typed into the station), else by the device once linked, else by serial."""
    conds = []
    if item.asset_tag:
        conds.append(Report.asset_id == item.asset_tag)
    if item.device_id is not None:
        conds.append(Report.device_id == item.device_id)
    if item.serial:
        conds.append(Report.device_id.in_(select(Device.id).where(Device.serial == item.serial)))
    if not conds:
        return []
    return list(session.scalars(select(Report).where(or_(*conds))
                                .order_by(Report.received_at, Report.created_at)))


def erasure_evidence(session: Session, item: Item) -> ErasureEvidence:
    from deuxvie.certificate import facts

    reports = attached_reports(session, item)
    if not reports:
        known = f"asset tag {item.asset_tag}" + (f", serial {item.serial}" if item.serial
                                                 else "")
        return ErasureEvidence(None, False, "no agent report is attached to this item "
                               f"({known})", ())
    latest = reports[-1]
    verification = verify_stored(session, latest)
    report = verification.get("report") or {}
    if not verification["valid"]:
        return ErasureEvidence(latest.uuid, False, "the certificate is INVALID "
                               f"({verification['reason']})", ())
    # the signed payload, not the index columns, says what was erased (ADR 0041)
    disks: list[DiskStatus] = []
    erased_serials = set()
    for record in report.get("erasure") or []:
        d = facts.disk_erasure(record)
        media = record.get("media") or {}
        erased_serials.add(media.get("serial"))
        disks.append(DiskStatus(
            serial=media.get("serial"), model=media.get("model"),
            method=record.get("category"), technique=record.get("technique"),
            verification=record.get("verification"), status=d.status,
            certified=d.certified))
    for serial in (report.get("device") or {}).get("disk_serials") or []:
        if serial not in erased_serials:
            disks.append(DiskStatus(serial=serial, model=None, method=None, technique=None,
                                    verification=None, status="MISSING", certified=False))
    bad = [d for d in disks if not d.certified]
    reason = None
    if not disks:
        reason = "the report erased no disk"
    elif bad:
        reason = "not erased: " + ", ".join(f"{d.serial} ({d.status})" for d in bad)
    return ErasureEvidence(latest.uuid, True, reason, tuple(disks))


def _require_erasure(session: Session, item: Item, target: str, destruction: bool
                     ) -> dict[str, Any] | None:
    """Refuses (409) a state a data-bearing item may not reach; returns the evidence kept
    in the history (None for items that bear no data)."""
    if item.category not in DATA_BEARING:
        return None
    if target == RECYCLED_WEEE and destruction:
        return {"removed_for_destruction": True}
    if target not in NEEDS_ERASURE and target != RECYCLED_WEEE:
        return None
    ev = erasure_evidence(session, item)
    if not ev.certified:
        hint = (" — or record the storage removed for destruction "
                "(removed_for_destruction: true)") if target == RECYCLED_WEEE else ""
        raise ApiError(409, "erasure_required",
                       f"item {item.id} ({item.category}) cannot become {target}: "
                       f"{ev.reason}{hint}",
                       [f"{d.serial}: {d.status}" for d in ev.disks] or None)
    if ev.report_uuid is not None and item.device_id is None:
        report = session.get(Report, ev.report_uuid)
        if report is not None:
            item.device_id = report.device_id  # linked for good: found by device next time
            device = session.get(Device, report.device_id)
            if item.serial is None and device is not None:
                item.serial = device.serial  # the signed report's system serial
    return {"erasure": ev.as_dict()}


def _append(session: Session, item: Item, target: str, reason: str, who: Principal,
            destruction: bool = False, detail: dict[str, Any] | None = None) -> ItemEvent:
    event = ItemEvent(item_id=item.id, from_state=item.state, to_state=target, reason=reason,
                      actor=who.name, at=utcnow(), removed_for_destruction=destruction,
                      detail=json.dumps(detail, sort_keys=True) if detail else None)
    session.add(event)
    item.state = target
    return event


def decide(session: Session, who: Principal, item_id: int, data: Mapping[str, Any]
           ) -> ItemEvent:
    item, _lot = writable_item(session, who, item_id)
    target = data.get("state")
    reason = text_field(data, "reason", 1000)
    assert reason
    destruction = data.get("removed_for_destruction", False)
    if not isinstance(destruction, bool):
        raise ApiError(422, "bad_field", "'removed_for_destruction' is a boolean")
    if target not in STATES:
        raise ApiError(422, "bad_state", f"state is one of {', '.join(STATES)}")
    if target in (IN_PACK, DISTRIBUTED):
        raise ApiError(409, "use_packs", f"{target}: compose a pack (POST /api/v1/packs) "
                                         "and record its distribution")
    allowed = DECISIONS.get(item.state, ())
    if target not in allowed:
        raise ApiError(409, "bad_transition",
                       f"item {item.id} is {item.state}: it can become "
                       f"{', '.join(allowed) or 'nothing by decision'}, not {target}")
    if destruction and target != RECYCLED_WEEE:
        raise ApiError(422, "bad_field", "removed_for_destruction goes with recycled_weee")
    destroyed = data.get("destroyed_disk_serials", [])
    if not isinstance(destroyed, list) or len(destroyed) > 32 or not all(
            isinstance(x, str) and 0 < len(x) <= 256 for x in destroyed):
        raise ApiError(422, "bad_field", "'destroyed_disk_serials' is a list of serials")
    if destroyed and not destruction:
        raise ApiError(422, "bad_field", "destroyed_disk_serials needs removed_for_destruction")
    detail = _require_erasure(session, item, target, destruction)
    if destroyed and detail is not None:
        detail["destroyed_disk_serials"] = destroyed
    return _append(session, item, target, reason, who, destruction, detail)


def history_json(session: Session, item: Item) -> list[dict[str, Any]]:
    rows = session.scalars(select(ItemEvent).where(ItemEvent.item_id == item.id)
                           .order_by(ItemEvent.id))
    return [{"from": e.from_state, "to": e.to_state, "reason": e.reason, "by": e.actor,
             "at": _iso(e.at), "removed_for_destruction": e.removed_for_destruction,
             "detail": json.loads(e.detail) if e.detail else None} for e in rows]


def _iso(ts: dt.datetime) -> str:
    return (ts if ts.tzinfo else ts.replace(tzinfo=dt.UTC)).isoformat()


def item_json(item: Item, lot: Lot | None = None) -> dict[str, Any]:
    return {"id": item.id, "lot_id": item.lot_id, "category": item.category,
            "serial": item.serial, "asset_tag": item.asset_tag, "state": item.state,
            "data_bearing": item.category in DATA_BEARING, "device_id": item.device_id,
            "pack_id": item.pack_id, "weee_batch_id": item.weee_batch_id,
            "workshop_id": lot.workshop_id if lot else None,
            "donor_id": lot.donor_id if lot else None}


# -- packs, distribution, WEEE -----------------------------------------------------------

def _items_in_workshop(session: Session, who: Principal, ids: Sequence[int]
                       ) -> tuple[list[Item], str]:
    items = list(session.scalars(select(Item).where(Item.id.in_(ids))))
    if len(items) != len(ids):
        missing = sorted(set(ids) - {i.id for i in items})
        raise ApiError(404, "not_found", f"no items {missing[:10]}")
    lots = {lot.id: lot for lot in session.scalars(
        select(Lot).where(Lot.id.in_({i.lot_id for i in items})))}
    workshops = {lots[i.lot_id].workshop_id for i in items}
    if len(workshops) != 1 or None in workshops:
        raise ApiError(409, "mixed_workshops", "these items are not all in one workshop")
    workshop_id = workshops.pop()
    assert workshop_id is not None
    if not who.may_write_workshop(workshop_id):
        raise ApiError(403, "forbidden", f"{who.name} does not work in {workshop_id!r}")
    return sorted(items, key=lambda i: i.id), workshop_id


def create_pack(session: Session, who: Principal, data: Mapping[str, Any]) -> Pack:
    ids = id_list(data, "items")
    note = text_field(data, "note", 200, required=False)
    items, workshop_id = _items_in_workshop(session, who, ids)
    not_ready = [f"{i.id} ({i.state})" for i in items if i.state != REFURBISHED]
    if not_ready:
        raise ApiError(409, "not_refurbished",
                       "a pack holds refurbished items only: " + ", ".join(not_ready[:10]))
    pack = Pack(workshop_id=workshop_id, note=note, created_by=who.name)
    session.add(pack)
    session.flush()
    for item in items:
        detail = _require_erasure(session, item, IN_PACK, False) or {}
        item.pack_id = pack.id
        _append(session, item, IN_PACK, f"pack {pack.id}", who, detail={**detail,
                                                                         "pack": pack.id})
    return pack


def distribute(session: Session, who: Principal, pack_id: int, data: Mapping[str, Any]
               ) -> Distribution:
    pack = session.get(Pack, pack_id) if 0 < pack_id < 2**31 else None
    if pack is None:
        raise ApiError(404, "not_found", f"no pack {pack_id}")
    if not who.may_write_workshop(pack.workshop_id):
        raise ApiError(403, "forbidden", f"{who.name} does not work in this pack's workshop")
    unknown = set(data) - {"structure", "date", "pseudonymous_ref", "criterion"}
    if unknown:
        # no room for a name, an address or a phone number: the household stays anonymous
        raise ApiError(422, "personal_data_refused",
                       f"fields {sorted(unknown)} are not stored (no personal data)")
    structure = text_field(data, "structure", 200)
    day = date_field(data, "date")
    ref = data.get("pseudonymous_ref")
    if not isinstance(ref, str) or not PSEUDO_RE.match(ref):
        raise ApiError(422, "bad_field", "'pseudonymous_ref': the structure's file number "
                                         "(letters, digits, . _ / -, max 64, no spaces)")
    criterion = data.get("criterion")
    if criterion not in CRITERIA:
        raise ApiError(422, "bad_field", f"'criterion' is one of {', '.join(CRITERIA)}")
    if session.scalar(select(Distribution.id).where(Distribution.pack_id == pack.id)):
        raise ApiError(409, "already_distributed", f"pack {pack.id} was already handed over")
    items = list(session.scalars(select(Item).where(Item.pack_id == pack.id)
                                 .order_by(Item.id)))
    for item in items:
        if item.state != IN_PACK:
            raise ApiError(409, "not_in_pack", f"item {item.id} is {item.state}")
    dist = Distribution(pack_id=pack.id, structure=structure, date=day,
                        pseudonymous_ref=ref, criterion=criterion, created_by=who.name)
    session.add(dist)
    session.flush()
    for item in items:
        detail = _require_erasure(session, item, DISTRIBUTED, False) or {}
        _append(session, item, DISTRIBUTED, f"pack {pack.id} via {structure}", who,
                detail={**detail, "distribution": dist.id})
    return dist


def create_weee_batch(session: Session, who: Principal, data: Mapping[str, Any]) -> WeeeBatch:
    ids = id_list(data, "items")
    organisation = text_field(data, "organisation", 200)
    slip = text_field(data, "slip_number", 100)
    day = date_field(data, "date")
    weights = data.get("weights_kg")
    if not isinstance(weights, dict) or not weights or not all(
            k in CATEGORIES and isinstance(v, int | float) and not isinstance(v, bool)
            and 0 <= v <= 100_000 for k, v in weights.items()):
        raise ApiError(422, "bad_field", "'weights_kg' is {category: kg} (0..100000)")
    items, workshop_id = _items_in_workshop(session, who, ids)
    wrong = [f"{i.id} ({i.state})" for i in items if i.state != RECYCLED_WEEE]
    if wrong:
        raise ApiError(409, "not_recycled", "a WEEE batch holds recycled_weee items only: "
                       + ", ".join(wrong[:10]))
    taken = [str(i.id) for i in items if i.weee_batch_id is not None]
    if taken:
        raise ApiError(409, "already_shipped", f"items already in a batch: {taken[:10]}")
    missing = {i.category for i in items} - set(weights)
    if missing:
        raise ApiError(422, "bad_field", f"'weights_kg' lacks {sorted(missing)}")
    batch = WeeeBatch(workshop_id=workshop_id, organisation=organisation, slip_number=slip,
                      date=day, weights_kg=json.dumps(weights, sort_keys=True),
                      total_kg=float(sum(weights.values())), created_by=who.name)
    session.add(batch)
    session.flush()
    for item in items:
        item.weee_batch_id = batch.id
        _append(session, item, RECYCLED_WEEE, f"WEEE batch {batch.id}, slip {slip} "
                f"({organisation})", who, detail={"weee_batch": batch.id})
    return batch
