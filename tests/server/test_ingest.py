"""POST /api/v1/reports: verify, then parse, then validate, then store — or store nothing.
Every test runs on SQLite and PostgreSQL (conftest.db_url)."""

from __future__ import annotations

import base64
import copy
import json
import uuid
from collections.abc import Callable
from typing import Any

import factories
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from deuxvie import wire
from flask import Flask
from flask.testing import FlaskClient
from server_helpers import EMPTY, admin_headers, counts, enrol


def envelope(key: Ed25519PrivateKey, **kw: Any) -> dict[str, Any]:
    return wire.sign_report(factories.make_report(key=key, **kw), key)


def post(client: FlaskClient, body: bytes | dict[str, Any]) -> Any:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post("/api/v1/reports", data=data, content_type="application/json")


def test_valid_report_is_stored_in_every_table(
    app: Flask, client: FlaskClient, station_key: Ed25519PrivateKey
) -> None:
    env = envelope(station_key)
    resp = post(client, env)
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["status"] == "stored"
    rid = json.loads(base64.b64decode(env["payload"]))["uuid"]
    assert body["uuid"] == rid
    assert body["certificate_url"].endswith(f"/c/{rid}")
    assert counts(app) == {"reports": 1, "devices": 1, "erasure_records": 1, "donors": 1,
                           "lots": 1}
    # the stored envelope is served back byte-for-byte and still verifies
    served = client.get(f"/c/{rid}/full.json", headers=admin_headers()).get_json()
    assert served == env


def _tamper_payload(env: dict[str, Any]) -> None:
    report = json.loads(base64.b64decode(env["payload"]))
    report["erasure"][0]["bytes_verified"] -= 4096  # a fraud that would hide unread sectors
    env["payload"] = base64.b64encode(wire.canonical_json(report)).decode()


def _tamper_type(env: dict[str, Any]) -> None:
    env["payloadType"] = "application/vnd.deuxvie.report+json;version=2"


def _malformed_sig(env: dict[str, Any]) -> None:
    env["signatures"][0]["sig"] = "***"


REJECTIONS: list[tuple[str, Callable[[dict[str, Any]], None], int, str]] = [
    ("tampered payload", _tamper_payload, 400, "bad_signature"),
    ("tampered payloadType", _tamper_type, 415, "bad_payload_type"),
    ("malformed signature", _malformed_sig, 400, "bad_envelope"),
    ("no signatures", lambda e: e.update(signatures=[]), 400, "bad_envelope"),
]


@pytest.mark.parametrize(("name", "mutate", "status", "error"), REJECTIONS,
                         ids=[r[0] for r in REJECTIONS])
def test_tampered_envelopes_are_rejected_and_nothing_stored(
    app: Flask, client: FlaskClient, station_key: Ed25519PrivateKey, name: str,
    mutate: Callable[[dict[str, Any]], None], status: int, error: str,
) -> None:
    env = envelope(station_key)
    mutate(env)
    resp = post(client, env)
    assert resp.status_code == status, resp.get_json()
    assert resp.get_json()["error"] == error
    assert counts(app) == EMPTY


def test_wrong_key_is_rejected(app: Flask, client: FlaskClient,
                               station_key: Ed25519PrivateKey) -> None:
    # signed by another key but claiming the enrolled station's key id
    other = Ed25519PrivateKey.generate()
    env = envelope(station_key)
    forged = wire.sign(base64.b64decode(env["payload"]), other)
    forged["signatures"][0]["keyid"] = env["signatures"][0]["keyid"]
    resp = post(client, forged)
    assert resp.status_code == 400 and resp.get_json()["error"] == "bad_signature"
    assert counts(app) == EMPTY


def test_unknown_station_is_rejected(app: Flask, client: FlaskClient,
                                     station_key: Ed25519PrivateKey) -> None:
    stranger = Ed25519PrivateKey.generate()
    resp = post(client, envelope(stranger))
    assert resp.status_code == 403 and resp.get_json()["error"] == "unknown_key"
    assert counts(app) == EMPTY


def test_revoked_station_is_rejected(app: Flask, client: FlaskClient,
                                     station_key: Ed25519PrivateKey) -> None:
    resp = client.post("/api/v1/stations/atelier-lyon-1/revoke", headers=admin_headers())
    assert resp.status_code == 200 and resp.get_json()["revoked_at"]
    resp = post(client, envelope(station_key))
    assert resp.status_code == 403 and resp.get_json()["error"] == "revoked_key"
    assert counts(app) == EMPTY


def test_report_naming_another_station_is_rejected(app: Flask, client: FlaskClient) -> None:
    key_a = enrol(app, "station-a")
    enrol(app, "station-b")
    # A signs a report claiming to come from B: the signature holds, the claim does not.
    env = envelope(key_a, station_id="station-b")
    resp = post(client, env)
    assert resp.status_code == 403 and resp.get_json()["error"] == "station_mismatch"
    assert counts(app) == EMPTY


@pytest.mark.parametrize("body", [b"{not json", b"", b"[]", b"\xff\xfe", b'"x"'])
def test_malformed_json_is_rejected(app: Flask, client: FlaskClient, body: bytes) -> None:
    resp = post(client, body)
    assert resp.status_code == 400
    assert resp.get_json()["error"] in ("malformed_json", "bad_envelope")
    assert counts(app) == EMPTY


def test_signed_non_json_payload_is_rejected(app: Flask, client: FlaskClient,
                                             station_key: Ed25519PrivateKey) -> None:
    resp = post(client, wire.sign(b"\x00not json", station_key))
    assert resp.status_code == 400 and resp.get_json()["error"] == "malformed_payload"
    assert counts(app) == EMPTY


def test_schema_invalid_payload_is_rejected_with_details(
    app: Flask, client: FlaskClient, station_key: Ed25519PrivateKey
) -> None:
    report = factories.make_report(key=station_key)
    report["erasure"][0]["status"] = "WIPED"
    del report["grade"]["verdict"]
    resp = post(client, wire.sign_report(report, station_key))
    assert resp.status_code == 422
    body = resp.get_json()
    assert body["error"] == "schema_invalid"
    assert any("/erasure/0/status" in d for d in body["details"])
    assert any("verdict" in d for d in body["details"])
    assert counts(app) == EMPTY


def test_ten_megabyte_body_is_refused(app: Flask, client: FlaskClient,
                                      station_key: Ed25519PrivateKey) -> None:
    report = factories.make_report(key=station_key)
    report["evidence"] = {"encoding": "tar+gzip+base64", "data": "A" * (10 * 1024 * 1024)}
    body = json.dumps(wire.sign_report(report, station_key)).encode()
    assert len(body) > 10 * 1024 * 1024
    resp = post(client, body)
    assert resp.status_code == 413
    assert resp.get_json()["error"] == "request_entity_too_large"
    assert counts(app) == EMPTY


def test_identical_replay_is_idempotent(app: Flask, client: FlaskClient,
                                        station_key: Ed25519PrivateKey) -> None:
    env = envelope(station_key)
    assert post(client, env).status_code == 201
    before = counts(app)
    again = post(client, copy.deepcopy(env))
    assert again.status_code == 200
    assert again.get_json()["status"] == "duplicate"
    assert counts(app) == before


def test_same_uuid_other_content_conflicts(app: Flask, client: FlaskClient,
                                           station_key: Ed25519PrivateKey) -> None:
    rid = str(uuid.uuid4())
    assert post(client, envelope(station_key, report_uuid=rid)).status_code == 201
    before = counts(app)
    resp = post(client, envelope(station_key, report_uuid=rid, disk_serial="OTHERDISK1"))
    assert resp.status_code == 409 and resp.get_json()["error"] == "uuid_conflict"
    assert counts(app) == before


def test_same_device_twice_makes_one_device_two_reports(
    app: Flask, client: FlaskClient, station_key: Ed25519PrivateKey
) -> None:
    assert post(client, envelope(station_key)).status_code == 201
    assert post(client, envelope(station_key)).status_code == 201  # new uuid, same machine
    assert post(client, envelope(station_key, system_serial="OTHER", mac="00:11:22:33:44:55",
                                 donor_id=None, lot_id=None)).status_code == 201
    c = counts(app)
    assert (c["reports"], c["devices"], c["erasure_records"], c["donors"]) == (3, 2, 3, 1)


def test_nul_characters_are_refused_cleanly(app: Flask, client: FlaskClient,
                                            station_key: Ed25519PrivateKey) -> None:
    # PostgreSQL text cannot hold U+0000: a 4xx, never a driver error
    report = factories.make_report(key=station_key)
    report["operator"] = "Cam\x00ille"
    resp = post(client, wire.sign_report(report, station_key))
    assert resp.status_code == 422 and resp.get_json()["error"] == "nul_character"
    assert counts(app) == EMPTY
    resp = client.get("/api/v1/devices?q=a%00b", headers=admin_headers())
    assert resp.status_code == 400
    assert client.get("/api/v1/donors/a%00b/ledger", headers=admin_headers()).status_code == 400


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_nul_in_a_key_or_in_a_utf16_payload_is_refused(
    app: Flask, client: FlaskClient, station_key: Ed25519PrivateKey, encoding: str
) -> None:
    # ingest skips the NUL walk when the payload bytes can hold no NUL; a NUL in an open
    # inventory object's KEY, or a UTF-16 payload (json.loads accepts it), must still be seen
    report = factories.make_report(key=station_key)
    report["inventory"]["cpu"]["value"]["x\x00y"] = 1
    payload = json.dumps(report).encode(encoding)
    resp = post(client, wire.sign(payload, station_key))
    # a payload that is not UTF-8 is refused as such (RFC 8259 8.1, wire.strictjson)
    want = (422, "nul_character") if encoding == "utf-8" else (400, "malformed_payload")
    assert (resp.status_code, resp.get_json()["error"]) == want
    assert counts(app) == EMPTY


def test_donor_name_and_lot_donor_filled_once_then_their_statements_skipped(
    app: Flask, client: FlaskClient, station_key: Ed25519PrivateKey
) -> None:
    """A donor first seen without a name gets the first name a report gives it, a lot first
    seen without a donor the first donor; once settled, later reports of that donor and
    lot skip the 4 statements that can no longer change anything (ingest.SettledRows)."""
    from sqlalchemy import event, text

    engine = app.extensions["deuxvie"]["engine"]
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))

    def send(i: int, donor_name: str | None, with_donor: bool = True) -> int:
        report = factories.make_report(key=station_key, report_uuid=str(uuid.uuid4()),
                                       system_serial=f"SETTLE-{i}")
        if with_donor:
            report["donor"]["name"] = donor_name
        else:
            report["donor"] = None
        statements.clear()
        resp = post(client, wire.sign_report(report, station_key))
        assert resp.status_code == 201, resp.get_json()
        return len(statements)

    counts = [
        send(1, None, with_donor=False),  # the lot is created without a donor
        send(2, None),  # the donor without a name; the lot gets that donor
        send(3, "Mairie de Villeurbanne"),  # the donor gets its name; lot found with donor
        send(4, "Autre nom"),  # lot statements skipped; donor found named
        send(5, "Autre nom"),  # donor statements skipped too
    ]
    n = counts[2]
    assert counts[2:] == [n, n - 2, n - 4], statements
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM donors")).scalars().all() == [
            "Mairie de Villeurbanne"]
        assert conn.execute(text("SELECT donor_id FROM lots")).scalars().all() == [
            "D-2026-014"]
        assert conn.execute(text("SELECT count(*) FROM reports")).scalar() == 5
