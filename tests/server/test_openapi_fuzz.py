"""schemathesis over the served OpenAPI document, against the real HTTP server: no 5xx,
responses match the documented status codes, content types and schemas.

`positive_data_acceptance` is excluded on purpose: a schema-valid DSSE envelope with a
random signature MUST be refused (4xx), which that check counts as a failure."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import factories
import pytest
from deuxvie import wire
from deuxvie_server.app import create_app
from deuxvie_server.config import Config
from flask import Flask
from server_helpers import ADMIN, LiveServer, enrol

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"


@pytest.fixture
def live(db_url: str) -> Iterator[tuple[Flask, LiveServer]]:
    app = create_app(Config(db_url=db_url, admin_token=ADMIN))
    server = LiveServer(app)
    try:
        yield app, server
    finally:
        server.stop()
        app.extensions["deuxvie"]["engine"].dispose()


def test_openapi_document_is_served_and_lists_every_api_route(
    live: tuple[Flask, LiveServer]
) -> None:
    app, _server = live
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    documented = {p.replace("{", "<").replace("}", ">") for p in doc["paths"]}
    import re

    routes = {
        re.sub(r"<int:(\w+)>", r"<\1>", r.rule.replace("<uuid:rid>", "<uuid>"))
        for r in app.url_map.iter_rules()
        if r.rule.startswith(("/api/", "/c/")) or "attestation.pdf" in r.rule
    }
    routes.discard("/c/<uuid>/certificate.pdf")  # optional hook, owned by the label helper
    assert routes == documented


def test_schemathesis_finds_no_server_error(live: tuple[Flask, LiveServer],
                                            tmp_path: Path) -> None:
    app, server = live
    key = enrol(app)
    env = wire.sign_report(factories.make_report(key=key), key)
    assert app.test_client().post("/api/v1/reports", json=env).status_code == 201
    proc = subprocess.run(
        [str(SCHEMATHESIS), "run", f"{server.url}/api/v1/openapi.json",
         "-H", f"Authorization: Bearer {ADMIN}",
         "--checks", "all", "--exclude-checks", "positive_data_acceptance",
         "--max-examples", "15", "--seed", "20261122", "--no-shrink",
         "--report", "ndjson", "--report-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    tail = proc.stdout[-4000:]
    assert proc.returncode == 0, tail
    assert "5xx" not in tail.split("SUMMARY")[-1] or "0 failures" in tail
    # the run really exercised the API (not a vacuous pass on an unreachable schema)
    events = [json.loads(line) for f in tmp_path.glob("*.ndjson")
              for line in f.read_text().splitlines() if line.strip()]
    assert events, "schemathesis wrote no events"
    assert "12 passed" in proc.stdout or "generated" in proc.stdout, tail
