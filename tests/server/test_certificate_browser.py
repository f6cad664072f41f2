"""The certificate page as a person scanning the QR code sees it: Debian's headless
Chromium against the real HTTP server. Screenshots are kept in tests/server/out/."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import factories
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from deuxvie import wire
from deuxvie_server.app import create_app
from deuxvie_server.config import Config
from deuxvie_server.models import Report
from flask import Flask
from server_helpers import ADMIN, LiveServer, enrol

CHROMIUM = "/usr/bin/chromium"
OUT = Path(__file__).resolve().parent / "out"


def chromium(tmp: Path, url: str, *mode: str) -> str:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is not installed (Makefile APT_PACKAGES has it)")
    profile = tmp / "chromium-profile"
    profile.mkdir(exist_ok=True)
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={profile}", "--window-size=1200,1600",
         *mode, url],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def visible_text(dom: str) -> str:
    body = re.sub(r"(?s)<(style|script)[^>]*>.*?</\1>", " ", dom)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[Flask, LiveServer]]:
    app = create_app(Config(db_url=f"sqlite:///{tmp_path / 'cert.sqlite3'}", admin_token=ADMIN))
    server = LiveServer(app)
    try:
        yield app, server
    finally:
        server.stop()
        app.extensions["deuxvie"]["engine"].dispose()


def test_certificate_valid_then_forged_in_chromium(
    live: tuple[Flask, LiveServer], tmp_path: Path
) -> None:
    app, server = live
    key: Ed25519PrivateKey = enrol(app)
    report = factories.example_report(tmp_path)
    report["station"]["key_id"] = wire.key_id(key.public_key())
    env = wire.sign_report(report, key)
    client = app.test_client()
    assert client.post("/api/v1/reports", json=env).status_code == 201
    rid = report["uuid"]
    url = f"{server.url}/c/{rid}?lang=en"

    OUT.mkdir(exist_ok=True)
    text = visible_text(chromium(tmp_path, url, "--dump-dom"))
    assert "VALID ✔" in text and "INVALID" not in text
    # the disk serial, masked (#11.14: the QR travels with the machine)
    assert "S2•••••••••345A" in text and "S2R6NX0H612345A" not in text
    assert "Erased" in text and "NIST SP 800-88 Clear" in text and "250.1 GB" in text
    shot = OUT / "certificate-valid.png"
    shot.unlink(missing_ok=True)
    chromium(tmp_path, url, f"--screenshot={shot}")
    assert shot.stat().st_size > 10_000

    fr = visible_text(chromium(tmp_path, f"{server.url}/c/{rid}?lang=fr", "--dump-dom"))
    assert "VALIDE ✔" in fr and "Effacé" in fr and "250.1 Go" in fr

    # Forge the stored report: claim the wipe of another disk serial.
    with app.extensions["deuxvie"]["sessions"].begin() as session:
        row = session.get(Report, rid)
        assert row is not None
        stored = json.loads(row.envelope)
        payload = json.loads(base64.b64decode(stored["payload"]))
        payload["erasure"][0]["media"]["serial"] = "FORGED-0001"
        stored["payload"] = base64.b64encode(wire.canonical_json(payload)).decode()
        row.envelope = json.dumps(stored)
    text = visible_text(chromium(tmp_path, url, "--dump-dom"))
    assert "INVALID ✘" in text and "VALID ✔" not in text
    shot = OUT / "certificate-forged.png"
    shot.unlink(missing_ok=True)
    chromium(tmp_path, url, f"--screenshot={shot}")
    assert shot.stat().st_size > 10_000


def teardown_module() -> None:
    # keep the screenshots for a human to look at, but never the chromium profiles
    shutil.rmtree(OUT / "profiles", ignore_errors=True)
