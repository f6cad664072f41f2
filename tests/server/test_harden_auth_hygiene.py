"""Issue 11 item 13 (the parts outside login sessions): the admin token never on the
command line; certificate URLs and the PDF link from DEUXVIE_PUBLIC_URL, never from the
Host header; CSP / frame-ancestors / nosniff / no-store; enrolment attempts rate-limited."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import factories
import pytest
import requests
from deuxvie import wire
from deuxvie.demo import server_cli
from flask import Flask
from flask.testing import FlaskClient
from server_helpers import ADMIN, ServedProcess, admin_headers, enrol


def test_admin_token_on_argv_is_refused(tmp_path: Path) -> None:
    proc = subprocess.run([*server_cli(), "serve", "--db", f"sqlite:///{tmp_path}/x.db",
                           "--admin-token", "secret-on-argv"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "DEUXVIE_ADMIN_TOKEN" in proc.stderr


def test_token_file_and_public_url_not_host_header(app: Flask, tmp_path: Path) -> None:
    key = enrol(app)
    token_file = tmp_path / "admin-token"
    token_file.write_text("file-admin-token-0123456789\n")
    token_file.chmod(0o600)
    server = ServedProcess(app.extensions["deuxvie"]["config"].db_url, workers=1,
                           extra=["--admin-token-file", str(token_file)],
                           env={"DEUXVIE_ADMIN_TOKEN": "",
                                "DEUXVIE_PUBLIC_URL": "https://certs.example.org/"})
    try:
        assert server.proc is not None
        cmdlines = [p.read_bytes() for p in Path("/proc").glob("[0-9]*/cmdline")
                    if p.exists() and b"deuxvie-server" in p.read_bytes()]
        assert cmdlines and not any(b"file-admin-token" in c for c in cmdlines)
        ok = requests.get(f"{server.url}/api/v1/stations", timeout=30, headers={
            "Authorization": "Bearer file-admin-token-0123456789"})
        assert ok.status_code == 200
        assert requests.get(f"{server.url}/api/v1/stations", timeout=30,
                            headers=admin_headers()).status_code == 401  # env token unset
        report = factories.make_report(key=key)
        resp = requests.post(f"{server.url}/api/v1/reports", timeout=30,
                             data=json.dumps(wire.sign_report(report, key)),
                             headers={"Host": "evil.example",
                                      "Content-Type": "application/json"})
        assert resp.status_code == 201, resp.text
        assert resp.json()["certificate_url"] == \
            f"https://certs.example.org/c/{report['uuid']}"
        pdf = requests.get(f"{server.url}/c/{report['uuid']}/certificate.pdf", timeout=60,
                           headers={"Host": "evil.example"})
    finally:
        server.stop()
    if pdf.status_code == 200 and shutil.which("pdftotext"):
        out = tmp_path / "c.pdf"
        out.write_bytes(pdf.content)
        text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True,
                              text=True, check=True).stdout
        assert "evil.example" not in text and b"evil.example" not in pdf.content
        assert "certs.example.org" in text.replace("\n", "")


@pytest.mark.parametrize("path", ["/login", "/devices", "/export/devices.csv",
                                  "/export/erasure.csv", "/api/v1/stations"])
def test_security_headers(client: FlaskClient, path: str) -> None:
    resp = client.get(path, headers=admin_headers())
    assert resp.status_code == 200, (path, resp.status_code)
    csp = resp.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Cache-Control"] == "no-store"


def test_enrolment_attempts_are_rate_limited_per_address(client: FlaskClient) -> None:
    body = {"token": "dv_guess", "station_id": "s1",
            "public_key": wire.public_key_b64(factories.EXAMPLE_KEY.public_key())}
    codes = [client.post("/api/v1/stations/enrol", json=body).status_code
             for _ in range(25)]
    assert codes[:20] == [403] * 20 and codes[20:] == [429] * 5
    other = client.post("/api/v1/stations/enrol", json=body,
                        environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert other.status_code == 403
    assert ADMIN  # the admin token is not needed to be refused
