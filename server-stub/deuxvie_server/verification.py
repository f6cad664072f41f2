"""Re-verify a stored report (certificate page, PDF hook, API): the database is not trusted,
the station's signature is. A row edited in the database, or an envelope swapped for
another genuine one, shows INVALID."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from deuxvie import wire
from sqlalchemy.orm import Session

from deuxvie_server.models import Report, Station


def verify_stored(session: Session, row: Report) -> dict[str, Any]:
    """{valid, reason, keyid, station_id, station_revoked_at, checked_at, report}.
    `report` is the payload (dict) when it could be decoded, valid or not."""
    station = session.get(Station, row.station_id)
    out: dict[str, Any] = {
        "valid": False,
        "reason": None,
        "keyid": None,
        "station_id": row.station_id,
        "station_revoked_at": None,
        "checked_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "report": None,
    }
    if station is None:
        out["reason"] = "unknown_station"
        return out
    if station.revoked_at is not None:
        # Reports accepted before the revocation keep their signature; the page says when
        # the key was revoked so a reader can weigh it (ADR 0042).
        out["station_revoked_at"] = station.revoked_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        envelope = json.loads(row.envelope)
        raw = json.loads(_payload_bytes(envelope))
        out["report"] = raw if isinstance(raw, dict) else None
    except (ValueError, UnicodeDecodeError):
        out["reason"] = "malformed_envelope"
        return out
    try:
        key: Ed25519PublicKey = wire.public_key_from_b64(station.public_key_b64)
    except wire.EnvelopeError:
        # a small-order key stored before enrolment refused them (wire/edpoint.py)
        out["reason"] = "bad_public_key"
        return out

    def lookup(kid: str) -> Ed25519PublicKey | None:
        return key if kid == station.key_id else None

    try:
        verified = wire.verify(envelope, lookup)
    except wire.WireError as exc:
        out["reason"] = exc.code
        return out
    out["keyid"] = verified.keyid
    report = out["report"]
    if report is None or report.get("uuid") != row.uuid:
        out["reason"] = "uuid_mismatch"
        return out
    if wire.report_errors(report):
        out["reason"] = "schema_invalid"
        return out
    dev = report["device"]
    if wire.device_identity_hash(dev["vendor"], dev["model"], dev["serial"],
                                 dev["chassis_type"], dev["macs"]) != dev["identity_hash"]:
        out["reason"] = "identity_mismatch"
        return out
    out["valid"] = True
    return out


def _payload_bytes(envelope: Any) -> bytes:
    if not isinstance(envelope, dict) or not isinstance(envelope.get("payload"), str):
        raise ValueError("no payload")
    try:
        return base64.b64decode(envelope["payload"], validate=True)
    except binascii.Error as exc:
        raise ValueError("payload is not base64") from exc
