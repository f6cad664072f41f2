"""Admin auth: `Authorization: Bearer <token>` (API, scripts) or the `deuxvie_admin` cookie set
by /login (browsers). Open without it: report ingest, enrolment with a one-time token, the
public certificate pages (issue 5)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, request

from deuxvie_server.errors import ApiError
from deuxvie_server.security import same
from deuxvie_server.stations import admin_token_known

F = TypeVar("F", bound=Callable[..., Any])
COOKIE = "deuxvie_admin"


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


def presented_token() -> str | None:
    """For the HTML pages (GET only): the header, else the login cookie."""
    return bearer_token() or request.cookies.get(COOKIE) or None


def is_admin(token: str | None) -> bool:
    if not token:
        return False
    ext = current_app.extensions["deuxvie"]
    configured = ext["config"].admin_token
    if configured and same(token, configured):
        return True
    with ext["sessions"]() as session:
        return admin_token_known(session, token)


def admin_required(view: F) -> F:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        # The API takes the header only, never the cookie: a cross-site form could not
        # revoke a station or mint tokens with a logged-in admin's browser (CSRF).
        if not is_admin(bearer_token()):
            raise ApiError(401, "unauthorized", "admin token required (Authorization: Bearer)")
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
