"""Users, sessions, CSRF, per-user API tokens (issue 14; issue 11 item 13) and the 0002
migration keeping what a 0001 database holds. Both backends."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys

import factories
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from deuxvie import wire
from deuxvie_server import accounts
from deuxvie_server.app import create_app
from deuxvie_server.config import Config
from deuxvie_server.db import current_revision, make_engine, upgrade
from deuxvie_server.models import AdminToken, WebSession
from deuxvie_server.security import token_hash
from flask import Flask
from flask.testing import FlaskClient
from server_helpers import ADMIN, admin_headers
from sqlalchemy import text

PASSWORD = "correct horse battery"


def make_user(app: Flask, username: str, role: str, workshop: str | None = None,
              donor: str | None = None) -> None:
    with app.extensions["deuxvie"]["sessions"].begin() as session:
        if workshop and session.get(accounts.Workshop, workshop) is None:
            accounts.create_workshop(session, workshop, f"Atelier {workshop}")
        accounts.create_user(session, username, PASSWORD, role, workshop, donor)


def form_csrf(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page[:500]
    return found.group(1)


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> int:
    csrf = form_csrf(client)
    resp = client.post("/login", data={"username": username, "password": password,
                                       "next": "/", "csrf_token": csrf})
    return resp.status_code


def test_passwords_are_scrypt_hashed_and_checked() -> None:
    stored = accounts.hash_password(PASSWORD)
    assert stored.startswith("scrypt$16384$8$1$") and PASSWORD not in stored
    assert accounts.check_password(stored, PASSWORD)
    assert not accounts.check_password(stored, PASSWORD + "!")
    assert not accounts.check_password("garbage", PASSWORD)
    assert accounts.hash_password(PASSWORD) != stored  # salted


def test_login_cookie_is_a_server_side_session_and_logout_ends_it(
        app: Flask, client: FlaskClient) -> None:
    make_user(app, "alice", accounts.NETWORK_ADMIN)
    assert login(client, "alice", "wrong password") == 401
    assert login(client, "nobody") == 401
    assert login(client, "alice") == 302
    cookie = client.get_cookie("deuxvie_session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Strict"
    assert not cookie.secure  # plain http here; see the https test
    assert PASSWORD not in cookie.value and ADMIN not in cookie.value
    with app.extensions["deuxvie"]["sessions"]() as session:
        row = session.get(WebSession, token_hash(cookie.value))
        assert row is not None and row.role == accounts.NETWORK_ADMIN
    assert client.get("/devices").status_code == 200
    # logout is a form: without its CSRF token it is refused
    assert client.post("/logout").status_code == 403
    page = client.get("/devices").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf
    assert client.post("/logout", data={"csrf_token": csrf.group(1)}).status_code == 302
    # the old cookie value no longer opens anything, even replayed
    client.set_cookie("deuxvie_session", cookie.value)
    resp = client.get("/devices")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_bootstrap_token_login_holds_no_token_in_the_cookie(client: FlaskClient) -> None:
    csrf = form_csrf(client)
    resp = client.post("/login", data={"token": ADMIN, "next": "/", "csrf_token": csrf})
    assert resp.status_code == 302
    cookie = client.get_cookie("deuxvie_session")
    assert cookie is not None and ADMIN not in cookie.value


def test_session_cookie_is_secure_over_https(app: Flask) -> None:
    client = app.test_client()
    page = client.get("/login", base_url="https://deuxvie.example")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert csrf
    resp = client.post("/login", base_url="https://deuxvie.example",
                       data={"token": ADMIN, "next": "/", "csrf_token": csrf.group(1)})
    assert resp.status_code == 302
    assert "Secure" in resp.headers["Set-Cookie"] and "HttpOnly" in resp.headers["Set-Cookie"]


def test_login_form_refuses_a_missing_or_foreign_csrf_token(client: FlaskClient) -> None:
    form_csrf(client)
    assert client.post("/login", data={"token": ADMIN}).status_code == 403
    assert client.post("/login", data={"token": ADMIN, "csrf_token": "x" * 43}
                       ).status_code == 403


def test_api_tokens_per_user_expire_list_and_revoke(app: Flask, client: FlaskClient) -> None:
    make_user(app, "bob", accounts.OPERATOR, workshop="w1")
    make_user(app, "carol", accounts.OPERATOR, workshop="w1")
    with app.extensions["deuxvie"]["sessions"].begin() as session:
        uid = session.scalar(text("SELECT id FROM users WHERE username = 'bob'"))
        bob, _ = accounts.create_token(session, uid, "bob's laptop")
        short, row = accounts.create_token(session, uid, "short", dt.timedelta(minutes=1))
        short_id = row.token_id
        cid = session.scalar(text("SELECT id FROM users WHERE username = 'carol'"))
        carol, _ = accounts.create_token(session, cid)
    hb = {"Authorization": f"Bearer {bob}"}
    # bob makes a second token through the API, sees only his own
    made = client.post("/api/v1/admin-tokens", json={"note": "script", "ttl_days": 7},
                       headers=hb)
    assert made.status_code == 201
    body = made.get_json()
    assert body["user"] == "bob" and body["token"].startswith("dv_")
    expires = dt.datetime.fromisoformat(body["expires_at"])
    assert dt.timedelta(days=6) < expires - dt.datetime.now(dt.UTC) <= dt.timedelta(days=7)
    listed = client.get("/api/v1/admin-tokens", headers=hb).get_json()["items"]
    assert {t["note"] for t in listed} == {"bob's laptop", "short", "script"}
    assert all(body["token"] not in json.dumps(t) for t in listed)  # shown once
    # an operator cannot use the registry routes, nor revoke carol's token
    assert client.get("/api/v1/stations", headers=hb).status_code == 403
    carol_id = token_hash(carol)[:16]
    assert client.post(f"/api/v1/admin-tokens/{carol_id}/revoke", headers=hb
                       ).status_code == 404
    # revoke: the token stops working at once
    assert client.post(f"/api/v1/admin-tokens/{body['id']}/revoke", headers=hb
                       ).get_json()["revoked_at"]
    assert client.get("/api/v1/admin-tokens", headers={
        "Authorization": f"Bearer {body['token']}"}).status_code == 401
    # expiry: push the short one into the past
    with app.extensions["deuxvie"]["sessions"].begin() as session:
        tok = session.scalars(__import__("sqlalchemy").select(AdminToken).where(
            AdminToken.token_sha256.like(short_id + "%"))).one()
        tok.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    assert client.get("/api/v1/admin-tokens", headers={
        "Authorization": f"Bearer {short}"}).status_code == 401
    # a network admin sees every token
    everyone = client.get("/api/v1/admin-tokens", headers=admin_headers()).get_json()["items"]
    assert {t["user"] for t in everyone} >= {"bob", "carol"}


def test_cli_lists_and_revokes_tokens(db_url: str) -> None:
    cli = [sys.executable, "-m", "deuxvie_server.cli"]
    token = subprocess.run([*cli, "admin-token", "create", "--db", db_url, "--note", "ci",
                            "--ttl-days", "3"], capture_output=True, text=True, check=True
                           ).stdout.strip()
    listing = subprocess.run([*cli, "admin-token", "list", "--db", db_url],
                             capture_output=True, text=True, check=True).stdout
    tid = token_hash(token)[:16]
    assert tid in listing and "ci" in listing and token not in listing
    out = subprocess.run([*cli, "admin-token", "revoke", "--db", db_url, tid],
                         capture_output=True, text=True, check=True).stdout
    assert "revoked" in out
    app = create_app(Config(db_url=db_url))
    resp = app.test_client().get("/api/v1/stations",
                                 headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 401
    app.extensions["deuxvie"]["engine"].dispose()


def test_migration_from_0001_keeps_reports_and_old_admin_tokens(db_url: str) -> None:
    """A database made by the previous release: its reports still verify and its admin
    token still works (as network_admin, now with an expiry)."""
    engine = make_engine(db_url)
    upgrade(engine, "0001")
    key = Ed25519PrivateKey.generate()
    report = factories.make_report(key=key)
    env = wire.sign_report(report, key)
    old_token = "dv_old-admin-token-from-0001"
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO stations (id, key_id, public_key_b64, enrolled_at) "
                          "VALUES (:i, :k, :p, :t)"),
                     {"i": "atelier-lyon-1", "k": wire.key_id(key.public_key()),
                      "p": wire.public_key_b64(key.public_key()), "t": now})
        conn.execute(text("INSERT INTO devices (identity_hash, first_seen) VALUES ('h1', :t)"),
                     {"t": now})
        dev = conn.execute(text("SELECT id FROM devices")).scalar_one()
        conn.execute(text("INSERT INTO donors (id, name) VALUES ('D-2026-014', 'Mairie')"))
        conn.execute(text("INSERT INTO lots (id, donor_id) VALUES ('LOT-42', 'D-2026-014')"))
        conn.execute(text(
            "INSERT INTO reports (uuid, device_id, station_id, key_id, created_at, "
            "received_at, envelope, payload_sha256, operator, organisation, donor_id, lot_id, "
            "ledger_state) VALUES (:u, :d, 'atelier-lyon-1', :k, :c, :t, :e, 'x', 'Camille', "
            "'Atelier', 'D-2026-014', 'LOT-42', 'refurbished')"),
            {"u": report["uuid"], "d": dev, "k": wire.key_id(key.public_key()),
             "c": report["created_at"], "t": now, "e": json.dumps(env)})
        conn.execute(text("INSERT INTO admin_tokens (token_sha256, note, created_at) "
                          "VALUES (:h, 'old', :t)"), {"h": token_hash(old_token), "t": now})
    engine.dispose()
    app = create_app(Config(db_url=db_url))  # migrates to head
    try:
        assert current_revision(app.extensions["deuxvie"]["engine"]) == "0003"
        client = app.test_client()
        page = client.get(f"/c/{report['uuid']}?lang=en").get_data(as_text=True)
        assert "VALID" in page and "INVALID" not in page
        h = {"Authorization": f"Bearer {old_token}"}
        listed = client.get("/api/v1/reports", headers=h).get_json()
        assert [r["uuid"] for r in listed["items"]] == [report["uuid"]]
        tokens = client.get("/api/v1/admin-tokens", headers=h).get_json()["items"]
        assert tokens[0]["note"] == "old" and tokens[0]["expires_at"] is not None
        # the lot gained its intake columns, empty
        assert client.get("/api/v1/donors/D-2026-014/ledger", headers=h
                          ).get_json()["received"] == 1
    finally:
        app.extensions["deuxvie"]["engine"].dispose()
