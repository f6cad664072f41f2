"""Intake, decisions and their history, packs, WEEE, the balance (issue 14). Both
backends."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import factories
import ledger_2024
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from deuxvie import wire
from deuxvie.model.erasure import ErasureStatus
from deuxvie_server.models import Report
from flask import Flask
from flask.testing import FlaskClient
from ledger_2024 import ok
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError


def test_published_2024_balance_rebuilt_through_the_api(
        app: Flask, client: FlaskClient, station_key: Ed25519PrivateKey) -> None:
    start = time.monotonic()
    built = ledger_2024.build(app, client, station_key)
    got = ok(client.get(f"/api/v1/donors/{ledger_2024.DONOR}/bilan?year=2024",
                        headers=built.operator), 200)
    for key, value in ledger_2024.PUBLISHED.items():
        assert got[key] == value, key
    assert got["distributed"] == 1 and got["to_repair"] == 0 and got["not_yet_audited"] == 0
    # 13 mini-towers x 3 years x ADEME's 27 kg CO2e and 0.314 kg WEEE a year
    assert got["co2e_avoided_kg"] == pytest.approx(13 * 3 * 27.0)
    assert got["weee_avoided_kg"] == pytest.approx(13 * 3 * 0.314)
    assert "ADEME" in got["factors_source"]
    # another year, another donor: nothing
    other = ok(client.get(f"/api/v1/donors/{ledger_2024.DONOR}/bilan?year=2025",
                          headers=built.operator), 200)
    assert other["received"] == 0
    assert client.get(f"/api/v1/donors/{ledger_2024.DONOR}/bilan", headers=built.operator
                      ).status_code == 400
    print(f"2024 balance rebuilt in {time.monotonic() - start:.1f}s")


def _tower(app: Flask, client: FlaskClient) -> tuple[dict[str, str], dict[str, object]]:
    h = ledger_2024.setup_accounts(app)
    lot = ok(client.post("/api/v1/lots", headers=h, json={
        "donor": "D1", "workshop": ledger_2024.WORKSHOP, "reference": "PV 1",
        "date": "2026-01-10"}))
    item = ok(client.post(f"/api/v1/lots/{lot['id']}/items", headers=h, json={
        "category": "mini_tower", "serial": "CZC1234XYZ"}))["items"][0]
    ok(client.post(f"/api/v1/items/{item['id']}/decisions", headers=h,
                   json={"state": "in_audit", "reason": "reçu"}))
    return h, item


def test_decisions_refused_without_valid_erasure_and_history_keeps_all(
        app: Flask, client: FlaskClient, station_key: Ed25519PrivateKey) -> None:
    h, item = _tower(app, client)
    iid = item["id"]
    decide = f"/api/v1/items/{iid}/decisions"
    # no report at all
    resp = client.post(decide, headers=h, json={"state": "refurbished", "reason": "ok"})
    assert resp.status_code == 409
    body = resp.get_json()
    assert body["error"] == "erasure_required" and "no agent report" in body["message"]
    # nor recycled without erasure or a destruction record
    resp = client.post(decide, headers=h, json={"state": "recycled_weee", "reason": "HS"})
    assert resp.status_code == 409 and "removed_for_destruction" in resp.get_json()["message"]
    # a report whose erasure FAILED
    report = factories.make_report(key=station_key, disk_serial="WD-FAILED-1")
    report["erasure"][0]["status"] = ErasureStatus.FAILED.value
    report["asset_id"] = item["asset_tag"]
    ok(client.post("/api/v1/reports", json=wire.sign_report(report, station_key)))
    resp = client.post(decide, headers=h, json={"state": "refurbished", "reason": "ok"})
    assert resp.status_code == 409
    assert "WD-FAILED-1 (FAILED)" in resp.get_json()["message"]
    # a good report, then its stored envelope tampered with: INVALID, refused
    good = factories.make_report(key=station_key, disk_serial="S2R6NX0GOOD")
    good["asset_id"] = item["asset_tag"]
    ok(client.post("/api/v1/reports", json=wire.sign_report(good, station_key)))
    with app.extensions["deuxvie"]["sessions"].begin() as session:
        row = session.get(Report, good["uuid"])
        assert row is not None
        saved = row.envelope
        row.envelope = saved.replace('"sig":"', '"sig":"A', 1)
    resp = client.post(decide, headers=h, json={"state": "refurbished", "reason": "ok"})
    assert resp.status_code == 409 and "INVALID" in resp.get_json()["message"]
    with app.extensions["deuxvie"]["sessions"].begin() as session:
        row = session.get(Report, good["uuid"])
        assert row is not None
        row.envelope = saved
    # now it holds
    done = ok(client.post(decide, headers=h, json={"state": "refurbished",
                                                   "reason": "Linux installé"}))
    assert done["state"] == "refurbished" and done["device_id"] is not None
    ok(client.post(decide, headers=h, json={"state": "to_repair", "reason": "ventilateur"}))
    # impossible transitions are 409 with the allowed ones named
    resp = client.post(decide, headers=h, json={"state": "distributed", "reason": "x"})
    assert resp.status_code == 409 and resp.get_json()["error"] == "use_packs"
    resp = client.post(decide, headers=h, json={"state": "received", "reason": "x"})
    assert resp.status_code == 409 and "in_audit" in resp.get_json()["message"]
    history = ok(client.get(f"/api/v1/items/{iid}", headers=h), 200)["history"]
    assert [(e["from"], e["to"]) for e in history] == [
        (None, "received"), ("received", "in_audit"), ("in_audit", "refurbished"),
        ("refurbished", "to_repair")]
    assert history[2]["by"] == "op-wallers" and history[2]["reason"] == "Linux installé"
    assert history[2]["detail"]["erasure"]["certified"] is True
    # the history is append-only in the database itself
    with app.extensions["deuxvie"]["engine"].connect() as conn:
        for sql in ("UPDATE item_events SET reason = 'x'", "DELETE FROM item_events"):
            with pytest.raises(DBAPIError, match="append-only"), conn.begin():
                conn.execute(text(sql))


def test_report_missing_a_disk_is_not_an_erasure(
        app: Flask, client: FlaskClient, station_key: Ed25519PrivateKey) -> None:
    h, item = _tower(app, client)
    report = factories.make_report(key=station_key, disk_serial="S2R6NX0ONE")
    report["device"]["disk_serials"].append("WD-NOT-WIPED-2")
    report["asset_id"] = item["asset_tag"]
    ok(client.post("/api/v1/reports", json=wire.sign_report(report, station_key)))
    resp = client.post(f"/api/v1/items/{item['id']}/decisions", headers=h,
                       json={"state": "refurbished", "reason": "ok"})
    assert resp.status_code == 409 and "WD-NOT-WIPED-2 (MISSING)" in resp.get_json()["message"]


def test_packs_distribution_and_weee_rules(app: Flask, client: FlaskClient) -> None:
    h = ledger_2024.setup_accounts(app)
    lot = ok(client.post("/api/v1/lots", headers=h, json={
        "donor": "D2", "workshop": ledger_2024.WORKSHOP, "reference": "PV 2",
        "date": "2026-02-01"}))
    items = ok(client.post(f"/api/v1/lots/{lot['id']}/items", headers=h,
                           json={"screen": 2, "keyboard": 1}))["items"]
    # two screens then the keyboard (the request's key order is not kept by the client)
    ids = sorted((i["id"] for i in items), key=lambda iid: next(
        i["category"] for i in items if i["id"] == iid) == "keyboard")
    for iid in ids:
        ok(client.post(f"/api/v1/items/{iid}/decisions", headers=h,
                       json={"state": "in_audit", "reason": "reçu"}))
    resp = client.post("/api/v1/packs", headers=h, json={"items": ids})
    assert resp.status_code == 409 and resp.get_json()["error"] == "not_refurbished"
    for iid in ids[:2]:
        ok(client.post(f"/api/v1/items/{iid}/decisions", headers=h,
                       json={"state": "refurbished", "reason": "testé"}))
    ok(client.post(f"/api/v1/items/{ids[2]}/decisions", headers=h,
                   json={"state": "recycled_weee", "reason": "touches HS"}))
    pack = ok(client.post("/api/v1/packs", headers=h, json={"items": ids[:2]}))
    assert pack["items"] == ids[:2]
    dist = f"/api/v1/packs/{pack['id']}/distribution"
    base = {"structure": "Mission Locale", "date": "2026-03-01",
            "pseudonymous_ref": "ML-88", "criterion": "mission_locale"}
    # no personal data of the household: extra fields and free text refs are refused
    assert client.post(dist, headers=h, json={**base, "name": "Jean Dupont"}
                       ).get_json()["error"] == "personal_data_refused"
    assert client.post(dist, headers=h, json={**base, "pseudonymous_ref": "Jean Dupont"}
                       ).status_code == 422
    assert client.post(dist, headers=h, json={**base, "criterion": "rich"}).status_code == 422
    ok(client.post(dist, headers=h, json=base))
    assert client.post(dist, headers=h, json=base).status_code == 409
    for iid in ids[:2]:
        assert ok(client.get(f"/api/v1/items/{iid}", headers=h), 200)["state"] == "distributed"
    weee = {"items": [ids[2]], "organisation": "ecosystem", "slip_number": "B-1",
            "date": "2026-03-02", "weights_kg": {"keyboard": 0.6}}
    assert client.post("/api/v1/weee-batches", headers=h,
                       json={**weee, "items": ids[:1]}).status_code == 409
    assert client.post("/api/v1/weee-batches", headers=h,
                       json={**weee, "weights_kg": {"screen": 1}}).status_code == 422
    batch = ok(client.post("/api/v1/weee-batches", headers=h, json=weee))
    assert batch["items"] == 1 and batch["total_kg"] == 0.6
    assert client.post("/api/v1/weee-batches", headers=h, json=weee).status_code == 409


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "a.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                         text=True, check=True, timeout=60).stdout
    return re.sub(r"[ \t]+", " ", out)


def test_2024_attestation_pdf_lists_every_disk_and_its_signature_holds(
        app: Flask, client: FlaskClient, station_key: Ed25519PrivateKey,
        tmp_path: Path) -> None:
    built = ledger_2024.build(app, client, station_key)
    h = built.operator
    url = f"/donors/{ledger_2024.DONOR}/attestation.pdf?year=2024&lang=en"
    resp = client.get(url, headers=h)
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    pdf = resp.data
    sig = client.get(url.replace(".pdf?", ".pdf.sig?"), headers=h).get_json()
    # the same state gives the same bytes: the .sig fetched apart signs this very PDF
    assert client.get(url, headers=h).data == pdf
    text = pdf_text(pdf, tmp_path)
    # the balance, as published
    assert "Received 514" in text and "In audit 128" in text
    assert "21 keyboard, 77 mini_tower, 29 screen, 1 ups" in text
    assert "Refurbished 13" in text and "Recycled (WEEE) 373" in text
    assert "Distributed 1" in text and "CO2e avoided 1053.0 kg" in text
    # every data-bearing item: 13 erased with their disk serials, 200 destroyed
    assert "290 data-bearing items: 13 erased (VALID certificate), 200 storage destroyed, "\
        "77 not erased yet (still in the workshop)" in re.sub(r"\s+", " ", text)
    for serial in built.disk_serials:
        assert serial in text
    assert text.count("ERASED") >= 13 and text.count("DESTROYED") >= 200
    assert "no agent report is attached" in text  # the 77 still in audit say why
    # the signature: valid with the service key from the API, one altered byte fails
    public = client.get("/api/v1/service-key").get_json()
    assert sig["key_id"] == public["key_id"]
    pdf_path, sig_path = tmp_path / "att.pdf", tmp_path / "att.pdf.sig"
    pdf_path.write_bytes(pdf)
    sig_path.write_text(json.dumps(sig))
    cli = [sys.executable, "-m", "deuxvie_server.cli", "verify-attestation", str(pdf_path),
           "--sig", str(sig_path), "--public-key", public["public_key"]]
    ok = subprocess.run(cli, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and "VALID" in ok.stdout, ok.stdout + ok.stderr
    for offset in (0, len(pdf) // 2, len(pdf) - 1):
        bad = bytearray(pdf)
        bad[offset] ^= 0x01
        pdf_path.write_bytes(bytes(bad))
        res = subprocess.run(cli, capture_output=True, text=True, timeout=60)
        assert res.returncode == 1 and "INVALID" in res.stdout
    # the verification page (a form: CSRF double-submit)
    page = client.get("/attestation/verify").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf and public["public_key"] in page

    def check(data: bytes) -> Any:
        return client.post("/attestation/verify?lang=en", data={
            "csrf_token": csrf.group(1), "pdf": (io.BytesIO(data), "a.pdf"),
            "sig": (io.BytesIO(json.dumps(sig).encode()), "a.pdf.sig")},
            content_type="multipart/form-data")

    good = check(pdf)
    assert good.status_code == 200 and "VALID" in good.get_data(as_text=True)
    bad = bytearray(pdf)
    bad[100] ^= 0x20
    refused = check(bytes(bad))
    assert refused.status_code == 422 and "INVALID" in refused.get_data(as_text=True)
    assert client.post("/attestation/verify", data={"pdf": (io.BytesIO(pdf), "a.pdf")},
                       content_type="multipart/form-data").status_code == 403
    # per lot: the same items
    lot = client.get(f"/donors/{ledger_2024.DONOR}/attestation.pdf?lot={built.lot_id}"
                     "&lang=en", headers=h)
    assert lot.status_code == 200 and built.disk_serials[0] in pdf_text(lot.data, tmp_path)
