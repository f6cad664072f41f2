"""Issue 11 item 14: the public certificate (the QR travels with the machine to its next
owner) shows no private field; the full envelope is for admins and the report's donor; the
signed public view verifies offline (ADR 0048)."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import factories
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from deuxvie import wire
from deuxvie_server import accounts, public_view
from deuxvie_server.models import Station
from flask import Flask
from flask.testing import FlaskClient
from server_helpers import admin_headers

DISK_SERIAL = "WD-WX31A9C5XQ7Z"
SYSTEM_SERIAL = "PF1QX9ZK"
MAC = "3c:97:0e:7a:51:d9"
RAM_SERIAL = "RAMSER-9F3A77B2"
BATTERY_SERIAL = "BATSER-55Q1"
PASSWORD = "correct horse battery"


def _report(tmp: Path, key: Ed25519PrivateKey, donor_id: str = "D-2026-014") -> dict[str, Any]:
    report = factories.make_report(
        key=key, disk_serial=DISK_SERIAL, system_serial=SYSTEM_SERIAL, mac=MAC, donor_id=donor_id,
        evidence_dir=factories.example_evidence_dir(tmp))
    report["inventory"]["memory"]["value"]["modules"][0]["serial"] = RAM_SERIAL
    report["inventory"]["batteries"]["value"][0]["serial"] = BATTERY_SERIAL
    return report


def _upload(client: FlaskClient, key: Ed25519PrivateKey, report: dict[str, Any]) -> str:
    resp = client.post("/api/v1/reports", json=wire.sign_report(report, key))
    assert resp.status_code == 201, resp.get_json()
    return str(resp.get_json()["uuid"])


def _private_values(report: dict[str, Any]) -> list[str]:
    system = report["inventory"]["system"]["value"]
    return [report["donor"]["name"], report["operator"], MAC, MAC.upper(), system["uuid"],
            DISK_SERIAL, SYSTEM_SERIAL, RAM_SERIAL, BATTERY_SERIAL,
            report["evidence"]["sha256"], report["evidence"]["data"][:40],
            report["device"]["identity_hash"]]


def test_public_page_and_json_show_no_private_field(
        client: FlaskClient, station_key: Ed25519PrivateKey, tmp_path: Path) -> None:
    report = _report(tmp_path, station_key)
    rid = _upload(client, station_key, report)
    page = client.get(f"/c/{rid}?lang=en")
    public = client.get(f"/c/{rid}.json")
    assert page.status_code == 200 and public.status_code == 200
    html, body = page.get_data(True), public.get_data(True)
    assert "VALID ✔" in html
    for value in _private_values(report):
        assert value not in html, value
        assert value not in body, value
    view = public.get_json()["view"]
    assert view["organisation"] == "Atelier Deuxième Vie Lyon"
    assert view["signature"]["valid"] is True
    disk = view["erasure"][0]
    assert disk["serial_masked"] == "WD•••••••••XQ7Z"
    assert disk["status"] == "ERASED" and disk["category"] == "Clear"
    assert disk["model"] == "Samsung SSD 850 EVO 250GB"
    assert "WD•••••••••XQ7Z" in html
    assert "donor" not in view and "operator" not in view and "evidence" not in view


def test_public_pdf_shows_no_private_field(
        client: FlaskClient, station_key: Ed25519PrivateKey, tmp_path: Path) -> None:
    pytest.importorskip("deuxvie.certificate.pdf")
    report = _report(tmp_path, station_key)
    rid = _upload(client, station_key, report)

    def text(resp: Any) -> str:
        assert resp.status_code == 200, resp.data[:200]
        path = tmp_path / "c.pdf"
        path.write_bytes(resp.data)
        out = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True,
                             text=True, check=True).stdout
        return "".join(out.split())  # a value wrapped over two lines is still found

    public = text(client.get(f"/c/{rid}/certificate.pdf?lang=en"))
    for value in _private_values(report)[:9]:
        assert "".join(value.split()) not in public, value
    assert "WD•••••••••XQ7Z" in public
    full = text(client.get(f"/c/{rid}/certificate.pdf?lang=en&full=1",
                           headers=admin_headers()))
    assert DISK_SERIAL in full and "MairiedeVilleurbanne" in full


def test_serial_check_answers_for_this_certificate_only(
        client: FlaskClient, station_key: Ed25519PrivateKey, tmp_path: Path) -> None:
    rid = _upload(client, station_key, _report(tmp_path, station_key))
    other = _upload(client, station_key, factories.make_report(
        key=station_key, disk_serial="S3OTHERDISK0001", system_serial="OTHERSYS1",
        mac="00:11:22:33:44:55"))

    def ask(uuid: str, serial: str) -> bool:
        resp = client.get(f"/c/{uuid}/check-serial", query_string={"serial": serial})
        assert resp.status_code == 200, resp.get_json()
        return bool(resp.get_json()["belongs"])

    assert ask(rid, DISK_SERIAL)
    assert ask(rid, " wd-wx31a9c5xq7z ")  # normalised: case, spaces, dashes
    assert ask(rid, SYSTEM_SERIAL)
    assert not ask(rid, "S3OTHERDISK0001")  # in the registry, but not this certificate
    assert not ask(rid, DISK_SERIAL[:-1])
    assert ask(other, "S3OTHERDISK0001")
    page = client.get(f"/c/{rid}", query_string={"lang": "en", "serial": DISK_SERIAL})
    assert "Yes: this serial number is in this certificate." in page.get_data(True)
    page = client.get(f"/c/{rid}", query_string={"lang": "en", "serial": "NOPE1234"})
    assert "No: this serial number is not in this certificate." in page.get_data(True)
    assert client.get(f"/c/{rid}/check-serial").status_code == 400
    # not an oracle: a client trying serials meets the limit (per certificate)
    codes = [client.get(f"/c/{rid}/check-serial", query_string={"serial": f"X{i}"}).status_code
             for i in range(20)]
    assert 429 in codes and client.get(f"/c/{rid}/check-serial?serial=X").get_json()[
        "error"] == "rate_limited"


def test_full_envelope_is_for_admins_and_the_right_donor(
        app: Flask, client: FlaskClient, station_key: Ed25519PrivateKey, tmp_path: Path) -> None:
    report = _report(tmp_path, station_key)
    rid = _upload(client, station_key, report)
    _upload(client, station_key,
            factories.make_report(key=station_key, donor_id="D-OTHER", system_serial="Z9"))
    with app.extensions["deuxvie"]["sessions"].begin() as session:
        mine = accounts.create_user(session, "donor-mine", PASSWORD, accounts.DONOR_VIEWER,
                                    donor_id="D-2026-014")
        theirs = accounts.create_user(session, "donor-other", PASSWORD,
                                      accounts.DONOR_VIEWER, donor_id="D-OTHER")
        accounts.create_workshop(session, "w1", "Atelier 1")
        accounts.create_workshop(session, "w2", "Atelier 2")
        session.get(Station, "atelier-lyon-1").workshop_id = "w1"  # type: ignore[union-attr]
        wadmin = accounts.create_user(session, "wa", PASSWORD, accounts.WORKSHOP_ADMIN, "w1")
        wother = accounts.create_user(session, "wo", PASSWORD, accounts.WORKSHOP_ADMIN, "w2")
        t_mine, _ = accounts.create_token(session, mine.id)
        t_theirs, _ = accounts.create_token(session, theirs.id)
        t_wadmin, _ = accounts.create_token(session, wadmin.id)
        t_wother, _ = accounts.create_token(session, wother.id)

    def get(token: str | None, path: str = f"/c/{rid}/full.json") -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return client.get(path, headers=headers)

    assert get(None).status_code == 401
    assert get(t_theirs).status_code == 403
    assert get(t_wother).status_code == 403  # another workshop's admin
    assert get(None, f"/c/{rid}/certificate.pdf?full=1").status_code == 401
    for token in (admin_headers()["Authorization"][7:], t_wadmin, t_mine):
        resp = get(token)
        assert resp.status_code == 200
        env = resp.get_json()
        assert set(env) == {"payload", "payloadType", "signatures"}
        assert json.loads(base64.b64decode(env["payload"]))["donor"]["name"] == \
            report["donor"]["name"]
    # the page links the full envelope for the donor only
    assert f"/c/{rid}/full.json" in client.get(
        f"/c/{rid}", headers={"Authorization": f"Bearer {t_mine}"}).get_data(True)
    assert f"/c/{rid}/full.json" not in client.get(f"/c/{rid}").get_data(True)


def test_public_view_verifies_offline_and_binds_the_envelope(
        app: Flask, client: FlaskClient, station_key: Ed25519PrivateKey, tmp_path: Path) -> None:
    rid = _upload(client, station_key, _report(tmp_path, station_key))
    raw = client.get(f"/c/{rid}.json").data
    pinned = client.get("/api/v1/service-key").get_json()["public_key"]
    envelope = client.get(f"/c/{rid}/full.json", headers=admin_headers()).data
    payload = base64.b64decode(json.loads(envelope)["payload"])
    doc = json.loads(raw)
    assert doc["view"]["uuid"] == rid
    assert doc["view"]["payload_sha256"] == hashlib.sha256(payload).hexdigest()
    assert public_view.verify(raw, pinned) == (True, "public view signed by the service")
    assert public_view.verify(raw, pinned, envelope)[0]

    # one altered byte breaks it: in the signed payload, or in the readable copy
    i = raw.index(b'"payload": "') + 30
    altered = raw[:i] + (b"B" if raw[i:i + 1] != b"B" else b"C") + raw[i + 1:]
    ok, why = public_view.verify(altered, pinned)
    assert not ok and ("signature does not match" in why or "malformed" in why), why
    j = raw.index(b"XQ7Z") + 3
    readable = raw[:j] + b"Y" + raw[j + 1:]
    ok, why = public_view.verify(readable, pinned)
    assert not ok and "readable view differs" in why
    # another envelope (another report's) is not the one the view speaks of
    other = wire.sign_report(factories.make_report(system_serial="Q1"), station_key)
    ok, why = public_view.verify(raw, pinned, json.dumps(other))
    assert not ok and "SHA-256" in why
    # a key the verifier does not trust
    stranger = wire.public_key_b64(Ed25519PrivateKey.generate().public_key())
    assert not public_view.verify(raw, stranger)[0]

    # the command line, offline: exit 0, then 1 on the altered file
    good, bad, env_file = tmp_path / "v.json", tmp_path / "bad.json", tmp_path / "env.json"
    good.write_bytes(raw)
    bad.write_bytes(altered)
    env_file.write_bytes(envelope)
    cmd = [sys.executable, "-m", "deuxvie_server", "verify-public-view"]
    run = subprocess.run([*cmd, str(good), "--public-key", pinned, "--envelope",
                          str(env_file)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    run = subprocess.run([*cmd, str(bad), "--public-key", pinned], capture_output=True,
                         text=True)
    assert run.returncode == 1 and "INVALID" in run.stdout
