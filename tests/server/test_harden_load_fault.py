"""Issue 11 acceptance: ingest burst + enrolments + revocations at once against the
deployed server, then SIGKILL (master and workers, mid-burst) and restart: every report
acknowledged 2xx is present and verifies, every revocation acknowledged is in force, and
nothing answered 5xx. SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import factories
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from deuxvie import wire
from deuxvie_server import stations
from flask import Flask
from server_helpers import ServedProcess, admin_headers, enrol


def test_burst_enrol_revoke_then_sigkill_and_restart(app: Flask) -> None:
    burst_key = enrol(app, "burst")
    victims = {f"victim-{i}": enrol(app, f"victim-{i}") for i in range(3)}
    with app.extensions["deuxvie"]["sessions"].begin() as session:
        tokens = [stations.create_enrolment_token(session, "t") for _ in range(6)]
    server = ServedProcess(app.extensions["deuxvie"]["config"].db_url, workers=3, threads=8)
    url = server.url
    acked: dict[str, int] = {}
    codes: list[int] = []
    revoked: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def record(code: int) -> None:
        with lock:
            codes.append(code)

    def ingest(worker: int) -> None:
        with requests.Session() as s:
            for i in range(400):
                if stop.is_set():
                    return
                report = factories.make_report(key=burst_key, station_id="burst",
                                               system_serial=f"L-{worker}-{i}")
                try:
                    resp = s.post(f"{url}/api/v1/reports", timeout=30,
                                  data=json.dumps(wire.sign_report(report, burst_key)),
                                  headers={"Content-Type": "application/json"})
                except requests.RequestException:
                    return  # the server was killed under this request: not acknowledged
                record(resp.status_code)
                if resp.status_code in (200, 201):
                    with lock:
                        acked[report["uuid"]] = resp.status_code

    def enrolment(token: str, sid: str) -> None:
        key = wire.public_key_b64(Ed25519PrivateKey.generate().public_key())
        try:
            resp = requests.post(f"{url}/api/v1/stations/enrol", timeout=30, json={
                "token": token, "station_id": sid, "public_key": key})
            record(resp.status_code)
        except requests.RequestException:
            pass

    def revocation(sid: str) -> None:
        try:
            resp = requests.post(f"{url}/api/v1/stations/{sid}/revoke", timeout=30,
                                 headers=admin_headers())
        except requests.RequestException:
            return
        record(resp.status_code)
        if resp.status_code == 200:
            with lock:
                revoked.append(sid)

    threads = [threading.Thread(target=ingest, args=(w,)) for w in range(4)]
    threads += [threading.Thread(target=enrolment, args=(t, f"new-{i}"))
                for i, t in enumerate(tokens)]
    threads += [threading.Thread(target=revocation, args=(sid,)) for sid in victims]
    try:
        for t in threads:
            t.start()
        time.sleep(4.0)
        server.kill()  # SIGKILL to the whole process group: no clean shutdown
        stop.set()
        for t in threads:
            t.join(timeout=60)
        server.start()
        results: list[dict[str, Any]] = []
        with requests.Session() as s:
            for rid in acked:
                resp = s.get(f"{url}/api/v1/reports/{rid}", headers=admin_headers(),
                             timeout=30)
                results.append({"rid": rid, "status": resp.status_code,
                                "valid": resp.json().get("verification", {}).get("valid")})
            late = {sid: s.post(f"{url}/api/v1/reports", timeout=30, data=json.dumps(
                wire.sign_report(factories.make_report(key=k, station_id=sid), k)))
                for sid, k in victims.items()}
    finally:
        err = server.stop()
    print(f"\n{len(acked)} reports acknowledged before SIGKILL, {len(revoked)} revocations,"
          f" statuses {sorted(set(codes))}")
    assert len(acked) > 20, "the burst did not run before the kill"
    assert not [c for c in codes if c >= 500], (codes, err[-2000:])
    missing = [r for r in results if r["status"] != 200 or r["valid"] is not True]
    assert not missing, missing[:5]
    for sid in revoked:
        assert late[sid].status_code == 403 and late[sid].json()["error"] == "revoked_key"
