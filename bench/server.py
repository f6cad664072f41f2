"""`make bench-server`: signed reports posted to real `deuxvie-server serve` processes.

Starts `deuxvie-server serve` (separate processes, as deployed) on SQLite and on a throwaway
PostgreSQL cluster, enrols one station, pre-signs N distinct reports (from
tests/data/report-example.json: new uuid, new machine serial), then posts them from C client
threads over keep-alive connections. On PostgreSQL the load is mixed (issue 16): beside the
ingest clients one thread enrols stations (token + enrolment), revokes them (and checks that
a report they sign is then refused) and reads certificate pages, at fixed rates. Phases:

1. CPU per report in one process (werkzeug test client, no HTTP): robust to machine load;
2. SQLite, ingest alone (the goal of issue 10: >= 300 reports/s, p99 < 100 ms);
3. PostgreSQL, ingest alone then mixed load, one service (default workers): the goal is
   >= 1,000 reports/s, p99 < 50 ms under the mixed load (ingest alone shows what the side
   load costs);
4. PostgreSQL, mixed load, one service with --workers 1, then two such services on two
   ports behind the same database, clients split between them: goal >= 1.7x.

Every figure is printed with its goal and the load average beside it, and with the CPU per
report of the services, of PostgreSQL and of this client (it shares the machine's cores),
and the rate those CPU costs allow on this machine's cores (`ceiling`).

    python -m bench.server [--reports 2000] [--clients 8] [--backend sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import copy
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deuxvie import wire

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "tests" / "data" / "report-example.json"
BIN = Path(sys.executable).parent
sys.path.insert(0, str(REPO / "tests" / "server"))

# the goals of issue 16 (PostgreSQL, mixed load) and of issue 10 (SQLite, ingest alone)
GOAL_PG_RATE = 1000.0
GOAL_PG_P99_MS = 50.0
GOAL_SCALE = 1.7
GOAL_SQLITE_RATE = 300.0
GOAL_SQLITE_P99_MS = 100.0
# side load beside ingest (per second): a network's QR scans, new stations, lost sticks
SIDE_RATES = {"certificate": 20.0, "enrol": 2.0, "revoke": 1.0}
WARMUP = 20


# ---------------------------------------------------------------- arithmetic (tested)

def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1) of values sorted ascending; 0 when empty."""
    if not sorted_values:
        return 0.0
    rank = max(1, -(-len(sorted_values) * q // 1))  # ceil(n q), at least the first
    return sorted_values[min(len(sorted_values), int(rank)) - 1]


@dataclass
class OpStats:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    def add(self, status: int, ms: float) -> None:
        self.latencies_ms.append(ms)
        self.statuses[status] = self.statuses.get(status, 0) + 1

    @property
    def count(self) -> int:
        return len(self.latencies_ms)

    @property
    def p99_ms(self) -> float:
        return percentile(sorted(self.latencies_ms), 0.99)


@dataclass
class Phase:
    """One timed run: what the clients saw and the CPU seconds each party spent."""

    name: str
    wall_s: float
    ingest: OpStats
    cpu_s: dict[str, float]  # "service", "database", "client"
    cores: int
    load: float
    side: dict[str, OpStats] = field(default_factory=dict)
    refused_after_revoke: int = 0  # reports of a revoked station answered 403

    @property
    def reports(self) -> int:
        return self.ingest.count

    @property
    def reports_per_s(self) -> float:
        return self.reports / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def p50_ms(self) -> float:
        return percentile(sorted(self.ingest.latencies_ms), 0.50)

    @property
    def p99_ms(self) -> float:
        return self.ingest.p99_ms

    def cpu_ms_per_report(self, who: str) -> float:
        return 1000 * self.cpu_s.get(who, 0.0) / self.reports if self.reports else 0.0

    def ceiling(self, parties: Sequence[str]) -> float:
        """Reports/s the cores allow if the CPU per report of `parties` were all they did
        (side load included in those costs: it ran beside)."""
        ms = sum(self.cpu_ms_per_report(p) for p in parties)
        return self.cores * 1000 / ms if ms > 0 else 0.0


def goal(value: float, target: float, higher_is_better: bool = True) -> str:
    met = value >= target if higher_is_better else value < target
    sign = ">=" if higher_is_better else "<"
    return f"(goal {sign} {target:g}: {'met' if met else 'NOT MET'})"


def phase_lines(p: Phase, rate_goal: float, p99_goal: float) -> list[str]:
    lines = [
        f"{p.name}: {p.reports} reports in {p.wall_s:.2f} s = {p.reports_per_s:.1f} reports/s "
        f"{goal(p.reports_per_s, rate_goal)}, p50 {p.p50_ms:.1f} ms, p99 {p.p99_ms:.1f} ms "
        f"{goal(p.p99_ms, p99_goal, higher_is_better=False)}, HTTP "
        f"{dict(sorted(p.ingest.statuses.items()))}, load {p.load:.2f}",
        f"  CPU per report: service {p.cpu_ms_per_report('service'):.2f} ms, PostgreSQL/"
        f"SQLite server {p.cpu_ms_per_report('database'):.2f} ms, bench client "
        f"{p.cpu_ms_per_report('client'):.2f} ms; ceiling on {p.cores} cores "
        f"{p.ceiling(['service', 'database', 'client']):.0f} reports/s with this client, "
        f"{p.ceiling(['service', 'database']):.0f} with the clients elsewhere",
    ]
    for op, st in p.side.items():
        lines.append(f"  beside: {op} {st.count} ({st.count / p.wall_s:.1f}/s, paced at "
                     f"{SIDE_RATES.get(op, 0):g}/s, one at a time), p99 "
                     f"{st.p99_ms:.1f} ms, HTTP {dict(sorted(st.statuses.items()))}")
    if "revoke" in p.side:
        lines.append(f"  reports signed after their station's revocation refused (403): "
                     f"{p.refused_after_revoke} of {p.side['revoke'].count}")
    return lines


def scale_line(one: Phase, two: Phase) -> str:
    ratio = two.reports_per_s / one.reports_per_s if one.reports_per_s else 0.0
    return (f"two services / one service: {two.reports_per_s:.1f} / {one.reports_per_s:.1f} "
            f"reports/s = {ratio:.2f}x {goal(ratio, GOAL_SCALE)}, load {two.load:.2f}")


# ---------------------------------------------------------------- load generator

class RawClient:
    """One keep-alive HTTP/1.1 connection posting pre-built request bytes: no header
    objects, no email parser (http.client costs ~0.5 ms of CPU a request, taken from the
    two cores the service is measured on). Answers must carry Content-Length (gunicorn
    and Flask send it)."""

    def __init__(self, port: int, source: str | None = None) -> None:
        self.port = port
        self.source = source
        self.sock: socket.socket | None = None

    def _connect(self) -> socket.socket:
        sock = socket.create_connection(
            ("127.0.0.1", self.port), timeout=60,
            source_address=(self.source, 0) if self.source else None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def request(self, raw: bytes) -> tuple[int, bytes]:
        for attempt in (0, 1):
            if self.sock is None:
                self.sock = self._connect()
            try:
                self.sock.sendall(raw)
                return self._response()
            except (ConnectionError, _Closed):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def _response(self) -> tuple[int, bytes]:
        assert self.sock is not None
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise _Closed
            buf += chunk
        head, _, body = buf.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        length = 0
        close = False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        while len(body) < length:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise _Closed
            body += chunk
        if close:
            self.close()
        return status, body[:length]

    def close(self) -> None:
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.close()
            self.sock = None


class _Closed(Exception):
    pass


def http_request(method: str, path: str, body: bytes = b"",
                 headers: dict[str, str] | None = None) -> bytes:
    head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    for k, v in (headers or {}).items():
        head.append(f"{k}: {v}")
    if body or method == "POST":
        head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def report_request(body: bytes) -> bytes:
    return http_request("POST", "/api/v1/reports", body)


def make_bodies(n: int, station_id: str, key: Any) -> list[bytes]:
    base = json.loads(EXAMPLE.read_text())
    base["station"] = {"id": station_id, "key_id": wire.key_id(key.public_key())}
    bodies = []
    for i in range(n):
        r = copy.deepcopy(base)
        r["uuid"] = str(uuid.uuid4())
        r["device"]["serial"] = f"BENCH-{station_id}-{i:06d}"
        r["device"]["identity_hash"] = wire.device_identity_hash(
            r["device"]["vendor"], r["device"]["model"], r["device"]["serial"],
            r["device"]["chassis_type"], r["device"]["macs"])
        bodies.append(json.dumps(wire.sign_report(r, key)).encode())
    return bodies


def _uuid_of(body: bytes) -> str:
    return str(json.loads(base64.b64decode(json.loads(body)["payload"]))["uuid"])


class SideLoad(threading.Thread):
    """Enrolments (admin token creation + enrolment), revocations of stations it enrolled
    (then a report signed by the revoked key: must be 403) and certificate page reads, at
    SIDE_RATES per second, round-robin over the services' ports."""

    def __init__(self, ports: list[int], admin: str, stored: list[str]) -> None:
        super().__init__(daemon=True, name="side-load")
        self.ports = ports
        self.admin = admin
        self.stored = stored
        self.stats = {op: OpStats() for op in SIDE_RATES}
        self.refused_after_revoke = 0
        self.stop = threading.Event()
        self.enrolled: list[tuple[str, Any]] = []
        self.clients = [RawClient(p) for p in ports]
        self.n = 0

    def _timed(self, op: str, client: RawClient, raw: bytes) -> tuple[int, bytes]:
        t0 = time.perf_counter()
        status, body = client.request(raw)
        self.stats[op].add(status, 1000 * (time.perf_counter() - t0))
        return status, body

    def run(self) -> None:
        start = time.perf_counter()
        done = dict.fromkeys(SIDE_RATES, 0)
        while not self.stop.is_set():
            now = time.perf_counter() - start
            late = [op for op, rate in SIDE_RATES.items() if done[op] < now * rate]
            if not late:
                self.stop.wait(0.005)
                continue
            op = min(late, key=lambda o: done[o] / SIDE_RATES[o])
            done[op] += 1
            self.n += 1
            client = self.clients[self.n % len(self.clients)]
            if op == "certificate" and self.stored:
                rid = self.stored[self.n % len(self.stored)]
                self._timed(op, client, http_request("GET", f"/c/{rid}"))
            elif op == "enrol":
                self._enrol(client)
            elif op == "revoke" and self.enrolled:
                self._revoke(client)

    def _enrol(self, client: RawClient) -> None:
        auth = {"Authorization": f"Bearer {self.admin}"}
        status, body = client.request(http_request("POST", "/api/v1/tokens", b"{}", auth))
        if status != 201:
            self.stats["enrol"].add(status, 0.0)
            return
        token = json.loads(body)["token"]
        key = wire.generate_private_key()
        sid = f"side-{secrets.token_hex(6)}"
        req = json.dumps({"token": token, "station_id": sid,
                          "public_key": wire.public_key_b64(key.public_key())}).encode()
        # each enrolment from its own loopback address: a workshop each, as in a network
        # (enrolment is limited to 20 attempts a minute per address and worker)
        src = RawClient(client.port, source=f"127.0.{1 + self.n // 250 % 250}.{self.n % 250 + 1}")
        try:
            status, _ = self._timed("enrol", src, http_request("POST", "/api/v1/stations/enrol",
                                                                req))
        finally:
            src.close()
        if status == 201:
            self.enrolled.append((sid, key))

    def _revoke(self, client: RawClient) -> None:
        sid, key = self.enrolled.pop(0)
        status, _ = self._timed("revoke", client, http_request(
            "POST", f"/api/v1/stations/{sid}/revoke", b"{}",
            {"Authorization": f"Bearer {self.admin}"}))
        if status == 200:
            # every service must now refuse it, the one that revoked and the others
            other = self.clients[(self.n + 1) % len(self.clients)]
            refused, _ = other.request(report_request(make_bodies(1, sid, key)[0]))
            self.refused_after_revoke += refused == 403


@contextlib.contextmanager
def services(db_url: str, count: int, serve_args: list[str], admin: str,
             key_file: Path) -> Iterator[list[tuple[int, subprocess.Popen[bytes]]]]:
    from pgcluster import free_port
    from server_helpers import wait_for_port

    env = {**os.environ, "DEUXVIE_ADMIN_TOKEN": admin}
    procs: list[tuple[int, subprocess.Popen[bytes]]] = []
    try:
        for _ in range(count):
            port = free_port()
            procs.append((port, subprocess.Popen(
                [str(BIN / "deuxvie-server"), "serve", "--db", db_url, "--port", str(port),
                 "--service-key", str(key_file), *serve_args],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)))
        for port, _ in procs:
            wait_for_port(port, 60)
        yield procs
    finally:
        for _, proc in procs:
            proc.terminate()
        for _, proc in procs:
            proc.wait(timeout=30)


def run_phase(name: str, db_url: str, n: int, clients: int, *, instances: int = 1,
              serve_args: Sequence[str] = (), mixed: bool = False,
              db_pid: int | None = None) -> Phase:
    tok = subprocess.run([str(BIN / "deuxvie-server"), "token", "create", "--db", db_url],
                         capture_output=True, text=True, check=True).stdout.strip()
    admin = secrets.token_urlsafe(24)
    with tempfile.TemporaryDirectory() as tmp, services(
            db_url, instances, list(serve_args), admin, Path(tmp) / "service-key.pem") as procs:
        ports = [p for p, _ in procs]
        key = wire.generate_private_key()
        enrol = json.dumps({"token": tok, "station_id": "bench",
                            "public_key": wire.public_key_b64(key.public_key())}).encode()
        status, answer = RawClient(ports[0]).request(
            http_request("POST", "/api/v1/stations/enrol", enrol))
        if status != 201:
            raise RuntimeError(f"enrolment failed: {status} {answer[:200]!r}")
        requests = [report_request(b) for b in make_bodies(n + WARMUP, "bench", key)]
        local = threading.local()
        ingest = OpStats()
        lock = threading.Lock()
        counter = iter(range(10**9))

        def post(raw: bytes) -> None:
            client = getattr(local, "c", None)
            if client is None:
                client = local.c = RawClient(ports[next(counter) % len(ports)])
            t0 = time.perf_counter()
            status, _ = client.request(raw)
            ms = 1000 * (time.perf_counter() - t0)
            with lock:
                ingest.add(status, ms)

        # warm-up on every service (imports, caches, first connections)
        for i, raw in enumerate(requests[:WARMUP]):
            RawClient(ports[i % len(ports)]).request(raw)
        stored = [_uuid_of(r.partition(b"\r\n\r\n")[2]) for r in requests[:WARMUP]]
        side = SideLoad(ports, admin, stored) if mixed else None
        pids = [p.pid for _, p in procs]
        cpu0 = {"service": sum(_cpu(p) for p in pids),
                "database": _cpu(db_pid) if db_pid else 0.0, "client": _self_cpu()}
        load = os.getloadavg()[0]
        t0 = time.perf_counter()
        if side:
            side.start()
        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(post, requests[WARMUP:]))
        wall = time.perf_counter() - t0
        if side:
            side.stop.set()
            side.join()
        cpu = {"service": sum(_cpu(p) for p in pids) - cpu0["service"],
               "database": (_cpu(db_pid) if db_pid else 0.0) - cpu0["database"],
               "client": _self_cpu() - cpu0["client"]}
    return Phase(name=name, wall_s=wall, ingest=ingest, cpu_s=cpu, cores=os.cpu_count() or 1,
                 load=load, side=side.stats if side else {},
                 refused_after_revoke=side.refused_after_revoke if side else 0)


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
        app = create_app(Config(db_url=f"sqlite:///{tmp}/cpu.sqlite3", admin_token="x",
                                service_key_path=f"{tmp}/service-key.pem"))
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
          f"-> at most {1000 / cpu_ms:.0f} reports/s per core, load {os.getloadavg()[0]:.2f}")
    return cpu_ms


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--reports", type=int, default=2000)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--workers", type=int, help="serve --workers (default: its own)")
    ap.add_argument("--threads", type=int, help="serve --threads (default: its own)")
    ap.add_argument("--scale-workers", type=int, default=1,
                    help="serve --workers of each service in the two-services comparison")
    args = ap.parse_args(argv)
    serve_args: list[str] = []
    if args.workers is not None:
        serve_args += ["--workers", str(args.workers)]
    if args.threads is not None:
        serve_args += ["--threads", str(args.threads)]
    scale_args = [*serve_args, "--workers", str(args.scale_workers)]
    print(f"cpus {os.cpu_count()}, load {os.getloadavg()[0]:.2f}, serve "
          f"{' '.join(serve_args) or '(defaults)'}, {args.clients} clients, report body "
          f"{len(make_bodies(1, 'x', wire.generate_private_key())[0])} bytes, side load "
          f"{', '.join(f'{op} {r:g}/s' for op, r in SIDE_RATES.items())}")
    cpu_per_report()
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            p = run_phase("sqlite, ingest alone", f"sqlite:///{tmp}/bench.sqlite3",
                          args.reports, args.clients, serve_args=serve_args)
        print("\n".join(phase_lines(p, GOAL_SQLITE_RATE, GOAL_SQLITE_P99_MS)))
    if args.backend in ("postgres", "both"):
        from pgcluster import PgCluster

        cluster = PgCluster.start()
        try:
            pid = int((cluster.datadir / "postmaster.pid").read_text().split()[0])
            alone = run_phase("postgres, ingest alone, one service", cluster.createdb("alone"),
                              args.reports, args.clients, serve_args=serve_args, db_pid=pid)
            print("\n".join(phase_lines(alone, GOAL_PG_RATE, GOAL_PG_P99_MS)))
            p = run_phase("postgres, mixed load, one service", cluster.createdb("mixed"),
                          args.reports, args.clients, serve_args=serve_args, mixed=True,
                          db_pid=pid)
            print("\n".join(phase_lines(p, GOAL_PG_RATE, GOAL_PG_P99_MS)))
            one = run_phase(f"postgres, mixed load, one service --workers {args.scale_workers}",
                            cluster.createdb("one"), args.reports, args.clients,
                            serve_args=scale_args, mixed=True, db_pid=pid)
            print("\n".join(phase_lines(one, GOAL_PG_RATE, GOAL_PG_P99_MS)))
            two = run_phase(f"postgres, mixed load, two services --workers "
                            f"{args.scale_workers} on two ports", cluster.createdb("two"),
                            args.reports, args.clients, instances=2, serve_args=scale_args,
                            mixed=True, db_pid=pid)
            print("\n".join(phase_lines(two, GOAL_PG_RATE, GOAL_PG_P99_MS)))
            print(scale_line(one, two))
        finally:
            cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
