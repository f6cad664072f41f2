"""Issue 11 item 11: the device identity hash is recomputed by the service from the signed
facts (wire.identity), never taken from the report: a report about another machine cannot
attach itself to a known device and change its ledger state."""

from __future__ import annotations

import json

import factories
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from deuxvie import wire
from deuxvie.model.grade import Verdict
from deuxvie_server import models
from flask import Flask
from flask.testing import FlaskClient
from server_helpers import admin_headers, counts


def post(client: FlaskClient, report: dict[str, object], key: Ed25519PrivateKey) -> object:
    return client.post("/api/v1/reports", data=json.dumps(wire.sign_report(report, key)),
                       content_type="application/json")


def test_a_report_cannot_borrow_another_devices_identity(
    app: Flask, client: FlaskClient, station_key: Ed25519PrivateKey
) -> None:
    first = factories.make_report(key=station_key, verdict=Verdict.PASS)
    resp = post(client, first, station_key)
    assert resp.status_code == 201  # type: ignore[attr-defined]
    device_id = resp.get_json()["device_id"]  # type: ignore[attr-defined]
    state = client.get(f"/api/v1/devices/{device_id}", headers=admin_headers()).get_json()
    # another machine (other serial, other MAC), FAIL, claiming device 1's hash
    other = factories.make_report(key=station_key, system_serial="OTHER-1",
                                  mac="02:00:00:00:00:09", verdict=Verdict.FAIL)
    other["device"]["identity_hash"] = first["device"]["identity_hash"]
    resp = post(client, other, station_key)
    assert resp.status_code == 422, resp.get_json()  # type: ignore[attr-defined]
    assert resp.get_json()["error"] == "identity_mismatch"  # type: ignore[attr-defined]
    after = client.get(f"/api/v1/devices/{device_id}", headers=admin_headers()).get_json()
    assert after["state"] == state["state"] and after["last_report"] == first["uuid"]
    assert counts(app)["reports"] == 1
    # the same machine with its own facts is still filed under its own record
    again = factories.make_report(key=station_key, verdict=Verdict.FAIL)
    resp = post(client, again, station_key)
    assert resp.status_code == 201  # type: ignore[attr-defined]
    assert resp.get_json()["device_id"] == device_id  # type: ignore[attr-defined]


def test_normalised_facts_give_the_agents_hash(
    client: FlaskClient, station_key: Ed25519PrivateKey
) -> None:
    """Case, padding and MAC order do not matter (the agent's normalisation, shared)."""
    report = factories.make_report(key=station_key)
    dev = report["device"]
    dev["vendor"] = "  " + dev["vendor"].lower() + " "
    dev["macs"] = [m.upper() for m in dev["macs"]]
    dev["identity_hash"] = wire.device_identity_hash(dev["vendor"], dev["model"], dev["serial"],
                                                     dev["chassis_type"], dev["macs"])
    assert post(client, report, station_key).status_code == 201  # type: ignore[attr-defined]


def test_a_stored_row_with_a_mismatched_hash_shows_invalid(
    app: Flask, client: FlaskClient, station_key: Ed25519PrivateKey
) -> None:
    """A signed report whose hash does not match its facts (stored before the check) is
    not a certificate of the machine it points at."""
    report = factories.make_report(key=station_key)
    assert post(client, report, station_key).status_code == 201  # type: ignore[attr-defined]
    report["device"]["identity_hash"] = "0" * 64
    with app.extensions["deuxvie"]["sessions"].begin() as session:
        row = session.get(models.Report, report["uuid"])
        assert row is not None
        row.envelope = json.dumps(wire.sign_report(report, station_key))
    page = client.get(f"/c/{report['uuid']}", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "identity_mismatch" in page.get_data(as_text=True)
