"""Issue #11 item 1: a report is delivered only on the service's signed receipt.

Fake services on 127.0.0.1 answer what a captive portal, a redirecting proxy, a broken or
an impostor service would; the real service signs receipts with its own key, published at
GET /api/v1/service-key, in the OpenAPI document and in the enrolment answer."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import factories
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from deuxvie import wire
from deuxvie.cli import main as deuxvie_main
from deuxvie.report.spool import spooled
from deuxvie.report.upload import sync_spool
from deuxvie.station import StationStore
from deuxvie_server import stations
from deuxvie_server.app import create_app
from deuxvie_server.config import Config
from fake_http import FakeService, Handler, Request, enrolled_store, honest_receipt
from flask import Flask
from server_helpers import ADMIN, LiveServer, counts

SERVICE_KEY = Ed25519PrivateKey.generate()
IMPOSTOR_KEY = Ed25519PrivateKey.generate()
HTML = b"<!doctype html><html><body>Wi-Fi gratuit : acceptez les conditions</body></html>"


def _portal(h: Handler, r: Request) -> None:
    h.send(200, HTML, "text/html; charset=utf-8")


def _redirect(h: Handler, r: Request) -> None:
    if r.method == "POST":
        h.send(302, b"", headers={"Location": "/portal"})
    else:  # following it (as GET) would land on a 200 page that looks like success
        h.send_json(200, {"status": "stored"})


def _garbage_201(h: Handler, r: Request) -> None:
    h.send(201, b"\x00\xffnot json at all{{", "application/octet-stream")


def _no_receipt_201(h: Handler, r: Request) -> None:
    # what the service answered before receipts: a status code and a URL, no proof
    h.send_json(201, {k: v for k, v in honest_receipt(SERVICE_KEY, r.body).items()
                      if k != "receipt"})


def _impostor_201(h: Handler, r: Request) -> None:
    h.send_json(201, honest_receipt(IMPOSTOR_KEY, r.body))  # well-formed, wrong key


def _other_bytes_201(h: Handler, r: Request) -> None:
    # signed by the right key, this report's uuid, but the hash of other bytes (the service
    # stored something else than what was sent)
    body = honest_receipt(SERVICE_KEY, r.body)
    body["receipt"] = wire.make_receipt(SERVICE_KEY, body["uuid"], "ab" * 32, "stored",
                                        "2026-12-02T10:00:00Z", body["certificate_url"])
    h.send_json(201, body)


def _receipt_for_another_report(h: Handler, r: Request) -> None:
    # a genuine receipt replayed from another upload: the uuid does not match
    other = factories.make_report(key=IMPOSTOR_KEY)
    other_env = json.dumps(wire.sign_report(other, IMPOSTOR_KEY)).encode()
    h.send_json(201, honest_receipt(SERVICE_KEY, other_env))


def _honest(h: Handler, r: Request) -> None:
    h.send_json(201, honest_receipt(SERVICE_KEY, r.body))


def _spool_two(store: StationStore) -> list[Path]:
    key = store.private_key()
    return [store.sign_and_spool(factories.make_report(
        key=key, station_id="atelier-test", system_serial=f"SN-{i}",
        mac=f"00:00:00:00:01:{i:02x}")) for i in range(2)]


@pytest.mark.parametrize("answer", [
    _portal, _redirect, _garbage_201, _no_receipt_201, _impostor_201, _other_bytes_201,
    _receipt_for_another_report,
], ids=lambda f: f.__name__.strip("_"))
def test_an_answer_without_a_valid_receipt_leaves_the_report_pending(
    answer: Callable[[Handler, Request], None], tmp_path: Path
) -> None:
    fake = FakeService(answer)
    try:
        store = enrolled_store(tmp_path / "st", fake.url, SERVICE_KEY)
        paths = _spool_two(store)
        rc = deuxvie_main(["sync", "--dir", str(store.root)])
        assert rc == 1  # something stays undelivered
        assert spooled(store.spool_dir) == sorted(paths, key=lambda p: (p.stat().st_mtime_ns,
                                                                        p.name))
        assert not list(store.sent_dir.glob("*.dsse.json"))
        assert not list(store.rejected_dir.iterdir())
        # the answer is recorded beside each report that stays
        for p in paths:
            answer_file = store.spool_dir / (p.name.removesuffix(".dsse.json") + ".answer.json")
            recorded = json.loads(answer_file.read_text())
            assert recorded["status"] in (200, 201, 302) and recorded["why"]
        if answer is _redirect:
            # never followed: no GET to the Location, each POST sent once
            assert [r.method for r in fake.requests] == ["POST", "POST"]
            assert recorded["location"] == "/portal"
        if answer is _portal:
            assert recorded["content_type"].startswith("text/html")
    finally:
        fake.stop()


def test_a_verified_receipt_moves_the_report_and_is_kept_beside_it(tmp_path: Path) -> None:
    fake = FakeService(_honest)
    try:
        store = enrolled_store(tmp_path / "st", fake.url, SERVICE_KEY)
        paths = _spool_two(store)
        summary = sync_spool(store.spool_dir, store.sent_dir, store.rejected_dir, fake.url,
                             service_key=store.service_key())
        assert sorted(summary.delivered) == sorted(p.name for p in paths)
        assert spooled(store.spool_dir) == []
        for p in paths:
            rid = p.name.removesuffix(".dsse.json")
            assert summary.is_delivered(rid)
            assert summary.receipts[rid].certificate_url == f"https://deuxvie.invalid/c/{rid}"
            receipt = json.loads((store.sent_dir / f"{rid}.receipt.json").read_text())
            sent = (store.sent_dir / p.name).read_bytes()
            facts = wire.verify_receipt(receipt, SERVICE_KEY.public_key(), rid,
                                        wire.payload_sha256(sent))
            assert facts.status == "stored"
        assert sorted(summary.delivered_uuids) == sorted(summary.receipts)
    finally:
        fake.stop()


def test_without_a_pinned_service_key_nothing_counts_as_delivered(tmp_path: Path) -> None:
    fake = FakeService(_honest)
    try:
        store = enrolled_store(tmp_path / "st", fake.url, SERVICE_KEY)
        info = store.info()
        info["service_key"] = None  # enrolled before receipts existed
        store.save_info(info)
        _spool_two(store)
        summary = sync_spool(store.spool_dir, store.sent_dir, store.rejected_dir, fake.url,
                             service_key=store.service_key())
        assert summary.delivered == [] and len(summary.unproven) == 2
        assert "no service key pinned" in summary.unproven[0][1]
    finally:
        fake.stop()


def _token(app: Flask) -> str:
    with app.extensions["deuxvie"]["sessions"].begin() as session:
        return stations.create_enrolment_token(session)


def test_real_service_signs_receipts_with_its_published_key(app: Flask, tmp_path: Path) -> None:
    server = LiveServer(app)
    try:
        published = requests.get(server.url + "/api/v1/service-key", timeout=10).json()
        doc = requests.get(server.url + "/api/v1/openapi.json", timeout=10).json()
        assert doc["info"]["x-deuxvie-service-key"] == published
        assert "/api/v1/service-key" in doc["paths"]
        pub = wire.public_key_from_b64(published["public_key"])
        assert published["key_id"] == wire.key_id(pub) and published["algorithm"] == "ed25519"

        store = StationStore(tmp_path / "st")
        store.init("atelier-lyon-1")
        assert deuxvie_main(["station", "enrol", "--dir", str(store.root), "--server",
                             server.url, "--token", _token(app)]) == 0
        # the enrolment answer gave the key, and the station pinned it
        assert store.info()["service_key"]["key_id"] == published["key_id"]

        path = store.sign_and_spool(factories.make_report(key=store.private_key()))
        rid = path.name.removesuffix(".dsse.json")
        summary = sync_spool(store.spool_dir, store.sent_dir, store.rejected_dir, server.url,
                             service_key=store.service_key())
        assert summary.delivered_uuids == [rid] and counts(app)["reports"] == 1
        receipt = summary.receipts[rid]
        assert receipt.status == "stored" and receipt.service_key_id == published["key_id"]
        assert receipt.certificate_url == f"{server.url}/c/{rid}"

        # the same bytes again: 200, and a receipt for that replay ("duplicate")
        resp = requests.post(server.url + "/api/v1/reports",
                             data=(store.sent_dir / path.name).read_bytes(), timeout=10)
        assert resp.status_code == 200
        again = wire.verify_receipt(resp.json()["receipt"], pub, rid,
                                    wire.payload_sha256((store.sent_dir / path.name).read_bytes()))
        assert again.status == "duplicate"
        # a receipt is no use for other bytes: verifying it against another hash fails
        with pytest.raises(wire.ReceiptError):
            wire.verify_receipt(resp.json()["receipt"], pub, rid, "0" * 64)
    finally:
        server.stop()


def test_service_key_is_created_once_and_kept(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    first = create_app(Config(db_url=url, admin_token=ADMIN))
    key_file = tmp_path / "db.sqlite3.service-key.pem"
    assert key_file.stat().st_mode & 0o077 == 0  # private: 0600
    second = create_app(Config(db_url=url, admin_token=ADMIN))
    a = first.test_client().get("/api/v1/service-key").get_json()
    b = second.test_client().get("/api/v1/service-key").get_json()
    assert a == b
    # an explicit file wins over the default beside the database
    other = create_app(Config(db_url=url, admin_token=ADMIN,
                              service_key_path=str(tmp_path / "k" / "service.pem")))
    c = other.test_client().get("/api/v1/service-key").get_json()
    assert c["key_id"] != a["key_id"] and (tmp_path / "k" / "service.pem").exists()
    for app in (first, second, other):
        app.extensions["deuxvie"]["engine"].dispose()
