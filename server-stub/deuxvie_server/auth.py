"""Who is asking. The API takes `Authorization: Bearer <token>` only (never the cookie: a
cross-site form cannot act with a logged-in browser); the pages take the session cookie
set by /login (a server-side session id, never a token) or the Bearer header.
The configured admin token (DEUXVIE_ADMIN_TOKEN) is the bootstrap network_admin, for a
first login and to create the first users. Open without auth: report ingest, enrolment
with a one-time token, the public certificate pages (issue 5)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, g, request

from deuxvie_server import accounts
from deuxvie_server.accounts import BOOTSTRAP, Principal
from deuxvie_server.errors import ApiError
from deuxvie_server.security import same

F = TypeVar("F", bound=Callable[..., Any])
COOKIE = "deuxvie_session"
CSRF_COOKIE = "deuxvie_csrf"  # double-submit token of the forms used before a session


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


def token_principal(token: str | None) -> Principal | None:
    if not token or len(token) > 200:
        return None
    ext = current_app.extensions["deuxvie"]
    configured = ext["config"].admin_token
    if configured and same(token, configured):
        return BOOTSTRAP
    with ext["sessions"]() as session:
        return accounts.token_principal(session, token)


def session_principal() -> tuple[Principal, str] | None:
    """(principal, CSRF token) of the browser session, cached on `g` for the request."""
    if "dv_session" not in g:
        sid = request.cookies.get(COOKIE)
        found = None
        if sid and len(sid) <= 100:
            with current_app.extensions["deuxvie"]["sessions"]() as session:
                found = accounts.session_principal(session, sid)
        g.dv_session = found
    result: tuple[Principal, str] | None = g.dv_session
    return result


def page_principal() -> Principal | None:
    """For the HTML pages: the session, else a Bearer header (scripts fetching a PDF)."""
    found = session_principal()
    if found is not None:
        return found[0]
    return token_principal(bearer_token())


def is_admin(token: str | None) -> bool:
    who = token_principal(token)
    return who is not None and who.is_network_admin


def api_principal(*roles: str) -> Principal:
    who = token_principal(bearer_token())
    if who is None:
        raise ApiError(401, "unauthorized", "a token is required (Authorization: Bearer)")
    if roles and who.role not in roles:
        raise ApiError(403, "forbidden", f"role {who.role} may not do this")
    return who


def api_auth(*roles: str) -> Callable[[F], F]:
    """The view gets the caller as keyword argument `who`."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return view(*args, who=api_principal(*roles), **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def admin_required(view: F) -> F:
    """The registry routes (stations, tokens, reports, devices): network_admin only."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        api_principal(accounts.NETWORK_ADMIN)
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
