"""Concurrent uploads through the real HTTP server: the same report from several clients at
once (a sync retried while the first attempt is still in flight) is stored once; several
reports of one new machine at once make one device. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections import Counter

import factories
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from deuxvie import wire
from flask import Flask
from server_helpers import LiveServer, counts, post_all


def test_concurrent_same_report_and_same_device(app: Flask,
                                                station_key: Ed25519PrivateKey) -> None:
    server = LiveServer(app)
    try:
        same = json.dumps(wire.sign_report(factories.make_report(key=station_key),
                                           station_key)).encode()
        # six other reports of ONE machine no one has seen yet
        others = [json.dumps(wire.sign_report(factories.make_report(
            key=station_key, system_serial="NEW-MACHINE", mac="02:00:00:00:00:01"),
            station_key)).encode() for _ in range(6)]
        bodies = [same] * 6 + others
        statuses = post_all(server.url, bodies)
    finally:
        server.stop()
    same_codes = Counter(code for body, code in statuses if body is same)
    assert same_codes == {201: 1, 200: 5}, same_codes
    assert all(code == 201 for body, code in statuses if body is not same)
    c = counts(app)
    assert c["reports"] == 7 and c["devices"] == 2 and c["erasure_records"] == 7
    assert c["donors"] == 1 and c["lots"] == 1
