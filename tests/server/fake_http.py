"""Misbehaving HTTP services on 127.0.0.1 for the agent's delivery tests: each test gives a
function that writes whatever answer (or none) it wants to a real socket."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from deuxvie import wire
from deuxvie.station import StationStore


@dataclass
class Request:
    method: str
    path: str
    body: bytes


Answer = Callable[["Handler", Request], None]


class Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _handle(self) -> None:
        n = int(self.headers.get("Content-Length") or 0)
        req = Request(self.command, self.path, self.rfile.read(n) if n else b"")
        self.server.fake.requests.append(req)
        self.server.fake.answer(self, req)

    do_GET = do_POST = _handle

    def send(self, status: int, body: bytes, ctype: str = "application/json",
             headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def send_json(self, status: int, obj: Any) -> None:
        self.send(status, json.dumps(obj).encode())


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeService


@dataclass
class FakeService:
    answer: Answer
    requests: list[Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.httpd = _Server(("127.0.0.1", 0), Handler)
        self.httpd.fake = self
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def posts(self) -> list[Request]:
        return [r for r in self.requests if r.method == "POST"]

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


def honest_receipt(
    key: Ed25519PrivateKey, envelope: bytes, status: str = "stored"
) -> dict[str, Any]:
    """The answer the real service gives for this envelope, signed by `key`."""
    env = json.loads(envelope)
    payload = json.loads(base64.b64decode(env["payload"]))
    rid = payload["uuid"]
    url = f"https://deuxvie.invalid/c/{rid}"
    return {"uuid": rid, "device_id": 1, "status": status, "certificate_url": url,
            "receipt": wire.make_receipt(key, rid, wire.payload_sha256(env), status,
                                         "2026-12-02T10:00:00Z", url)}


def enrolled_store(root: Path, server: str, service_key: Ed25519PrivateKey) -> StationStore:
    """A station directory as `deuxvie station enrol` leaves it, pinned to `service_key`."""
    store = StationStore(root)
    info = store.init("atelier-test")
    pub = service_key.public_key()
    info.update(server=server, enrolled_at="2026-12-02T09:00:00Z",
                service_key={"key_id": wire.key_id(pub), "public_key": wire.public_key_b64(pub)})
    store.save_info(info)
    return store
