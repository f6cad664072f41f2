"""`deuxvie-server serve` as deployed: gunicorn with several worker PROCESSES on one database.
Racing uploads are stored once across processes (SQLite: the flock writer queue,
db.WriterQueue; PostgreSQL: savepoints), and a revocation made through one worker is
honoured by every worker although each caches station keys (ingest.KeyCache)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import factories
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from deuxvie import wire
from flask import Flask
from pgcluster import free_port
from server_helpers import ADMIN, admin_headers, counts, post_all, wait_for_port

SERVER = str(Path(sys.executable).parent / "deuxvie-server")


def test_worker_processes_store_races_once_and_share_revocation(
    app: Flask, station_key: Ed25519PrivateKey
) -> None:
    db_url = app.extensions["deuxvie"]["config"].db_url
    port = free_port()
    proc = subprocess.Popen([SERVER, "serve", "--db", db_url, "--port", str(port),
                             "--workers", "3", "--threads", "2"],
                            env={**os.environ, "DEUXVIE_ADMIN_TOKEN": ADMIN},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_port(port, 60)
        same = json.dumps(wire.sign_report(factories.make_report(key=station_key),
                                           station_key)).encode()
        others = [json.dumps(wire.sign_report(factories.make_report(
            key=station_key, system_serial="NEW-MACHINE", mac="02:00:00:00:00:01"),
            station_key)).encode() for _ in range(9)]
        statuses = post_all(url, [same] * 6 + others)
        # every worker has now seen (and cached) the station key; revoke through one of them
        resp = requests.post(f"{url}/api/v1/stations/atelier-lyon-1/revoke",
                             headers=admin_headers(), timeout=30)
        assert resp.status_code == 200, resp.text
        late = [json.dumps(wire.sign_report(factories.make_report(key=station_key),
                                            station_key)).encode() for _ in range(12)]
        late_statuses = post_all(url, late)
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=60)
    same_codes = Counter(code for body, code in statuses if body is same)
    assert same_codes == {201: 1, 200: 5}, (same_codes, err[-2000:])
    assert all(code == 201 for body, code in statuses if body is not same)
    assert Counter(code for _, code in late_statuses) == {403: 12}
    c = counts(app)
    assert c["reports"] == 10 and c["devices"] == 2 and c["erasure_records"] == 10
