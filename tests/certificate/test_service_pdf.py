"""The certificate as the service serves it: a real signed report uploaded to the real
Flask app (SQLite), then GET /c/{uuid}/certificate.pdf, which calls render_certificate with
the service's own signature verification."""

from __future__ import annotations

import copy
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from deuxvie import wire
from report_sample import HDD_SERIAL, NVME_SERIAL

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils")
ADMIN = "label-test-admin-token-0123456789"


def test_service_serves_the_certificate_pdf(report: dict[str, Any], tmp_path: Path) -> None:
    from deuxvie_server import stations
    from deuxvie_server.app import create_app
    from deuxvie_server.config import Config

    app = create_app(Config(db_url=f"sqlite:///{tmp_path / 'db.sqlite3'}", admin_token=ADMIN))
    try:
        client = app.test_client()
        key = Ed25519PrivateKey.generate()
        with app.extensions["deuxvie"]["sessions"].begin() as session:
            token = stations.create_enrolment_token(session, "label test")
        enrolled = client.post(
            "/api/v1/stations/enrol",
            json={
                "token": token,
                "station_id": report["station"]["id"],
                "public_key": wire.public_key_b64(key.public_key()),
            },
        )
        assert enrolled.status_code == 201, enrolled.get_json()
        rep = copy.deepcopy(report)
        rep["station"]["key_id"] = wire.key_id(key.public_key())
        # the service recomputes the identity hash from the facts (issue 11 item 11)
        dev = rep["device"]
        dev["identity_hash"] = wire.device_identity_hash(
            dev["vendor"], dev["model"], dev["serial"], dev["chassis_type"], dev["macs"])
        posted = client.post("/api/v1/reports", json=wire.sign_report(rep, key))
        assert posted.status_code == 201, posted.get_json()

        resp = client.get(f"/c/{rep['uuid']}/certificate.pdf")
        assert resp.status_code == 200 and resp.mimetype == "application/pdf"
        pdf = tmp_path / "served.pdf"
        pdf.write_bytes(resp.data)
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "VALIDE (vérifiée par le service le" in text
        assert rep["station"]["key_id"] in text
        # the public PDF masks serials (#11.14); the full one is for admins and the donor
        assert NVME_SERIAL not in text and HDD_SERIAL not in text
        assert NVME_SERIAL[-4:] in text and HDD_SERIAL[-4:] in text
        assert "EFFACEMENT NON CERTIFIÉ" in text
        full = client.get(f"/c/{rep['uuid']}/certificate.pdf?full=1",
                          headers={"Authorization": f"Bearer {ADMIN}"})
        assert full.status_code == 200
        pdf.write_bytes(full.data)
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert NVME_SERIAL in text and HDD_SERIAL in text
    finally:
        app.extensions["deuxvie"]["engine"].dispose()
