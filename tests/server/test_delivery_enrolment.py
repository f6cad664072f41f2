"""Issue #11 item 3: reports spooled before the station is enrolled get 403 unknown_key:
that is not final. They stay pending (said by `deuxvie sync`) and are delivered, with their
original signature, once the station is enrolled. Truly final refusals still go to
rejected/."""

from __future__ import annotations

import json
from pathlib import Path

import factories
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from deuxvie.cli import main as deuxvie_main
from deuxvie.report.spool import spooled
from deuxvie.report.upload import DeliveryPolicy, sync_spool
from deuxvie.station import StationStore
from deuxvie_server import stations
from fake_http import FakeService, enrolled_store
from flask import Flask
from server_helpers import LiveServer, counts


def _token(app: Flask) -> str:
    with app.extensions["deuxvie"]["sessions"].begin() as session:
        return stations.create_enrolment_token(session)


def test_reports_signed_before_enrolment_are_delivered_after_it(
    app: Flask, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server = LiveServer(app)
    try:
        store = StationStore(tmp_path / "st")
        store.init("atelier-lyon-1")
        key = store.private_key()
        paths = [store.sign_and_spool(factories.make_report(
            key=key, system_serial=f"PRE-{i}", mac=f"00:00:00:00:03:{i:02x}"))
            for i in range(2)]
        before = {p.name: p.read_bytes() for p in paths}

        # not enrolled, no server known: said, with the count
        assert deuxvie_main(["sync", "--dir", str(store.root)]) == 1
        assert "2 en attente / pending" in capsys.readouterr().err

        # a server given but the station unknown to it: 403 unknown_key, kept pending
        assert deuxvie_main(["sync", "--dir", str(store.root), "--server", server.url]) == 1
        out = capsys.readouterr()
        assert "2 en attente / pending" in out.out
        assert "station not enrolled: 2" in out.err
        assert sorted(spooled(store.spool_dir)) == sorted(paths)
        assert not store.rejected_dir.exists() or not list(store.rejected_dir.iterdir())
        answer = json.loads((store.spool_dir / (paths[0].name.removesuffix(".dsse.json")
                                                 + ".answer.json")).read_text())
        assert answer["status"] == 403 and answer["body"]["error"] == "unknown_key"
        assert answer["attempts"] == 0  # not the report's fault: never goes to stuck/
        assert counts(app)["reports"] == 0

        # enrolment: the same bytes, original signatures, now verify
        assert deuxvie_main(["station", "enrol", "--dir", str(store.root), "--server",
                             server.url, "--token", _token(app)]) == 0
        capsys.readouterr()
        assert deuxvie_main(["sync", "--dir", str(store.root)]) == 0
        out = capsys.readouterr().out
        assert "2 envoyé(s) / sent" in out and "0 en attente / pending" in out
        assert counts(app)["reports"] == 2
        for name, data in before.items():
            assert (store.sent_dir / name).read_bytes() == data
            assert (store.sent_dir / (name.removesuffix(".dsse.json") + ".receipt.json")).exists()
        assert not list(store.spool_dir.iterdir())  # answers cleaned up with the delivery
    finally:
        server.stop()


def test_unknown_key_never_makes_a_report_stuck(tmp_path: Path) -> None:
    service_key = Ed25519PrivateKey.generate()
    fake = FakeService(lambda h, r: h.send_json(403, {
        "error": "unknown_key", "message": "no signature from a known, unrevoked station key"}))
    try:
        store = enrolled_store(tmp_path / "st", fake.url, service_key)
        path = store.sign_and_spool(factories.make_report(key=store.private_key(),
                                                          station_id="atelier-test"))
        policy = DeliveryPolicy(retry_delays_s=(), backoff_s=0.0, max_attempts=2)
        for _ in range(4):
            summary = sync_spool(store.spool_dir, store.sent_dir, store.rejected_dir, fake.url,
                                 service_key=store.service_key(), policy=policy)
            assert summary.unenrolled == [path.name] and summary.undelivered
        assert spooled(store.spool_dir) == [path] and summary.stuck_total == 0
    finally:
        fake.stop()


@pytest.mark.parametrize(("status", "body", "final"), [
    (400, {"error": "bad_signature", "message": "signature does not verify"}, True),
    (422, {"error": "schema_invalid", "message": "report does not follow the schema"}, True),
    (409, {"error": "uuid_conflict", "message": "exists with different content"}, True),
    (403, {"error": "revoked_key", "message": "the station key was revoked"}, True),
    (403, {"error": "unknown_key", "message": "no known key"}, False),
    # a proxy's own 400/403 page says nothing about the report: not final
    (400, None, False),
    (403, None, False),
    (404, {"error": "not_found", "message": "no such route"}, False),
], ids=lambda v: str(v) if not isinstance(v, dict) else v["error"])
def test_only_the_services_refusals_of_the_report_are_final(
    status: int, body: dict[str, str] | None, final: bool, tmp_path: Path
) -> None:
    def answer(h, r):  # type: ignore[no-untyped-def]
        if body is None:
            h.send(status, b"<html>Forbidden by proxy</html>", "text/html")
        else:
            h.send_json(status, body)

    fake = FakeService(answer)
    try:
        store = enrolled_store(tmp_path / "st", fake.url, Ed25519PrivateKey.generate())
        path = store.sign_and_spool(factories.make_report(key=store.private_key(),
                                                          station_id="atelier-test"))
        summary = sync_spool(store.spool_dir, store.sent_dir, store.rejected_dir, fake.url,
                             service_key=store.service_key())
        if final:
            assert summary.rejected and (store.rejected_dir / path.name).exists()
            kept = json.loads((store.rejected_dir / (path.name + ".error.json")).read_text())
            assert kept["status"] == status and kept["body"] == body
        else:
            assert not summary.rejected and spooled(store.spool_dir) == [path]
    finally:
        fake.stop()
