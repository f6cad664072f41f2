"""JSON API under /api/v1 (documented in openapi.json) and the public /c/<uuid>.json."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from typing import Any
from uuid import UUID

from deuxvie import wire
from deuxvie.wire.glpi import glpi_inventory
from flask import Blueprint, Response, current_app, jsonify, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from deuxvie_server import queries, service_key, stations
from deuxvie_server.auth import admin_required
from deuxvie_server.errors import ApiError
from deuxvie_server.ingest import ingest
from deuxvie_server.models import Device, Report, Station
from deuxvie_server.verification import verify_stored

bp = Blueprint("api", __name__)
MAX_PAGE = 500


def sessions() -> sessionmaker[Session]:
    sm: sessionmaker[Session] = current_app.extensions["deuxvie"]["sessions"]
    return sm


def _json_object() -> dict[str, Any]:
    raw = request.get_data(cache=False)
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
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
    data = _json_object()
    token = _str_field(data, "token")
    station_id = _str_field(data, "station_id")
    public_key = _str_field(data, "public_key")
    assert token and station_id and public_key
    with sessions().begin() as session:
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


@bp.post("/api/v1/stations/<station_id>/revoke")
@admin_required
def revoke_station(station_id: str) -> Response:
    with sessions().begin() as session:
        station = stations.revoke(session, station_id)
        body = queries.station_json(station)
    # this process stops trusting the key at once; other workers learn it from the write
    # transaction's revocation check (ingest.KeyCache)
    current_app.extensions["deuxvie"]["key_cache"].forget(station.key_id)
    return jsonify(body)


@bp.post("/api/v1/tokens")
@admin_required
def create_token() -> tuple[Response, int]:
    data = _json_object() if request.content_length else {}
    note = data.get("note")
    if note is not None and (not isinstance(note, str) or len(note) > 200):
        raise ApiError(422, "bad_field", "'note' must be a string of at most 200 characters")
    with sessions().begin() as session:
        token = stations.create_enrolment_token(session, note)
    return jsonify({"token": token}), 201


@bp.post("/api/v1/reports")
def post_report() -> tuple[Response, int]:
    body = request.get_data(cache=False)
    ext = current_app.extensions["deuxvie"]
    result = ingest(ext["engine"], ext["write_engine"], body, ext["write_lock"],
                    ext["key_cache"])
    status = "duplicate" if result.replay else "stored"
    url = url_for("pages.certificate", rid=UUID(result.uuid), _external=True)
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
        cert = url_for("pages.certificate", rid=UUID(row.uuid), _external=True)
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


@bp.get("/c/<uuid:rid>.json")
def envelope(rid: UUID) -> Response:
    """The DSSE envelope as received: anyone can re-verify it with the station's key."""
    with sessions()() as session:
        row = session.get(Report, str(rid))
        if row is None:
            raise ApiError(404, "not_found", f"no report {rid}")
        resp = Response(row.envelope, mimetype="application/json")
        resp.headers["Content-Disposition"] = f'attachment; filename="deuxvie-{rid}.json"'
        return resp


@bp.get("/c/<uuid:rid>/key")
def signer_key(rid: UUID) -> Response:
    """The public key of the station that signed this report, so anyone holding the QR link
    can check /c/<uuid>.json themselves (DSSE PAE + Ed25519) without trusting this page."""
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
