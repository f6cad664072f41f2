"""Issue 11 item 6: 32 clients trickling request bodies (one byte every 0.3 s, reconnecting
when cut) do not stop the deployed service (gunicorn gthread workers, default options):
normal requests keep answering, and the tricklers are cut with 408 after the grace time
(bodies.py). The p99 measured is printed; the threshold is loose because this machine is
shared (the README has the figures)."""

from __future__ import annotations

import json
import socket
import statistics
import threading
import time

import factories
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from deuxvie import wire
from flask import Flask
from server_helpers import ServedProcess, enrol

TRICKLERS = 32
RUN_S = 25.0


def trickle(port: int, stop: threading.Event, outcomes: list[str]) -> None:
    while not stop.is_set():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
                s.sendall(b"POST /api/v1/reports HTTP/1.1\r\nHost: x\r\n"
                          b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
                s.settimeout(0.3)
                while not stop.is_set():
                    try:
                        answer = s.recv(200)
                    except TimeoutError:
                        s.sendall(b" ")
                        continue
                    outcomes.append(answer.split(b"\r\n", 1)[0].decode(errors="replace"))
                    break
        except OSError as exc:
            outcomes.append(type(exc).__name__)
            time.sleep(0.2)


def test_trickling_bodies_do_not_starve_normal_requests(app: Flask) -> None:
    key: Ed25519PrivateKey = enrol(app)
    # the service's defaults (workers = cores + 1, threads), as `deuxvie-server serve` runs
    server = ServedProcess(app.extensions["deuxvie"]["config"].db_url, workers=3,
                           threads=None)
    stop = threading.Event()
    outcomes: list[str] = []
    tricklers = [threading.Thread(target=trickle, args=(server.port, stop, outcomes))
                 for _ in range(TRICKLERS)]
    latencies: list[float] = []
    statuses: list[int] = []
    try:
        for t in tricklers:
            t.start()
        time.sleep(2.0)  # every trickler connected and holding a request open
        end = time.monotonic() + RUN_S
        i = 0
        with requests.Session() as s:
            while time.monotonic() < end:
                i += 1
                body = json.dumps(wire.sign_report(factories.make_report(
                    key=key, system_serial=f"S-{i}"), key)) if i % 2 else None
                t0 = time.monotonic()
                if body:
                    resp = s.post(f"{server.url}/api/v1/reports", data=body, timeout=30,
                                  headers={"Content-Type": "application/json"})
                else:
                    resp = s.get(f"{server.url}/api/v1/openapi.json", timeout=30)
                latencies.append(time.monotonic() - t0)
                statuses.append(resp.status_code)
                time.sleep(0.05)
    finally:
        stop.set()
        for t in tricklers:
            t.join(timeout=30)
        err = server.stop()
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    print(f"\n{len(latencies)} normal requests beside {TRICKLERS} tricklers: "
          f"median {statistics.median(latencies) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
          f"max {latencies[-1] * 1000:.0f} ms; trickler outcomes "
          f"{ {o: outcomes.count(o) for o in set(outcomes)} }")
    assert set(statuses) <= {200, 201}, statuses
    assert len(latencies) > 100
    assert p99 < 2.5, f"p99 {p99:.2f} s"  # loose: shared 2-core machine; measured in README
    assert any("408" in o for o in outcomes), outcomes[:20]
    assert "Traceback" not in err, err[-3000:]
