"""Issue 11 item 5: enrolment, revocation and token creation go through the ingest writer
path (writer queue + BEGIN IMMEDIATE on SQLite, row locks on PostgreSQL). Under an ingest
burst against the deployed server (gunicorn worker processes): 12 concurrent enrolments with
ONE token give exactly one 201 and eleven 403, every revocation succeeds and is honoured,
and nothing answers 5xx. On main, SQLite answered "database is locked" 500s."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import factories
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from deuxvie import wire
from deuxvie_server import stations
from flask import Flask
from server_helpers import ServedProcess, admin_headers, enrol


def _new_token(app: Flask) -> str:
    with app.extensions["deuxvie"]["sessions"].begin() as session:
        return stations.create_enrolment_token(session, "t")


def run_together(jobs: list[Callable[[], Any]]) -> list[Any]:
    barrier = threading.Barrier(len(jobs))
    out: list[Any] = [None] * len(jobs)

    def run(i: int) -> None:
        barrier.wait()
        try:
            out[i] = jobs[i]()
        except Exception as exc:  # a client error is a result too (reported by the assert)
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    return out


def test_enrolments_revocations_and_tokens_under_an_ingest_burst(app: Flask) -> None:
    victims = {f"victim-{i}": enrol(app, f"victim-{i}") for i in range(4)}
    burst_key = enrol(app, "burst")
    shared = _new_token(app)
    own = [_new_token(app) for _ in range(6)]
    bodies = [json.dumps(wire.sign_report(factories.make_report(
        key=burst_key, station_id="burst", system_serial=f"B-{i}",
        mac=f"02:00:00:00:{i // 256:02x}:{i % 256:02x}"), burst_key)).encode()
        for i in range(120)]
    server = ServedProcess(app.extensions["deuxvie"]["config"].db_url, workers=3, threads=4)
    url = server.url

    def burst(part: list[bytes]) -> Callable[[], list[int]]:
        def go() -> list[int]:
            with requests.Session() as s:
                return [s.post(f"{url}/api/v1/reports", data=b, timeout=60,
                               headers={"Content-Type": "application/json"}).status_code
                        for b in part]
        return go

    def enrolment(token: str, sid: str) -> Callable[[], int]:
        key = wire.public_key_b64(Ed25519PrivateKey.generate().public_key())
        return lambda: requests.post(f"{url}/api/v1/stations/enrol", timeout=60, json={
            "token": token, "station_id": sid, "public_key": key}).status_code

    def revocation(sid: str) -> Callable[[], int]:
        return lambda: requests.post(f"{url}/api/v1/stations/{sid}/revoke", timeout=60,
                                     headers=admin_headers()).status_code

    def token() -> int:
        return requests.post(f"{url}/api/v1/tokens", json={"note": "x"}, timeout=60,
                             headers=admin_headers()).status_code

    jobs: list[Callable[[], Any]] = [burst(bodies[i::6]) for i in range(6)]
    jobs += [enrolment(shared, f"shared-{i}") for i in range(6)]
    jobs += [enrolment(shared, "shared-same") for _ in range(6)]  # same id too
    jobs += [enrolment(t, f"own-{i}") for i, t in enumerate(own)]
    jobs += [revocation(sid) for sid in victims]
    jobs += [token for _ in range(4)]
    try:
        results = run_together(jobs)
        late = [requests.post(f"{url}/api/v1/reports", timeout=60, data=json.dumps(
            wire.sign_report(factories.make_report(key=k, station_id=sid), k)))
            for sid, k in victims.items()]
    finally:
        err = server.stop()
    bursts, rest = results[:6], results[6:]
    assert all(isinstance(r, list) for r in bursts), (bursts, err[-2000:])
    ingest_codes = Counter(c for r in bursts for c in r)
    assert ingest_codes == {201: 120}, (ingest_codes, err[-2000:])
    shared_codes = Counter(rest[:12])
    assert shared_codes == {201: 1, 403: 11}, (shared_codes, err[-2000:])
    assert rest[12:18] == [201] * 6, err[-2000:]
    assert rest[18:22] == [200] * 4, err[-2000:]
    assert rest[22:26] == [201] * 4, err[-2000:]
    assert [r.status_code for r in late] == [403] * 4
    assert {r.json()["error"] for r in late} == {"revoked_key"}
