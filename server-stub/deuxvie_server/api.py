"""JSON API under /api/v1 (documented in openapi.json) and the public /c/<uuid>.json."""

from __future__ import annotations

import datetime as dt
import json
from contextlib import AbstractContextManager
from importlib import resources
from typing import Any
from uuid import UUID

from deuxvie import wire
from deuxvie.wire import strictjson
from deuxvie.wire.glpi import glpi_inventory
from flask import Blueprint, Response, current_app, jsonify, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from deuxvie_server import accounts, bilan, intake, public_view, queries, service_key, stations
from deuxvie_server.accounts import Principal
from deuxvie_server.auth import admin_required, api_auth, page_principal
from deuxvie_server.bodies import read_body
from deuxvie_server.db import write_transaction
from deuxvie_server.errors import ApiError
from deuxvie_server.ingest import ingest
from deuxvie_server.models import Device, Lot, Report, Station
from deuxvie_server.ratelimit import RateLimit
from deuxvie_server.verification import verify_stored

bp = Blueprint("api", __name__)
MAX_PAGE = 500


def sessions() -> sessionmaker[Session]:
    sm: sessionmaker[Session] = current_app.extensions["deuxvie"]["sessions"]
    return sm


def public_link(endpoint: str, **values: Any) -> str:
    """An absolute link from the configured public URL (DEUXVIE_PUBLIC_URL; `serve` always
    sets one), never from the request's Host header, which the client chooses: `Host:
    evil.example` ended up in certificate URLs and PDFs (issue 11 item 13)."""
    base = current_app.extensions["deuxvie"]["config"].public_url
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)  # tests' create_app without one


def writing() -> AbstractContextManager[Session]:
    """A write transaction on the ingest writer path (db.write_transaction)."""
    ext = current_app.extensions["deuxvie"]
    return write_transaction(ext["write_sessions"], ext["write_lock"])


def _json_object(empty_ok: bool = False) -> dict[str, Any]:
    raw = read_body()
    if empty_ok and not raw:
        return {}
    try:
        # duplicate keys, NaN, nesting 1000 deep (RecursionError: a 500 on main), etc.
        data = strictjson.loads(raw)
    except strictjson.StrictJsonError as exc:
        raise ApiError(400, "malformed_json", f"body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ApiError(400, "malformed_json", "body must be a JSON object")
    return data


def _str_field(data: dict[str, Any], name: str, required: bool = True) -> str | None:
    value = data.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise ApiError(422, "bad_field", f"{name!r} must be a non-empty string")
    return value


def _page() -> tuple[int, int]:
    try:
        limit = int(request.args.get("limit", "100"))
        offset = int(request.args.get("offset", "0"))
    except ValueError as exc:
        raise ApiError(400, "bad_query", "limit and offset must be integers") from exc
    if not (1 <= limit <= MAX_PAGE) or not (0 <= offset <= 2**31):
        raise ApiError(400, "bad_query", f"limit in 1..{MAX_PAGE}, offset >= 0")
    return limit, offset


def _service_key_json() -> dict[str, Any]:
    return service_key.public_json(current_app.extensions["deuxvie"]["service_key"])


@bp.get("/api/v1/openapi.json")
def openapi() -> Response:
    text = resources.files("deuxvie_server").joinpath("openapi.json").read_text("utf-8")
    doc = json.loads(text)
    # the receipt-signing key of this instance, for clients that read the API description
    doc["info"]["x-deuxvie-service-key"] = _service_key_json()
    return Response(json.dumps(doc, indent=1), mimetype="application/json")


@bp.get("/api/v1/service-key")
def get_service_key() -> Response:
    """The public key that signs delivery receipts (agents pin it at enrolment)."""
    return jsonify(_service_key_json())


@bp.post("/api/v1/stations/enrol")
def enrol() -> tuple[Response, int]:
    limiter: RateLimit = current_app.extensions["deuxvie"]["enrol_limit"]
    if not limiter.allow(request.remote_addr or "?"):
        raise ApiError(429, "too_many_attempts",
                       f"over {limiter.attempts} enrolment attempts a minute from this address")
    data = _json_object()
    token = _str_field(data, "token")
    station_id = _str_field(data, "station_id")
    public_key = _str_field(data, "public_key")
    assert token and station_id and public_key
    with writing() as session:
        station = stations.enrol(session, token, station_id, public_key)
        body = queries.station_json(station)
    # the agent pins this key: it verifies every delivery receipt with it (ADR 0046)
    body["service_key"] = _service_key_json()
    return jsonify(body), 201


@bp.get("/api/v1/stations")
@admin_required
def list_stations() -> Response:
    with sessions()() as session:
        rows = session.scalars(select(Station).order_by(Station.id)).all()
        return jsonify({"items": [queries.station_json(s) for s in rows]})


@bp.post("/api/v1/stations/<station_id>/workshop")
@admin_required
def station_workshop(station_id: str) -> Response:
    """Move a station to a workshop ({"workshop": id} or null): its later reports land in
    that workshop's ledger (issue 14)."""
    data = _json_object()
    workshop = data.get("workshop")
    if set(data) != {"workshop"} or not (workshop is None or (
            isinstance(workshop, str) and 0 < len(workshop) <= 64)):
        raise ApiError(422, "bad_field", "body is {\"workshop\": <workshop id> | null}")
    with writing() as session:
        body = queries.station_json(stations.set_workshop(session, station_id, workshop))
    return jsonify(body)


@bp.post("/api/v1/stations/<station_id>/revoke")
@admin_required
def revoke_station(station_id: str) -> Response:
    with writing() as session:
        station = stations.revoke(session, station_id)
        body = queries.station_json(station)
    # this process stops trusting the key at once; other workers learn it from the write
    # transaction's revocation check (ingest.KeyCache)
    current_app.extensions["deuxvie"]["key_cache"].forget(station.key_id)
    return jsonify(body)


@bp.post("/api/v1/tokens")
@admin_required
def create_token() -> tuple[Response, int]:
    data = _json_object(empty_ok=True)
    note = data.get("note")
    if note is not None and (not isinstance(note, str) or len(note) > 200):
        raise ApiError(422, "bad_field", "'note' must be a string of at most 200 characters")
    workshop = data.get("workshop")
    if workshop is not None and (not isinstance(workshop, str) or not 0 < len(workshop) <= 64):
        raise ApiError(422, "bad_field", "'workshop' must be a workshop id (max 64)")
    with writing() as session:
        token = stations.create_enrolment_token(session, note, workshop_id=workshop)
    return jsonify({"token": token}), 201


@bp.get("/api/v1/admin-tokens")
@api_auth()
def list_admin_tokens(who: Principal) -> Response:
    """The caller's own API tokens; a network_admin sees everyone's."""
    with sessions()() as session:
        rows = accounts.list_tokens(session, who.user_id, everyone=who.is_network_admin)
        names = {u.id: u.username for u in session.scalars(select(accounts.User))}
        return jsonify({"items": [accounts.token_json(r, names.get(r.user_id or -1))
                                  for r in rows]})


@bp.post("/api/v1/admin-tokens")
@api_auth()
def create_admin_token(who: Principal) -> tuple[Response, int]:
    """A new API token for the caller (the bootstrap token makes user-less network_admin
    tokens), shown once."""
    data = _json_object() if request.content_length else {}
    note = data.get("note")
    if note is not None and (not isinstance(note, str) or len(note) > 200):
        raise ApiError(422, "bad_field", "'note' must be a string of at most 200 characters")
    days = data.get("ttl_days", accounts.DEFAULT_TOKEN_TTL.days)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 366:
        raise ApiError(422, "bad_field", "'ttl_days' must be an integer in 1..366")
    with writing() as session:
        token, row = accounts.create_token(session, who.user_id, note, dt.timedelta(days=days))
        body = accounts.token_json(row, who.name)
    return jsonify({"token": token, **body}), 201


@bp.post("/api/v1/admin-tokens/<token_id>/revoke")
@api_auth()
def revoke_admin_token(token_id: str, who: Principal) -> Response:
    with writing() as session:
        row = accounts.revoke_token(session, token_id, who)
        body = accounts.token_json(row)
    return jsonify(body)


@bp.post("/api/v1/reports")
def post_report() -> tuple[Response, int]:
    body = read_body()
    ext = current_app.extensions["deuxvie"]
    result = ingest(ext["engine"], ext["write_engine"], body, ext["write_lock"],
                    ext["key_cache"], ext["settled_rows"])
    status = "duplicate" if result.replay else "stored"
    url = public_link("pages.certificate", rid=UUID(result.uuid))
    payload = {
        "uuid": result.uuid,
        "device_id": result.device_id,
        "status": status,
        "certificate_url": url,
        # signed proof of delivery: only this moves the report out of the agent's spool
        "receipt": wire.make_receipt(
            ext["service_key"], result.uuid, result.payload_sha256, status,
            dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), url),
    }
    return jsonify(payload), 200 if result.replay else 201


@bp.get("/api/v1/reports")
@admin_required
def list_reports() -> Response:
    limit, offset = _page()
    with sessions()() as session:
        total = session.scalar(select(func.count()).select_from(Report)) or 0
        rows = session.scalars(
            select(Report).order_by(Report.received_at.desc()).limit(limit).offset(offset)
        ).all()
        return jsonify({"total": total, "items": [queries.report_json(r) for r in rows]})


@bp.get("/api/v1/reports/<uuid:rid>")
@admin_required
def get_report(rid: UUID) -> Response:
    with sessions()() as session:
        row = session.get(Report, str(rid))
        if row is None:
            raise ApiError(404, "not_found", f"no report {rid}")
        verification = verify_stored(session, row)
        body = queries.report_json(row)
        body["report"] = verification.pop("report")
        body["verification"] = verification
        return jsonify(body)


@bp.get("/api/v1/devices")
@admin_required
def list_devices() -> Response:
    limit, offset = _page()
    q = request.args.get("q") or None
    if q is not None and len(q) > 200:
        raise ApiError(400, "bad_query", "q is at most 200 characters")
    with sessions()() as session:
        stmt = queries.devices_query(q)
        total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = session.scalars(stmt.limit(limit).offset(offset)).all()
        return jsonify({"total": total, "items": [queries.device_json(session, d) for d in rows]})


@bp.get("/api/v1/devices/<int:device_id>")
@admin_required
def get_device(device_id: int) -> Response:
    with sessions()() as session:
        device = session.get(Device, device_id) if device_id < 2**31 else None
        if device is None:
            raise ApiError(404, "not_found", f"no device {device_id}")
        return jsonify(queries.device_json(session, device, with_reports=True))


@bp.get("/api/v1/devices/<int:device_id>/glpi.json")
@admin_required
def device_glpi(device_id: int) -> Response:
    """The device's latest report as a GLPI native inventory (deuxvie.wire.glpi, the mapping
    `deuxvie export glpi` uses), so a network can feed GLPI from the registry. Only a report
    whose signature still verifies is exported (ADR 0080)."""
    with sessions()() as session:
        device = session.get(Device, device_id) if device_id < 2**31 else None
        if device is None:
            raise ApiError(404, "not_found", f"no device {device_id}")
        row = queries.latest_report(session, device.id)
        if row is None:
            raise ApiError(404, "not_found", f"device {device_id} has no report")
        verification = verify_stored(session, row)
        if not verification["valid"]:
            raise ApiError(409, "report_invalid",
                           f"latest report {row.uuid} does not verify: {verification['reason']}")
        cert = public_link("pages.certificate", rid=UUID(row.uuid))
        agent = (verification["report"].get("agent") or {}).get("version") or "0"
        doc = glpi_inventory(verification["report"], certificate_url=cert, version=str(agent))
        resp = jsonify(doc)
        resp.headers["Content-Disposition"] = (
            f'attachment; filename="deuxvie-device-{device_id}-glpi.json"')
        return resp


@bp.get("/api/v1/donors/<donor_id>/ledger")
@admin_required
def donor_ledger(donor_id: str) -> Response:
    with sessions()() as session:
        if session.get(queries.Donor, donor_id) is None:
            raise ApiError(404, "not_found", f"no donor {donor_id!r}")
        return jsonify({"donor_id": donor_id, **queries.donor_ledger(session, donor_id).as_dict()})


WRITERS = (accounts.OPERATOR, accounts.WORKSHOP_ADMIN, accounts.NETWORK_ADMIN)


def _write_session() -> AbstractContextManager[Session]:
    """A write transaction on the ingest writer path (BEGIN IMMEDIATE on SQLite, the writer
    queue), so a decision racing a report upload waits instead of failing (issue 11 item 5)."""
    return writing()


@bp.post("/api/v1/lots")
@api_auth(*WRITERS)
def create_lot(who: Principal) -> tuple[Response, int]:
    data = _json_object()
    with _write_session() as session:
        lot = intake.create_lot(session, who, data)
        body = queries.lot_json(lot)
    return jsonify(body), 201


@bp.post("/api/v1/lots/<lot_id>/items")
@api_auth(*WRITERS)
def add_items(lot_id: str, who: Principal) -> tuple[Response, int]:
    csv_body = read_body() if request.mimetype == "text/csv" else None
    data = _json_object() if csv_body is None else {}
    with _write_session() as session:
        items = (intake.add_items(session, who, lot_id, data) if csv_body is None
                 else intake.add_items_csv(session, who, lot_id, csv_body))
        lot = session.get(intake.Lot, lot_id)
        body = {"lot_id": lot_id, "count": len(items),
                "items": [intake.item_json(i, lot) for i in items]}
    return jsonify(body), 201


@bp.get("/api/v1/items/<int:item_id>")
@api_auth()
def get_item(item_id: int, who: Principal) -> Response:
    with sessions()() as session:
        item, lot = intake.readable_item(session, who, item_id)
        body = intake.item_json(item, lot)
        body["history"] = intake.history_json(session, item)
        if item.category in intake.DATA_BEARING:
            body["erasure"] = intake.erasure_evidence(session, item).as_dict()
    return jsonify(body)


@bp.post("/api/v1/items/<int:item_id>/decisions")
@api_auth(*WRITERS)
def decide(item_id: int, who: Principal) -> tuple[Response, int]:
    data = _json_object()
    with _write_session() as session:
        event = intake.decide(session, who, item_id, data)
        item, lot = intake.readable_item(session, who, item_id)
        body = intake.item_json(item, lot)
        body["decision"] = {"from": event.from_state, "to": event.to_state,
                            "reason": event.reason, "by": event.actor}
    return jsonify(body), 201


@bp.post("/api/v1/packs")
@api_auth(*WRITERS)
def create_pack(who: Principal) -> tuple[Response, int]:
    data = _json_object()
    with _write_session() as session:
        pack = intake.create_pack(session, who, data)
        items = session.scalars(select(intake.Item).where(intake.Item.pack_id == pack.id)
                                .order_by(intake.Item.id)).all()
        body = {"id": pack.id, "workshop_id": pack.workshop_id, "note": pack.note,
                "items": [i.id for i in items], "state": intake.IN_PACK}
    return jsonify(body), 201


@bp.post("/api/v1/packs/<int:pack_id>/distribution")
@api_auth(*WRITERS)
def distribute(pack_id: int, who: Principal) -> tuple[Response, int]:
    data = _json_object()
    with _write_session() as session:
        dist = intake.distribute(session, who, pack_id, data)
        body = {"id": dist.id, "pack_id": dist.pack_id, "structure": dist.structure,
                "date": dist.date.isoformat(), "pseudonymous_ref": dist.pseudonymous_ref,
                "criterion": dist.criterion}
    return jsonify(body), 201


@bp.post("/api/v1/weee-batches")
@api_auth(*WRITERS)
def create_weee_batch(who: Principal) -> tuple[Response, int]:
    data = _json_object()
    with _write_session() as session:
        batch = intake.create_weee_batch(session, who, data)
        n = len(session.scalars(select(intake.Item.id).where(
            intake.Item.weee_batch_id == batch.id)).all())
        body = {"id": batch.id, "workshop_id": batch.workshop_id,
                "organisation": batch.organisation, "slip_number": batch.slip_number,
                "date": batch.date.isoformat(), "weights_kg": json.loads(batch.weights_kg),
                "total_kg": batch.total_kg, "items": n}
    return jsonify(body), 201


def year_arg() -> int:
    raw = request.args.get("year", "")
    if not (raw.isascii() and raw.isdigit() and len(raw) == 4 and 2000 <= int(raw) <= 2100):
        raise ApiError(400, "bad_query", "year=YYYY (2000..2100) is required")
    return int(raw)


def bilan_scope(session: Session, who: Principal, donor_id: str, year: int) -> bilan.Scope:
    """The part of a donor's balance the caller may see (403 / 404 as due)."""
    if not who.may_read_donor(donor_id):
        raise ApiError(403, "forbidden", "a donor_viewer sees its own donor only")
    if len(donor_id) > 128 or session.get(queries.Donor, donor_id) is None:
        raise ApiError(404, "not_found", f"no donor {donor_id!r}")
    workshop = who.workshop_filter()
    if workshop is None and who.is_network_admin:
        asked = request.args.get("workshop")
        workshop = asked[:64] if asked else None
    territory = request.args.get("territory") or None
    if territory is not None and len(territory) > 200:
        raise ApiError(400, "bad_query", "territory: at most 200 characters")
    return bilan.Scope(year=year, donor_id=donor_id, workshop_id=workshop, territory=territory)


@bp.get("/api/v1/donors/<donor_id>/bilan")
@api_auth()
def donor_bilan(donor_id: str, who: Principal) -> Response:
    year = year_arg()
    with sessions()() as session:
        return jsonify(bilan.balance(session, bilan_scope(session, who, donor_id, year)))


def certificate_reader(row: Report) -> Principal | None:
    """Who may read the full envelope of this report: network admins, the admins of the
    workshop whose station signed it (or whose lot it is), and a donor_viewer of the
    report's donor (issue 11 item 14). Session cookie (pages) or Bearer header."""
    who = page_principal()
    if who is None:
        return None
    if who.is_network_admin:
        return who
    if who.role == accounts.WORKSHOP_ADMIN and who.workshop_id is not None:
        # its own workshop's reports: the signing station's, or the lot's
        with sessions()() as session:
            station = session.get(Station, row.station_id)
            lot = session.get(Lot, row.lot_id) if row.lot_id else None
            owners = {station.workshop_id if station else None,
                      lot.workshop_id if lot else None}
        return who if who.workshop_id in owners else None
    if who.role == accounts.DONOR_VIEWER and row.donor_id and who.donor_id == row.donor_id:
        return who
    return None


def _require_reader(row: Report) -> Principal:
    if page_principal() is None:
        raise ApiError(401, "unauthorized", "log in, or send a Bearer token")
    who = certificate_reader(row)
    if who is None:
        raise ApiError(403, "forbidden", "the full envelope is for admins and its donor")
    return who


def signed_public_view(session: Session, row: Report) -> dict[str, Any]:
    verification = verify_stored(session, row)
    report = verification.pop("report") or {}
    key = service_key.of_app(current_app.extensions["deuxvie"])
    return public_view.sign(key, public_view.view(row.uuid, report, verification,
                                                  row.payload_sha256))


@bp.get("/c/<uuid:rid>.json")
def envelope(rid: UUID) -> Response:
    """The public view, signed by the service (ADR 0048): no private field of the report."""
    with sessions()() as session:
        row = session.get(Report, str(rid))
        if row is None:
            raise ApiError(404, "not_found", f"no report {rid}")
        doc = signed_public_view(session, row)
    resp = Response(json.dumps(doc, indent=1, ensure_ascii=False) + "\n",
                    mimetype="application/json")
    resp.headers["Content-Disposition"] = f'attachment; filename="deuxvie-{rid}.public.json"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/c/<uuid:rid>/full.json")
def full_envelope(rid: UUID) -> Response:
    """The DSSE envelope as received (re-verifiable with the station's key): admins and
    the report's donor only."""
    with sessions()() as session:
        row = session.get(Report, str(rid))
        if row is None:
            raise ApiError(404, "not_found", f"no report {rid}")
        _require_reader(row)
        resp = Response(row.envelope, mimetype="application/json")
        resp.headers["Content-Disposition"] = f'attachment; filename="deuxvie-{rid}.json"'
        resp.headers["Cache-Control"] = "no-store"
        return resp


def check_serial_answer(session: Session, row: Report, serial: str) -> bool:
    """Does `serial` belong to this report? Rate-limited per client and certificate."""
    limiter: RateLimit = current_app.extensions["deuxvie"]["serial_check_limit"]
    if not limiter.allow(f"{request.remote_addr}|{row.uuid}"):
        raise ApiError(429, "rate_limited", "too many serial checks: wait a minute")
    report = verify_stored(session, row).get("report") or {}
    return public_view.serial_belongs(report, serial)


@bp.get("/c/<uuid:rid>/check-serial")
def check_serial(rid: UUID) -> Response:
    """"Does serial X belong to this certificate?" yes/no, for this certificate only."""
    serial = request.args.get("serial", "")
    if not serial.strip() or len(serial) > 128:
        raise ApiError(400, "bad_query", "serial=<1..128 characters>")
    with sessions()() as session:
        row = session.get(Report, str(rid))
        if row is None:
            raise ApiError(404, "not_found", f"no report {rid}")
        belongs = check_serial_answer(session, row, serial)
    resp = jsonify({"uuid": str(rid), "belongs": belongs})
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/c/<uuid:rid>/key")
def signer_key(rid: UUID) -> Response:
    """The public key of the station that signed this report, so anyone holding the QR link
    holding the full envelope (/c/<uuid>/full.json) can check it themselves (DSSE PAE +
    Ed25519) without trusting this page."""
    with sessions()() as session:
        row = session.get(Report, str(rid))
        station = session.get(Station, row.station_id) if row is not None else None
        if row is None or station is None:
            raise ApiError(404, "not_found", f"no report {rid}")
        return jsonify({
            "station_id": station.id,
            "key_id": station.key_id,
            "public_key": station.public_key_b64,
            "algorithm": "ed25519",
            "revoked_at": station.revoked_at.isoformat() if station.revoked_at else None,
        })
