"""Issue 11 item 12: after /login the browser goes to a path on this site only, whatever
`next` holds (browsers drop tabs/newlines and read "\\" as "/")."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest
from deuxvie_server.redirects import safe_next
from flask.testing import FlaskClient
from server_helpers import ADMIN
from test_api_pages import login_csrf

OFF_SITE = [
    "/\t/127.0.0.1:18999/", "/\n/evil.example", "/\r\n/evil.example/x", "//x", "///x",
    "/\\x", "\\\\x", "/\\/x", "https:x", "https://evil.example", "http:/evil.example",
    "javascript:alert(1)", " //x", "\t//x", "//x@y", "/./\\x", "/..//x", "//%09/x",
    "data:text/html,x", "x", "", "\x00/x", "/\x01/x",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_login_never_redirects_off_site(client: FlaskClient, target: str) -> None:
    # the login form needs its CSRF token (issue 14: every form)
    resp = client.post("/login", data={"token": ADMIN, "next": target,
                                       "csrf_token": login_csrf(client)})
    assert resp.status_code in (302, 303), resp.status_code
    landed = urljoin("http://localhost/login", resp.headers["Location"])
    parts = urlsplit(landed)
    assert (parts.scheme, parts.netloc) == ("http", "localhost"), landed
    # what a browser would do with the Location header: same origin too
    loc = resp.headers["Location"].replace("\\", "/")
    assert not loc.startswith("//") and "\t" not in loc and "\n" not in loc


@pytest.mark.parametrize(("target", "want"), [
    ("/devices?q=T440", "/devices?q=T440"), ("/lots/LOT-42", "/lots/LOT-42"),
    ("/devices/", "/devices/"), ("/a/../devices", "/devices"), (None, "/"),
])
def test_on_site_targets_are_kept(target: str | None, want: str) -> None:
    assert safe_next(target) == want


def test_login_page_does_not_echo_an_off_site_next(client: FlaskClient) -> None:
    page = client.get("/login?next=//evil.example/").get_data(as_text=True)
    assert "evil.example" not in page
