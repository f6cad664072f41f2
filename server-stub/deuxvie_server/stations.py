"""Stations, enrolment tokens and admin tokens (used by the API and the CLI alike)."""

from __future__ import annotations

import datetime as dt
import re

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from deuxvie import wire
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from deuxvie_server import accounts
from deuxvie_server.errors import ApiError
from deuxvie_server.models import EnrolmentToken, Station, Workshop, utcnow
from deuxvie_server.security import new_token, token_hash

STATION_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
DEFAULT_TOKEN_TTL = dt.timedelta(days=7)


def create_enrolment_token(
    session: Session, note: str | None = None, ttl: dt.timedelta = DEFAULT_TOKEN_TTL,
    workshop_id: str | None = None,
) -> str:
    """A one-time token; the station it enrols belongs to `workshop_id` (issue 14)."""
    if workshop_id is not None and session.get(Workshop, workshop_id) is None:
        raise ApiError(404, "not_found", f"no workshop {workshop_id!r}")
    token = new_token()
    session.add(
        EnrolmentToken(token_sha256=token_hash(token), note=note, expires_at=utcnow() + ttl,
                       workshop_id=workshop_id)
    )
    return token


def set_workshop(session: Session, station_id: str, workshop_id: str | None) -> Station:
    """Move a station to a workshop (admin): its later reports land in that workshop."""
    station = session.get(Station, station_id) if len(station_id) <= 128 else None
    if station is None:
        raise ApiError(404, "not_found", f"no station {station_id!r}")
    if workshop_id is not None and session.get(Workshop, workshop_id) is None:
        raise ApiError(404, "not_found", f"no workshop {workshop_id!r}")
    station.workshop_id = workshop_id
    return station


def create_admin_token(session: Session, note: str | None = None,
                       user_id: int | None = None,
                       ttl: dt.timedelta = accounts.DEFAULT_TOKEN_TTL) -> str:
    """An API token of `user_id` (None: a network_admin token without a user, as
    `admin-token create` made before users existed); it expires after `ttl`."""
    token, _row = accounts.create_token(session, user_id, note, ttl)
    return token


def _aware(ts: dt.datetime) -> dt.datetime:
    # SQLite returns naive datetimes even for timezone=True columns; they were stored UTC.
    return ts if ts.tzinfo else ts.replace(tzinfo=dt.UTC)


def enrol(session: Session, token: str, station_id: str, public_key_b64: str) -> Station:
    """Register a station key with a one-time token. The token is consumed by a conditional
    UPDATE (used_at IS NULL), so two racing enrolments cannot both use it."""
    if not STATION_ID_RE.match(station_id):
        raise ApiError(422, "bad_station_id", "station id: letters, digits, . _ - (max 128)")
    try:
        key: Ed25519PublicKey = wire.public_key_from_b64(public_key_b64)
    except wire.EnvelopeError as exc:
        raise ApiError(422, "bad_public_key", str(exc)) from exc
    digest = token_hash(token)
    # FOR UPDATE (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers): racing
    # enrolments with one token wait here for the first to commit, then see it used,
    # instead of racing to insert the same station id (IntegrityError, a 500)
    row = session.get(EnrolmentToken, digest, with_for_update=True)
    if row is None:
        raise ApiError(403, "bad_token", "unknown enrolment token")
    if row.used_at is not None:
        raise ApiError(403, "token_used", "this enrolment token was already used")
    if _aware(row.expires_at) < utcnow():
        raise ApiError(403, "token_expired", "this enrolment token has expired")
    kid = wire.key_id(key)
    if session.get(Station, station_id) is not None:
        raise ApiError(409, "station_exists", f"station {station_id!r} is already enrolled")
    if session.scalar(select(Station).where(Station.key_id == kid)) is not None:
        raise ApiError(409, "key_exists", "this public key is already enrolled")
    station = Station(id=station_id, key_id=kid, public_key_b64=public_key_b64,
                      workshop_id=row.workshop_id)
    session.add(station)
    session.flush()
    consumed = session.execute(
        update(EnrolmentToken)
        .where(EnrolmentToken.token_sha256 == digest, EnrolmentToken.used_at.is_(None))
        .values(used_at=utcnow(), station_id=station_id)
    )
    if consumed.rowcount != 1:  # type: ignore[attr-defined]
        raise ApiError(403, "token_used", "this enrolment token was already used")
    return station


def revoke(session: Session, station_id: str) -> Station:
    station = session.get(Station, station_id, with_for_update=True)
    if station is None:
        raise ApiError(404, "not_found", f"no station {station_id!r}")
    if station.revoked_at is None:
        station.revoked_at = utcnow()
    return station
