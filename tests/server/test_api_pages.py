"""Enrolment, admin auth, registry API, pages, ledger, CSV, certificate verification."""

from __future__ import annotations

import base64
import csv
import io
import json
import sys
import types
from typing import Any

import factories
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from deuxvie import wire
from deuxvie.model.common import Reason
from deuxvie.model.grade import Verdict
from deuxvie_server import stations
from deuxvie_server.models import Report
from flask import Flask
from flask.testing import FlaskClient
from server_helpers import ADMIN, admin_headers, counts


def upload(client: FlaskClient, key: Ed25519PrivateKey, **kw: Any) -> str:
    env = wire.sign_report(factories.make_report(key=key, **kw), key)
    resp = client.post("/api/v1/reports", json=env)
    assert resp.status_code == 201, resp.get_json()
    return str(resp.get_json()["uuid"])


def new_token(app: Flask) -> str:
    with app.extensions["deuxvie"]["sessions"].begin() as session:
        return stations.create_enrolment_token(session)


def test_enrolment_token_is_single_use(app: Flask, client: FlaskClient) -> None:
    token = new_token(app)
    k1, k2 = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    body = {"token": token, "station_id": "s1", "public_key": wire.public_key_b64(k1.public_key())}
    first = client.post("/api/v1/stations/enrol", json=body)
    assert first.status_code == 201
    assert first.get_json()["key_id"] == wire.key_id(k1.public_key())
    body.update(station_id="s2", public_key=wire.public_key_b64(k2.public_key()))
    again = client.post("/api/v1/stations/enrol", json=body)
    assert again.status_code == 403 and again.get_json()["error"] == "token_used"


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        # a real key: the all-zero one ("A" * 43 + "=") is refused as small-order (issue 11)
        ({"token": "nope", "station_id": "s1",
          "public_key": "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="}, 403, "bad_token"),
        ({"station_id": "s1", "public_key": "x"}, 422, "bad_field"),
        ({"token": "T", "station_id": "../etc", "public_key": "x"}, 422, "bad_station_id"),
        ({"token": "T", "station_id": "s1", "public_key": "AAAA"}, 422, "bad_public_key"),
    ],
)
def test_enrolment_rejections(app: Flask, client: FlaskClient, body: dict[str, Any],
                              status: int, error: str) -> None:
    if body.get("token") == "T":
        body["token"] = new_token(app)
    resp = client.post("/api/v1/stations/enrol", json=body)
    assert resp.status_code == status and resp.get_json()["error"] == error


def test_admin_endpoints_require_the_token(app: Flask, client: FlaskClient) -> None:
    for path in ("/api/v1/devices", "/api/v1/reports", "/api/v1/stations"):
        resp = client.get(path)
        assert resp.status_code == 401 and resp.get_json()["error"] == "unauthorized"
        assert client.get(path, headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert client.get(path, headers=admin_headers()).status_code == 200
    assert client.post("/api/v1/tokens").status_code == 401
    # HTML pages send the browser to the login form instead
    resp = client.get("/devices")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_token_api_and_stored_admin_tokens(app: Flask, client: FlaskClient) -> None:
    with app.extensions["deuxvie"]["sessions"].begin() as session:
        stored = stations.create_admin_token(session, "second admin")
    resp = client.post("/api/v1/tokens", json={"note": "atelier 2"},
                       headers={"Authorization": f"Bearer {stored}"})
    assert resp.status_code == 201
    token = resp.get_json()["token"]
    key = Ed25519PrivateKey.generate()
    ok = client.post("/api/v1/stations/enrol", json={
        "token": token, "station_id": "atelier-2", "public_key": wire.public_key_b64(
            key.public_key())})
    assert ok.status_code == 201


def login_csrf(client: FlaskClient) -> str:
    """The double-submit CSRF token of the login form (cookie + hidden field)."""
    import re

    page = client.get("/login").get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


def test_login_cookie_opens_pages(app: Flask, client: FlaskClient) -> None:
    csrf = login_csrf(client)
    assert client.post("/login", data={"token": ADMIN, "next": "/"}).status_code == 403
    assert client.post("/login", data={"token": "wrong", "next": "/devices",
                                       "csrf_token": csrf}).status_code == 401
    resp = client.post("/login", data={"token": ADMIN, "next": "https://evil.example/",
                                       "csrf_token": csrf})
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    assert client.get("/devices").status_code == 200
    # the cookie opens pages, not the API (no CSRF on revoke / token creation)
    assert client.post("/api/v1/tokens").status_code == 401
    assert client.get("/api/v1/devices").status_code == 401


def test_registry_api_search_and_history(app: Flask, client: FlaskClient,
                                         station_key: Ed25519PrivateKey) -> None:
    r1 = upload(client, station_key)
    r2 = upload(client, station_key)
    upload(client, station_key, system_serial="XYZ-2", mac="00:11:22:33:44:55",
           disk_serial="WD-WCC4E1234567")
    h = admin_headers()
    listing = client.get("/api/v1/devices", headers=h).get_json()
    assert listing["total"] == 2
    found = client.get("/api/v1/devices?q=wcc4e123", headers=h).get_json()
    assert [d["serial"] for d in found["items"]] == ["XYZ-2"]  # found by DISK serial
    assert client.get("/api/v1/devices?q=PB0ABC", headers=h).get_json()["total"] == 1
    assert client.get("/api/v1/devices?q=%25", headers=h).get_json()["total"] == 0  # literal %
    dev_id = client.get("/api/v1/devices?q=PB0ABCDE", headers=h).get_json()["items"][0]["id"]
    dev = client.get(f"/api/v1/devices/{dev_id}", headers=h).get_json()
    assert [r["uuid"] for r in dev["reports"]] == [r1, r2]
    rep = client.get(f"/api/v1/reports/{r1}", headers=h).get_json()
    assert rep["verification"]["valid"] is True
    assert rep["report"]["device"]["disk_serials"] == ["S2R6NX0H612345A"]
    assert client.get("/api/v1/reports?limit=2", headers=h).get_json()["total"] == 3
    assert client.get("/api/v1/reports?limit=0", headers=h).status_code == 400
    assert client.get("/api/v1/devices/999999", headers=h).status_code == 404


def test_ledger_counts_devices_by_latest_state(app: Flask, client: FlaskClient,
                                               station_key: Ed25519PrivateKey) -> None:
    repair = Reason("suggest.replace_battery", "Remplacer la batterie.", "Replace the battery.")
    upload(client, station_key, verdict=Verdict.PASS_WITH_WARNINGS, suggestion=repair)
    # same machine re-tested after repair: it moves to refurbished, still one machine
    upload(client, station_key, verdict=Verdict.PASS, created_at=factories.EXAMPLE_TIME)
    upload(client, station_key, system_serial="B", mac="00:00:00:00:00:02",
           verdict=Verdict.FAIL)
    upload(client, station_key, system_serial="C", mac="00:00:00:00:00:03",
           verdict=Verdict.PASS_WITH_WARNINGS, suggestion=repair)
    upload(client, station_key, system_serial="D", mac="00:00:00:00:00:04",
           donor_id="D-OTHER", lot_id="LOT-9")
    led = client.get("/api/v1/donors/D-2026-014/ledger", headers=admin_headers()).get_json()
    assert led == {"donor_id": "D-2026-014", "received": 3, "in_audit": 0, "audited": 3,
                   "refurbished": 1, "to_repair": 1, "recycled": 1}
    html = client.get("/donors/D-2026-014?lang=en", headers=admin_headers()).get_data(True)
    assert "Donation ledger" in html and "Mairie de Villeurbanne" in html
    html_fr = client.get("/donors", headers={**admin_headers(),
                                              "Accept-Language": "fr-FR,fr;q=0.9"}).get_data(True)
    assert "Bilan des dons" in html_fr and "Reconditionnés" in html_fr
    lots = client.get("/lots?lang=en", headers=admin_headers()).get_data(True)
    assert "LOT-42" in lots and "LOT-9" in lots


def test_csv_exports(app: Flask, client: FlaskClient, station_key: Ed25519PrivateKey) -> None:
    upload(client, station_key)
    upload(client, station_key, system_serial="=HYPERLINK(\"http://x\")", mac="00:00:00:00:00:09")
    resp = client.get("/export/devices.csv", headers=admin_headers())
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(resp.get_data(True))))
    assert {r["serial"] for r in rows} == {"PB0ABCDE", "'=HYPERLINK(\"http://x\")"}
    er = list(csv.DictReader(io.StringIO(
        client.get("/export/erasure.csv", headers=admin_headers()).get_data(True))))
    assert len(er) == 2
    assert er[0]["disk_serial"] == "S2R6NX0H612345A" and er[0]["status"] == "ERASED"
    assert er[0]["nist_category"] == "Clear" and er[0]["verification"] == "full"


def test_device_pages(app: Flask, client: FlaskClient, station_key: Ed25519PrivateKey) -> None:
    rid = upload(client, station_key)
    h = admin_headers()
    html = client.get("/devices?q=LENOVO&lang=fr", headers=h).get_data(True)
    assert "20B7S2GS0W" in html and "Appareils (1)" in html
    assert "Bon avec réserves" in html and "À réparer" in html  # verdict, ledger state
    assert "Appareils (0)" in client.get("/devices?q=nothing", headers=h).get_data(True)
    dev_id = client.get("/api/v1/devices", headers=h).get_json()["items"][0]["id"]
    page = client.get(f"/devices/{dev_id}?lang=en", headers=h).get_data(True)
    assert rid[:8] in page and "S2R6NX0H612345A" in page and "Erased" in page


def _tamper_stored(app: Flask, rid: str, change: Any) -> None:
    with app.extensions["deuxvie"]["sessions"].begin() as session:
        row = session.get(Report, rid)
        assert row is not None
        env = json.loads(row.envelope)
        change(env)
        row.envelope = json.dumps(env)


def test_certificate_page_verifies_on_every_view(app: Flask, client: FlaskClient,
                                                 station_key: Ed25519PrivateKey) -> None:
    rid = upload(client, station_key)
    page = client.get(f"/c/{rid}?lang=en")  # public: no admin token
    html = page.get_data(True)
    assert page.status_code == 200 and "VALID ✔" in html and "INVALID" not in html
    assert "S2•••••••••345A" in html and "S2R6NX0H612345A" not in html  # masked (#11.14)
    fr = client.get(f"/c/{rid}?lang=fr").get_data(True)
    assert "VALIDE" in fr
    # The functions table (issue #12): each function, its status and why, in the language.
    assert '<table id="functions">' in html and "PC functions tested" in html
    assert "<td>Webcam</td><td><b>Failed</b></td>" in html
    assert "The webcam only delivers black frames" in html
    assert "<td>Clavier</td><td><b>Non testé</b></td>" in fr
    assert "Touches à vérifier par l&#39;opérateur" in fr

    def forge(env: dict[str, Any]) -> None:
        report = json.loads(base64.b64decode(env["payload"]))
        report["erasure"][0]["status"] = "ERASED"
        report["erasure"][0]["media"]["serial"] = "FORGED-SERIAL"
        env["payload"] = base64.b64encode(wire.canonical_json(report)).decode()

    _tamper_stored(app, rid, forge)
    html = client.get(f"/c/{rid}?lang=en").get_data(True)
    assert "INVALID ✘" in html and "bad_signature" in html
    assert "VALID ✔" not in html


def test_certificate_with_swapped_genuine_envelope_is_invalid(
    app: Flask, client: FlaskClient, station_key: Ed25519PrivateKey
) -> None:
    rid_a = upload(client, station_key)
    env_b = wire.sign_report(factories.make_report(key=station_key, system_serial="B",
                                                   mac="00:00:00:00:00:0b"), station_key)
    # a genuine signature, but for another report: the page must not vouch for rid_a
    _tamper_stored(app, rid_a, lambda env: env.update(env_b))
    html = client.get(f"/c/{rid_a}?lang=en").get_data(True)
    assert "INVALID" in html and "uuid_mismatch" in html


def test_certificate_unknown_uuid(client: FlaskClient) -> None:
    resp = client.get("/c/00000000-0000-4000-8000-000000000000?lang=en")
    assert resp.status_code == 404 and "Not found" in resp.get_data(True)
    assert client.get("/c/00000000-0000-4000-8000-000000000000.json").status_code == 404


def test_revoked_station_certificate_stays_valid_with_note(
    app: Flask, client: FlaskClient, station_key: Ed25519PrivateKey
) -> None:
    rid = upload(client, station_key)
    client.post("/api/v1/stations/atelier-lyon-1/revoke", headers=admin_headers())
    html = client.get(f"/c/{rid}?lang=en").get_data(True)
    assert "VALID ✔" in html and "was revoked on" in html


def test_pdf_hook_absent_then_present(app: Flask, client: FlaskClient,
                                      station_key: Ed25519PrivateKey,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    rid = upload(client, station_key)
    # without the certificate package: 404, not 500 (the service runs without it)
    monkeypatch.setitem(sys.modules, "deuxvie.certificate", None)
    monkeypatch.setitem(sys.modules, "deuxvie.certificate.pdf", None)
    assert client.get(f"/c/{rid}/certificate.pdf").status_code == 404
    calls: list[tuple[Any, ...]] = []

    def render_certificate(report: dict[str, Any], verification: dict[str, Any] | None,
                           lang: str, server: str) -> bytes:
        assert server.startswith("http://localhost")
        calls.append((report["uuid"], verification and verification["valid"], lang))
        return b"%PDF-1.7 fake"

    pkg = types.ModuleType("deuxvie.certificate")
    pdf = types.ModuleType("deuxvie.certificate.pdf")
    pdf.render_certificate = render_certificate  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "deuxvie.certificate", pkg)
    monkeypatch.setitem(sys.modules, "deuxvie.certificate.pdf", pdf)
    resp = client.get(f"/c/{rid}/certificate.pdf?lang=en")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert resp.data.startswith(b"%PDF")
    assert calls == [(rid, True, "en")]


def test_counts_helper_sees_rows(app: Flask, client: FlaskClient,
                                 station_key: Ed25519PrivateKey) -> None:
    # guard: the "nothing stored" assertions elsewhere would be vacuous if counts() were 0
    upload(client, station_key)
    assert counts(app)["reports"] == 1


def test_real_certificate_pdf_from_the_label_helper(
    app: Flask, client: FlaskClient, station_key: Ed25519PrivateKey, tmp_path: Any
) -> None:
    """The route with the real deuxvie.certificate.pdf (merged from the label area)."""
    import shutil
    import subprocess

    pytest.importorskip("deuxvie.certificate.pdf")
    rid = upload(client, station_key)
    resp = client.get(f"/c/{rid}/certificate.pdf?lang=en")
    assert resp.status_code == 200 and resp.data.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        pdf = tmp_path / "c.pdf"
        pdf.write_bytes(resp.data)
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
        # public: masked (#11.14); the whole report with ?full=1 for an admin
        assert "S2R6NX0H612345A" not in text and "345A" in text
        assert f"localhost/c/{rid}" in text.replace("\n", "") or rid in text
        full = client.get(f"/c/{rid}/certificate.pdf?lang=en&full=1", headers=admin_headers())
        pdf.write_bytes(full.data)
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
        assert "S2R6NX0H612345A" in text
    assert client.get(f"/c/{rid}/certificate.pdf?full=1").status_code == 401


def test_anyone_can_verify_a_certificate_offline(app: Flask, client: FlaskClient,
                                                 station_key: Ed25519PrivateKey) -> None:
    """Download the envelope and the signer's key; check them with deuxvie.wire alone."""
    rid = upload(client, station_key)
    # the full envelope is for admins and the donor (#11.14); the public view: ADR 0048
    env = client.get(f"/c/{rid}/full.json", headers=admin_headers()).get_json()
    key_info = client.get(f"/c/{rid}/key").get_json()
    assert key_info["key_id"] == wire.key_id(station_key.public_key())
    pub = wire.public_key_from_b64(key_info["public_key"])
    verified = wire.verify(env, lambda kid: pub if kid == wire.key_id(pub) else None)
    assert wire.decode_payload_json(verified)["uuid"] == rid
    assert client.get("/c/00000000-0000-4000-8000-000000000000/key").status_code == 404
    bad = client.get("/c/null,null/key")  # no route matched: still a JSON 404 (schemathesis)
    assert bad.status_code == 404 and bad.get_json()["error"] == "not_found"


def test_certificate_page_and_json_name_the_image(client: FlaskClient,
                                                  station_key: Ed25519PrivateKey) -> None:
    """ADR 0063: the image that erased the disks, on the page and in the signed JSON."""
    report = factories.make_report(key=station_key)
    image = {"kind": "live-iso", "version": "0.1.0", "commit": "0123456789abcdef" * 2 + "01234567",
             "dirty": False, "built_at": "2026-12-01T09:00:00Z", "rootfs_sha256": "cd" * 32}
    report["agent"].update(image=image, image_hash="sha256:" + "cd" * 32)
    resp = client.post("/api/v1/reports", json=wire.sign_report(report, station_key))
    assert resp.status_code == 201, resp.get_json()
    rid = resp.get_json()["uuid"]
    html = client.get(f"/c/{rid}?lang=fr").get_data(True)
    assert "image ISO live 0.1.0" in html and "0123456789ab" in html and "cd" * 32 in html
    assert "live ISO image" in client.get(f"/c/{rid}?lang=en").get_data(True)
    envelope = client.get(f"/c/{rid}.json").get_json()
    assert json.loads(base64.b64decode(envelope["payload"]))["agent"]["image"] == image
    # an image kind the schema does not know is refused at ingest
    report = factories.make_report(key=station_key)
    report["agent"]["image"] = dict(image, kind="anything")
    resp = client.post("/api/v1/reports", json=wire.sign_report(report, station_key))
    assert resp.status_code in (400, 422), resp.get_json()
