"""GET /api/v1/devices/<id>/glpi.json: the registry feeds GLPI with the same document
`deuxvie export glpi` writes, only from a report whose signature still verifies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import factories
import jsonschema
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from deuxvie import __version__, wire
from deuxvie.export.glpi import export_glpi
from deuxvie_server.models import Report
from flask import Flask
from flask.testing import FlaskClient
from server_helpers import admin_headers

SCHEMA = Path(__file__).resolve().parents[1] / "data" / "glpi" / "inventory.schema.json"


def _errors(doc: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft7Validator(json.loads(SCHEMA.read_text()),
                                           format_checker=jsonschema.FormatChecker())
    return [e.message for e in validator.iter_errors(doc)]


def _device_id(client: FlaskClient) -> int:
    return int(client.get("/api/v1/devices", headers=admin_headers()).get_json()["items"][0]["id"])


def test_device_glpi_json_is_the_agent_export_of_the_latest_report(
    app: Flask, client: FlaskClient, station_key: Ed25519PrivateKey
) -> None:
    first = factories.make_report(key=station_key, disk_serial="WD-OLD0001")
    latest = factories.make_report(key=station_key)
    for report in (first, latest):
        resp = client.post("/api/v1/reports", json=wire.sign_report(report, station_key))
        assert resp.status_code == 201, resp.get_json()
    dev = _device_id(client)

    resp = client.get(f"/api/v1/devices/{dev}/glpi.json", headers=admin_headers())

    assert resp.status_code == 200, resp.get_json()
    assert "glpi.json" in resp.headers["Content-Disposition"]
    doc = resp.get_json()
    assert _errors(doc) == []
    cert = f"http://localhost/c/{latest['uuid']}"
    assert cert in doc["content"]["hardware"]["description"]
    # byte-for-byte the agent's own export of that report (one mapping, deuxvie.wire.glpi)
    assert doc == export_glpi(latest, "http://localhost")
    assert doc["content"]["versionclient"] == f"deuxvie_v{__version__}"
    assert [s["serial"] for s in doc["content"]["storages"]] == ["S2R6NX0H612345A"]
    assert doc["content"]["bios"]["ssn"] == "PB0ABCDE"


def test_device_glpi_json_refusals(
    app: Flask, client: FlaskClient, station_key: Ed25519PrivateKey
) -> None:
    h = admin_headers()
    assert client.get("/api/v1/devices/1/glpi.json", headers=h).status_code == 404
    report = factories.make_report(key=station_key)
    assert client.post("/api/v1/reports",
                       json=wire.sign_report(report, station_key)).status_code == 201
    dev = _device_id(client)
    assert client.get(f"/api/v1/devices/{dev}/glpi.json").status_code == 401  # admin only
    assert client.get("/api/v1/devices/999999/glpi.json", headers=h).status_code == 404

    # a stored envelope altered after ingest is not exported
    with app.extensions["deuxvie"]["sessions"].begin() as session:
        row = session.get(Report, report["uuid"])
        assert row is not None
        env = json.loads(row.envelope)
        env["signatures"][0]["sig"] = env["signatures"][0]["sig"][::-1]
        row.envelope = json.dumps(env)
    resp = client.get(f"/api/v1/devices/{dev}/glpi.json", headers=h)
    assert resp.status_code == 409
    assert resp.get_json()["error"] == "report_invalid"
