"""Issue 11 item 7: JSON nested 1000+ deep (envelope, signed payload, enrolment, tokens)
is a 400, not a RecursionError 500; a chunked body over the limit is a 413 (and a chunked
body under it is read: gunicorn passed the app an empty body)."""

from __future__ import annotations

import http.client
import json

import factories
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from deuxvie import wire
from flask import Flask
from flask.testing import FlaskClient
from server_helpers import EMPTY, ServedProcess, admin_headers, counts, enrol

DEPTHS = [65, 1000, 100_000]


def nested(depth: int, leaf: str = "1") -> str:
    return "[" * depth + leaf + "]" * depth


@pytest.mark.parametrize("depth", DEPTHS)
def test_deep_bodies_are_400_on_every_json_route(client: FlaskClient, depth: int) -> None:
    deep_obj = '{"a":' * depth + "1" + "}" * depth
    for path, headers in (("/api/v1/reports", {}), ("/api/v1/stations/enrol", {}),
                          ("/api/v1/tokens", admin_headers())):
        for body in (nested(depth), deep_obj, '{"token": ' + nested(depth) + "}"):
            resp = client.post(path, data=body, content_type="application/json",
                               headers=headers)
            assert resp.status_code == 400, (path, depth, resp.status_code)
            assert resp.get_json()["error"] == "malformed_json"


@pytest.mark.parametrize("depth", DEPTHS)
def test_deep_signed_payload_is_400(app: Flask, client: FlaskClient,
                                    station_key: Ed25519PrivateKey, depth: int) -> None:
    text = json.dumps(factories.make_report(key=station_key), separators=(",", ":"))
    text = text.replace('"cpu":{', '"cpu":{"deep":' + nested(depth) + ",", 1)
    env = wire.sign(text.encode(), station_key)
    resp = client.post("/api/v1/reports", json=env)
    assert resp.status_code == 400, resp.get_json()
    assert resp.get_json()["error"] == "malformed_payload"
    assert counts(app) == EMPTY


def chunked_post(port: int, path: str, body: bytes, chunk: int = 65536) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.putrequest("POST", path)
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    try:
        for i in range(0, len(body), chunk):
            part = body[i:i + chunk]
            conn.send(b"%x\r\n%b\r\n" % (len(part), part))
        conn.send(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered 413 and closed before the whole body was sent
    resp = conn.getresponse()
    out = resp.status, resp.read()
    conn.close()
    return out


def test_chunked_bodies_are_read_and_limited_under_gunicorn(app: Flask) -> None:
    key = enrol(app)
    server = ServedProcess(app.extensions["deuxvie"]["config"].db_url, workers=1)
    try:
        env = json.dumps(wire.sign_report(factories.make_report(key=key), key)).encode()
        status, body = chunked_post(server.port, "/api/v1/reports", env, chunk=1000)
        assert status == 201, body
        status, body = chunked_post(server.port, "/api/v1/reports", b" " * (9 * 2**20))
        assert status == 413, body
        assert json.loads(body)["error"] == "request_entity_too_large"
        status, body = chunked_post(server.port, "/api/v1/stations/enrol",
                                    nested(5000).encode())
        assert status == 400, body
    finally:
        err = server.stop()
    assert "Traceback" not in err, err[-3000:]
    assert counts(app)["reports"] == 1
