"""The coordination service on the host's 127.0.0.1 for whole-machine tests (SQLite), and a
station enrolled on a data disk the guest mounts as its stick's data partition."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from deuxvie.demo import free_port, server_cli

# the bootstrap admin of the test service: the full envelope is for admins (ADR 0048)
ADMIN_TOKEN = "vm-test-admin-token-5f0c2a9e7b"


@dataclass
class Service:
    port: int
    db_path: Path
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def address(self) -> tuple[str, int]:
        return ("127.0.0.1", self.port)

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.db_path}"

    def start(self, timeout_s: float = 60.0) -> None:
        argv = [*server_cli(), "serve", "--db", self.db_url, "--host", "127.0.0.1",
                "--port", str(self.port)]  # fmt: skip
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                         env={**os.environ, "DEUXVIE_ADMIN_TOKEN": ADMIN_TOKEN})
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"deuxvie-server exited: {self.log_path.read_text()[-2000:]}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), 0.5),
            ):
                return
            time.sleep(0.2)
        raise RuntimeError("deuxvie-server did not answer")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def report_uuids(self) -> list[str]:
        with contextlib.closing(sqlite3.connect(self.db_path)) as db:
            return [row[0] for row in db.execute("SELECT uuid FROM reports ORDER BY uuid")]

    def envelope(self, uuid: str) -> dict[str, object]:
        """The full signed envelope as stored (/c/<uuid>/full.json, admin only)."""
        req = urllib.request.Request(f"{self.url}/c/{uuid}/full.json",
                                     headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            body: dict[str, object] = json.loads(resp.read())
            return body

    def enrol(self, station_dir: Path) -> None:
        """A one-time token from the admin command, the key pair, the enrolment (host side)."""
        token = subprocess.run([*server_cli(), "token", "create", "--db", self.db_url],
                               capture_output=True, text=True, check=True, timeout=60)  # fmt: skip
        agent = [sys.executable, "-m", "deuxvie", "station"]
        for argv in (
            [*agent, "init", "--dir", str(station_dir)],
            [*agent, "enrol", "--dir", str(station_dir), "--server", self.url,
             "--token", token.stdout.strip().split()[-1]],
        ):  # fmt: skip
            subprocess.run(argv, check=True, capture_output=True, timeout=120)


@contextlib.contextmanager
def running_service(workdir: Path) -> Iterator[Service]:
    service = Service(free_port(), workdir / "server.db", workdir / "server.log")
    service.start()
    try:
        yield service
    finally:
        service.stop()
