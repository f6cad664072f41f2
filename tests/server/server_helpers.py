"""Helpers shared by the server tests (imported by name: tests/server is on sys.path)."""

from __future__ import annotations

import threading
from typing import Any

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from deuxvie import wire
from deuxvie_server import models, stations
from flask import Flask
from sqlalchemy import func, select

ADMIN = "test-admin-token-0123456789"


def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN}"}


def enrol(app: Flask, station_id: str = "atelier-lyon-1",
          key: Ed25519PrivateKey | None = None) -> Ed25519PrivateKey:
    key = key or Ed25519PrivateKey.generate()
    with app.extensions["deuxvie"]["sessions"].begin() as session:
        token = stations.create_enrolment_token(session, "test")
    resp = app.test_client().post("/api/v1/stations/enrol", json={
        "token": token, "station_id": station_id,
        "public_key": wire.public_key_b64(key.public_key())})
    assert resp.status_code == 201, resp.get_json()
    return key


def counts(app: Flask) -> dict[str, int]:
    tables: dict[str, Any] = {
        "reports": models.Report, "devices": models.Device,
        "erasure_records": models.ErasureEntry, "donors": models.Donor, "lots": models.Lot,
    }
    with app.extensions["deuxvie"]["sessions"]() as session:
        return {name: session.scalar(select(func.count()).select_from(m)) or 0
                for name, m in tables.items()}


EMPTY = {"reports": 0, "devices": 0, "erasure_records": 0, "donors": 0, "lots": 0}


class LiveServer:
    """The real WSGI server (werkzeug, threaded) on 127.0.0.1, in a background thread."""

    def __init__(self, app: Flask, port: int = 0) -> None:
        import threading

        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", port, app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def wait_for_port_closed(port: int, timeout_s: float = 30.0) -> None:
    import socket
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"127.0.0.1:{port} still accepts connections")


def wait_for_port(port: int, timeout_s: float = 30.0) -> None:
    import socket
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


def post_all(url: str, bodies: list[bytes]) -> list[tuple[bytes, int]]:
    """POST every body at once (one thread each, released together by a barrier): a sync
    retried while the first attempt is still in flight. (body, HTTP status) pairs."""
    barrier = threading.Barrier(len(bodies))
    out: list[tuple[bytes, int]] = []
    lock = threading.Lock()

    def post(body: bytes) -> None:
        barrier.wait()
        resp = requests.post(f"{url}/api/v1/reports", data=body, timeout=60,
                             headers={"Content-Type": "application/json"})
        with lock:
            out.append((body, resp.status_code))

    threads = [threading.Thread(target=post, args=(b,)) for b in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return out


class ServedProcess:
    """`deuxvie-server serve` (gunicorn, worker processes) on 127.0.0.1 as deployed; the
    admin token comes from the environment (never argv, issue 11 item 13)."""

    def __init__(self, db_url: str, workers: int = 2, threads: int | None = 4,
                 extra: list[str] | None = None, env: dict[str, str] | None = None) -> None:
        import os
        import subprocess

        from deuxvie.demo import free_port, server_cli

        self.db_url = db_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.args = [*server_cli(), "serve", "--db", db_url, "--port", str(self.port),
                     "--workers", str(workers),
                     *(["--threads", str(threads)] if threads is not None else []),
                     *(extra or [])]
        self.env = {**os.environ, "DEUXVIE_ADMIN_TOKEN": ADMIN, **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        import subprocess

        self.proc = subprocess.Popen(self.args, env=self.env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, start_new_session=True)
        wait_for_port(self.port, 60)

    def kill(self) -> None:
        """SIGKILL the master and every worker (its process group): a power cut."""
        import os
        import signal

        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        # The master is reaped, but a SIGKILLed worker may still hold the shared listening
        # socket for a moment: a restart's port check would then connect to the dying
        # socket and its first request be reset (seen under load). Wait for the port to
        # refuse connections before anything starts again.
        wait_for_port_closed(self.port, 30)

    def stop(self) -> str:
        """Terminate; the server's stderr (its error log)."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            _, err = self.proc.communicate(timeout=60)
        except Exception:
            self.kill()
            _, err = self.proc.communicate(timeout=30)
        return err.decode(errors="replace")
