"""`make bench-server`: concurrent clients posting signed reports to a real deuxvie-server.

Starts `deuxvie-server serve` (a separate process, as deployed) on SQLite and on a throwaway
PostgreSQL cluster, enrols one station, pre-signs N distinct reports (from
tests/data/report-example.json: new uuid, new machine serial), then posts them from C client
threads with keep-alive sessions. Prints reports/s and p50/p99 latency per backend.

    python -m bench.server [--reports 2000] [--clients 8] [--backend sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import copy
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests
from deuxvie import wire

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "tests" / "data" / "report-example.json"
BIN = Path(sys.executable).parent
sys.path.insert(0, str(REPO / "tests" / "server"))


SERVE_ARGS: list[str] = []  # --workers/--threads passed through to `deuxvie-server serve`


def make_bodies(n: int, station_id: str, key: Any) -> list[bytes]:
    base = json.loads(EXAMPLE.read_text())
    base["station"] = {"id": station_id, "key_id": wire.key_id(key.public_key())}
    bodies = []
    for i in range(n):
        r = copy.deepcopy(base)
        r["uuid"] = str(uuid.uuid4())
        r["device"]["serial"] = f"BENCH-{i:06d}"
        r["device"]["identity_hash"] = wire.device_identity_hash(
            r["device"]["vendor"], r["device"]["model"], r["device"]["serial"],
            r["device"]["chassis_type"], r["device"]["macs"])
        bodies.append(json.dumps(wire.sign_report(r, key)).encode())
    return bodies


def run_backend(name: str, db_url: str, n: int, clients: int,
                db_pid: int | None = None) -> dict[str, float]:
    from pgcluster import free_port
    from server_helpers import wait_for_port

    tok = subprocess.run([str(BIN / "deuxvie-server"), "token", "create", "--db", db_url],
                         capture_output=True, text=True, check=True).stdout.strip()
    port = free_port()
    proc = subprocess.Popen(
        [str(BIN / "deuxvie-server"), "serve", "--db", db_url, "--port", str(port),
         *SERVE_ARGS],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, 60)
        url = f"http://127.0.0.1:{port}"
        key = wire.generate_private_key()
        r = requests.post(f"{url}/api/v1/stations/enrol", timeout=30, json={
            "token": tok, "station_id": "bench", "public_key": wire.public_key_b64(
                key.public_key())})
        r.raise_for_status()
        bodies = make_bodies(n, "bench", key)
        local = threading.local()
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        lock = threading.Lock()

        def post(body: bytes) -> None:
            # http.client, one keep-alive connection per thread: requests cost ~1.4 ms of
            # CPU per call, taken from the same two cores as the service being measured
            conn = getattr(local, "c", None)
            if conn is None:
                conn = local.c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            t0 = time.perf_counter()
            conn.request("POST", "/api/v1/reports", body=body,
                         headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            dt = time.perf_counter() - t0
            with lock:
                latencies.append(dt)
                statuses[resp.status] = statuses.get(resp.status, 0) + 1

        for body in bodies[:20]:  # warm-up (imports, caches, first connections)
            post(body)
        latencies.clear()
        statuses.clear()
        srv_cpu0, db_cpu0, me_cpu0 = _cpu(proc.pid), (_cpu(db_pid) if db_pid else 0.0), _self_cpu()
        t0 = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(post, bodies[20:]))
        wall = time.perf_counter() - t0
        srv_cpu = _cpu(proc.pid) - srv_cpu0
        db_cpu = (_cpu(db_pid) if db_pid else 0.0) - db_cpu0
        me_cpu = _self_cpu() - me_cpu0
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    lat = sorted(latencies)
    per = 1000 / max(1, len(lat))
    print(f"{name:9s} CPU per report: service {srv_cpu * per:.2f} ms, database server "
          f"{db_cpu * per:.2f} ms, bench client {me_cpu * per:.2f} ms "
          f"(the {os.cpu_count()} cores had {(os.cpu_count() or 1) * wall * per:.2f} ms per "
          f"report at this rate; the rest went to other processes)")
    res = {
        "reports": len(lat),
        "reports_per_s": len(lat) / wall,
        "p50_ms": 1000 * statistics.median(lat),
        "p99_ms": 1000 * lat[min(len(lat) - 1, int(0.99 * len(lat)))],
    }
    ok = statuses.get(201, 0)
    print(f"{name:9s} {res['reports']:5d} reports, {clients} clients: "
          f"{res['reports_per_s']:7.1f} reports/s, p50 {res['p50_ms']:6.1f} ms, "
          f"p99 {res['p99_ms']:6.1f} ms, HTTP {dict(sorted(statuses.items()))}"
          + ("" if ok == len(lat) else "  <-- NOT ALL STORED"))
    return res


def _cpu(pid: int) -> float:
    """CPU seconds of a process and its children (gunicorn master + workers; postmaster +
    backends)."""
    import psutil

    procs = [psutil.Process(pid)]
    procs += procs[0].children(recursive=True)
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += t.user + t.system
    return total


def _self_cpu() -> float:
    t = os.times()
    return t.user + t.system


def cpu_per_report(n: int = 300) -> float:
    """CPU milliseconds the service spends per stored report (in-process, sequential, no
    HTTP): robust to other load on the machine, unlike reports/s."""
    from deuxvie_server.app import create_app
    from deuxvie_server.config import Config
    from server_helpers import enrol

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(Config(db_url=f"sqlite:///{tmp}/cpu.sqlite3", admin_token="x"))
        key = enrol(app, "bench")
        bodies = make_bodies(n + 20, "bench", key)
        client = app.test_client()
        for body in bodies[:20]:
            client.post("/api/v1/reports", data=body, content_type="application/json")
        t0 = time.process_time()
        for body in bodies[20:]:
            resp = client.post("/api/v1/reports", data=body, content_type="application/json")
            assert resp.status_code == 201, resp.get_json()
        cpu_ms = 1000 * (time.process_time() - t0) / n
        app.extensions["deuxvie"]["engine"].dispose()
    print(f"in-process ingest (SQLite, werkzeug test client): {cpu_ms:.2f} ms CPU per report "
          f"-> at most {1000 / cpu_ms:.0f} reports/s per core")
    return cpu_ms


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=2000)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--workers", type=int, help="serve --workers (default: its own)")
    ap.add_argument("--threads", type=int, help="serve --threads (default: its own)")
    args = ap.parse_args()
    if args.workers is not None:
        SERVE_ARGS.extend(["--workers", str(args.workers)])
    if args.threads is not None:
        SERVE_ARGS.extend(["--threads", str(args.threads)])
    print(f"serve {' '.join(SERVE_ARGS) or '(defaults)'}")
    print(f"cpus {os.cpu_count()}, load {os.getloadavg()[0]:.1f}, report body "
          f"{len(make_bodies(1, 'x', wire.generate_private_key())[0])} bytes")
    cpu_per_report()
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            run_backend("sqlite", f"sqlite:///{tmp}/bench.sqlite3", args.reports, args.clients)
    if args.backend in ("postgres", "both"):
        from pgcluster import PgCluster

        cluster = PgCluster.start()
        try:
            pid = int((cluster.datadir / "postmaster.pid").read_text().split()[0])
            run_backend("postgres", cluster.createdb("bench"), args.reports, args.clients, pid)
        finally:
            cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
