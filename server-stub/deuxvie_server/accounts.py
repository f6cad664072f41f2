"""Users, roles, browser sessions and per-user API tokens (issue 14; issue 11 item 13).

Passwords: hashlib.scrypt (RFC 7914), n=2**14 r=8 p=1 — OWASP's Password Storage Cheat
Sheet minimum for scrypt, ~16 MiB and ~50 ms a check here — stored with their parameters so
they can be raised later. No new dependency: scrypt is in the standard library (ADR 0047).
Sessions and tokens are random strings stored as SHA-256 (security.token_hash): the
database alone opens nothing.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from deuxvie_server.errors import ApiError
from deuxvie_server.models import AdminToken, User, WebSession, Workshop, utcnow

# the role names live in roles.py (the CLI's parser needs them alone); callers keep
# reading them here (accounts.OPERATOR)
from deuxvie_server.roles import (
    DEFAULT_TOKEN_TTL,
    DONOR_VIEWER,
    NETWORK_ADMIN,
    OPERATOR,  # noqa: F401
    ROLES,
    WORKSHOP_ADMIN,  # noqa: F401
    WORKSHOP_ROLES,
)
from deuxvie_server.security import new_token, token_hash

SESSION_TTL = dt.timedelta(hours=8)
MAX_TOKEN_TTL = dt.timedelta(days=366)
USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MIN_PASSWORD = 10


@dataclass(frozen=True)
class Principal:
    """Who is asking: a user (or the bootstrap token, user_id None) with one role."""

    name: str
    role: str
    user_id: int | None = None
    workshop_id: str | None = None
    donor_id: str | None = None

    @property
    def is_network_admin(self) -> bool:
        return self.role == NETWORK_ADMIN

    def may_write_workshop(self, workshop_id: str | None) -> bool:
        if self.role == NETWORK_ADMIN:
            return True
        return self.role in WORKSHOP_ROLES and workshop_id is not None \
            and workshop_id == self.workshop_id

    def may_read_donor(self, donor_id: str) -> bool:
        if self.role == DONOR_VIEWER:
            return donor_id == self.donor_id
        return True  # workshop roles read their own workshop's part (queries filter)

    def workshop_filter(self) -> str | None:
        """The workshop a query must be restricted to (None: all)."""
        return self.workshop_id if self.role in WORKSHOP_ROLES else None


BOOTSTRAP = Principal(name="bootstrap", role=NETWORK_ADMIN)


def _aware(ts: dt.datetime) -> dt.datetime:
    return ts if ts.tzinfo else ts.replace(tzinfo=dt.UTC)


# -- passwords ---------------------------------------------------------------------------

def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                            dklen=32)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def check_password(stored: str | None, password: str) -> bool:
    if not stored:
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        want = base64.b64decode(digest)
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n),
                             r=int(r), p=int(p), dklen=len(want), maxmem=128 * 2**20)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, want)


# A fixed hash to check against when the user does not exist: the answer takes as long
# as for a real user, so timing does not tell which usernames exist.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(12))


# -- users and workshops -----------------------------------------------------------------

def create_workshop(session: Session, workshop_id: str, name: str,
                    territory: str | None = None) -> Workshop:
    if not USERNAME_RE.match(workshop_id) or len(workshop_id) > 64:
        raise ApiError(422, "bad_workshop_id", "workshop id: letters, digits, . _ - @ (max 64)")
    if session.get(Workshop, workshop_id) is not None:
        raise ApiError(409, "workshop_exists", f"workshop {workshop_id!r} exists")
    ws = Workshop(id=workshop_id, name=name, territory=territory)
    session.add(ws)
    return ws


def create_user(session: Session, username: str, password: str, role: str,
                workshop_id: str | None = None, donor_id: str | None = None) -> User:
    if not USERNAME_RE.match(username):
        raise ApiError(422, "bad_username", "username: letters, digits, . _ - @ (max 100)")
    if role not in ROLES:
        raise ApiError(422, "bad_role", f"role is one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise ApiError(422, "weak_password", f"password: at least {MIN_PASSWORD} characters")
    if role in WORKSHOP_ROLES and not workshop_id:
        raise ApiError(422, "workshop_required", f"a {role} belongs to a workshop")
    if role == DONOR_VIEWER and not donor_id:
        raise ApiError(422, "donor_required", "a donor_viewer sees one donor")
    if workshop_id and session.get(Workshop, workshop_id) is None:
        raise ApiError(404, "not_found", f"no workshop {workshop_id!r}")
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise ApiError(409, "user_exists", f"user {username!r} exists")
    user = User(username=username, password_hash=hash_password(password), role=role,
                workshop_id=workshop_id if role in WORKSHOP_ROLES else None,
                donor_id=donor_id if role == DONOR_VIEWER else None)
    session.add(user)
    session.flush()
    return user


def principal_of(user: User) -> Principal:
    return Principal(name=user.username, role=user.role, user_id=user.id,
                     workshop_id=user.workshop_id, donor_id=user.donor_id)


def authenticate(session: Session, username: str, password: str) -> Principal | None:
    user = session.scalar(select(User).where(User.username == username))
    if user is None or user.disabled_at is not None:
        check_password(_DUMMY_HASH, password)
        return None
    return principal_of(user) if check_password(user.password_hash, password) else None


# -- browser sessions --------------------------------------------------------------------

def open_session(session: Session, who: Principal) -> tuple[str, str]:
    """(cookie value, CSRF token) of a new session."""
    sid = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    session.add(WebSession(id_sha256=token_hash(sid), user_id=who.user_id, role=who.role,
                           csrf_token=csrf, expires_at=utcnow() + SESSION_TTL))
    return sid, csrf


def session_principal(session: Session, sid: str) -> tuple[Principal, str] | None:
    """(principal, CSRF token) of a live session, else None."""
    row = session.get(WebSession, token_hash(sid))
    if row is None or row.ended_at is not None or _aware(row.expires_at) < utcnow():
        return None
    if row.user_id is None:
        return BOOTSTRAP, row.csrf_token
    user = session.get(User, row.user_id)
    if user is None or user.disabled_at is not None:
        return None
    return principal_of(user), row.csrf_token


def end_session(session: Session, sid: str) -> None:
    row = session.get(WebSession, token_hash(sid))
    if row is not None and row.ended_at is None:
        row.ended_at = utcnow()


# -- API tokens --------------------------------------------------------------------------

def create_token(session: Session, user_id: int | None, note: str | None = None,
                 ttl: dt.timedelta = DEFAULT_TOKEN_TTL) -> tuple[str, AdminToken]:
    if not dt.timedelta(minutes=1) <= ttl <= MAX_TOKEN_TTL:
        raise ApiError(422, "bad_ttl", "a token lives between 1 minute and 366 days")
    token = new_token()
    row = AdminToken(token_sha256=token_hash(token), note=note, user_id=user_id,
                     expires_at=utcnow() + ttl)
    session.add(row)
    session.flush()
    return token, row


def token_principal(session: Session, token: str) -> Principal | None:
    row = session.get(AdminToken, token_hash(token))
    if row is None or row.revoked_at is not None:
        return None
    if row.expires_at is not None and _aware(row.expires_at) < utcnow():
        return None
    if row.user_id is None:
        return BOOTSTRAP  # a token from before users existed (migration 0002)
    user = session.get(User, row.user_id)
    if user is None or user.disabled_at is not None:
        return None
    return principal_of(user)


def list_tokens(session: Session, user_id: int | None = None,
                everyone: bool = False) -> list[AdminToken]:
    stmt = select(AdminToken).order_by(AdminToken.created_at)
    if not everyone:
        stmt = stmt.where(AdminToken.user_id == user_id) if user_id is not None \
            else stmt.where(AdminToken.user_id.is_(None))
    return list(session.scalars(stmt))


def revoke_token(session: Session, token_id: str, who: Principal | None = None) -> AdminToken:
    """Revoke the token whose id (hash prefix) is `token_id`; `who` may revoke only its own
    unless it is a network_admin (None: the CLI, which has the database)."""
    if not re.fullmatch(r"[0-9a-f]{16}", token_id):
        raise ApiError(404, "not_found", f"no token {token_id!r}")
    rows = list(session.scalars(
        select(AdminToken).where(AdminToken.token_sha256.like(token_id + "%"))))
    if len(rows) != 1:
        raise ApiError(404, "not_found", f"no token {token_id!r}")
    row = rows[0]
    if who is not None and not who.is_network_admin and row.user_id != who.user_id:
        raise ApiError(404, "not_found", f"no token {token_id!r}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    return row


def token_json(row: AdminToken, username: str | None = None) -> dict[str, object]:
    return {
        "id": row.token_id,
        "user": username,
        "note": row.note,
        "created_at": _aware(row.created_at).isoformat(),
        "expires_at": _aware(row.expires_at).isoformat() if row.expires_at else None,
        "revoked_at": _aware(row.revoked_at).isoformat() if row.revoked_at else None,
    }
