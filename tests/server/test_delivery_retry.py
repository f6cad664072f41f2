"""Issue #11 item 2: one report the service always fails on does not block the others; it
gets a backoff and an attempts counter, then moves to stuck/ with its last answer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import factories
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from deuxvie.cli import main as deuxvie_main
from deuxvie.report.spool import spooled
from deuxvie.report.upload import DeliveryPolicy, sync_spool
from deuxvie.station import StationStore
from fake_http import FakeService, Handler, Request, enrolled_store, honest_receipt

SERVICE_KEY = Ed25519PrivateKey.generate()
FAST = DeliveryPolicy(retry_delays_s=(), backoff_s=0.0, max_attempts=3)


def _uuid(body: bytes) -> str:
    return str(honest_receipt(SERVICE_KEY, body)["uuid"])


def _spool(store: StationStore, n: int) -> list[Path]:
    key = store.private_key()
    return [store.sign_and_spool(factories.make_report(
        key=key, station_id="atelier-test", system_serial=f"SN-{i}",
        mac=f"00:00:00:00:02:{i:02x}")) for i in range(n)]


class PoisonService:
    """Honest receipts, except a 500 (HTML, as a crashing WSGI server gives) for one uuid."""

    def __init__(self) -> None:
        self.poison: str | None = None
        self.fake = FakeService(self.answer)

    def answer(self, h: Handler, r: Request) -> None:
        if _uuid(r.body) == self.poison:
            h.send(500, b"<h1>Internal Server Error</h1>", "text/html")
        else:
            h.send_json(201, honest_receipt(SERVICE_KEY, r.body))

    def posts_for(self, rid: str) -> int:
        return sum(1 for r in self.fake.posts() if _uuid(r.body) == rid)


@pytest.fixture
def poison_service() -> Iterator[PoisonService]:
    svc = PoisonService()
    yield svc
    svc.fake.stop()


def test_500_forever_for_one_report_does_not_block_the_others(
    poison_service: PoisonService, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = enrolled_store(tmp_path / "st", poison_service.fake.url, SERVICE_KEY)
    paths = _spool(store, 4)
    poison = paths[0]  # the oldest: with stop-at-first-failure it blocked all the others
    rid = poison.name.removesuffix(".dsse.json")
    poison_service.poison = rid

    # `deuxvie sync`: the three others delivered, the poison stays pending, exit code 1
    assert deuxvie_main(["sync", "--dir", str(store.root)]) == 1
    out = capsys.readouterr()
    assert "3 envoyé(s) / sent" in out.out and "1 en attente / pending" in out.out
    assert "essai / attempt 1" in out.err and "HTTP 500" in out.err
    assert spooled(store.spool_dir) == [poison]
    assert len(list(store.sent_dir.glob("*.receipt.json"))) == 3
    state = json.loads((store.spool_dir / f"{rid}.answer.json").read_text())
    assert state["attempts"] == 1 and state["status"] == 500
    assert state["content_type"] == "text/html" and state["next_attempt_at"]
    tried = poison_service.posts_for(rid)
    assert tried == 4  # one POST and 3 retries (0.5 + 1 + 2 s) within this sync

    # its backoff (60 s by default) is honoured: the next sync does not POST it
    assert deuxvie_main(["sync", "--dir", str(store.root)]) == 1
    out = capsys.readouterr()
    assert poison_service.posts_for(rid) == tried
    assert "waiting until" in out.err and "1 en attente / pending" in out.out

    # attempts 2 and 3 (backoff ignored here): the third moves it to stuck/, answer kept
    for expected in (2, 3):
        summary = sync_spool(store.spool_dir, store.sent_dir, store.rejected_dir,
                             poison_service.fake.url, service_key=store.service_key(),
                             stuck_dir=store.stuck_dir, policy=FAST, force=True)
        if expected == 2:
            assert summary.attempts == {poison.name: 2} and not summary.stuck
    assert summary.stuck and summary.stuck[0][0] == poison.name
    assert summary.stuck_total == 1 and summary.undelivered
    assert spooled(store.spool_dir) == [] and (store.stuck_dir / poison.name).exists()
    last = json.loads((store.stuck_dir / f"{rid}.answer.json").read_text())
    assert last["attempts"] == 3 and last["status"] == 500 and "HTTP 500" in last["why"]
    assert not (store.spool_dir / f"{rid}.answer.json").exists()

    # a stuck report keeps `deuxvie sync` failing and is said so
    assert deuxvie_main(["sync", "--dir", str(store.root)]) == 1
    assert "1 bloqué(s) / stuck" in capsys.readouterr().out

    # the service is fixed; --retry-stuck puts it back and it is delivered, exit code 0
    poison_service.poison = None
    assert deuxvie_main(["sync", "--dir", str(store.root), "--retry-stuck"]) == 0
    out = capsys.readouterr().out
    assert "1 envoyé(s) / sent" in out and "0 bloqué(s) / stuck" in out
    assert len(list(store.sent_dir.glob("*.receipt.json"))) == 4


def test_reports_moved_to_stuck_are_said_by_sync(
    poison_service: PoisonService, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = enrolled_store(tmp_path / "st", poison_service.fake.url, SERVICE_KEY)
    poison = _spool(store, 2)[1]
    poison_service.poison = poison.name.removesuffix(".dsse.json")
    for _ in range(2):
        assert deuxvie_main(["sync", "--dir", str(store.root), "--force",
                             "--max-attempts", "2"]) == 1
    err = capsys.readouterr().err
    assert f"bloqué / stuck (-> {store.stuck_dir}): {poison.name}: HTTP 500" in err
    assert (store.stuck_dir / poison.name).exists()


def test_unavailable_service_counts_no_attempt(tmp_path: Path) -> None:
    """503 (maintenance, an overloaded proxy) is the service, not the report: the sync
    stops, nothing is counted, nothing goes to stuck/ however often it happens."""
    fake = FakeService(lambda h, r: h.send_json(503, {"error": "maintenance"}))
    try:
        store = enrolled_store(tmp_path / "st", fake.url, SERVICE_KEY)
        paths = _spool(store, 3)
        for _ in range(5):
            summary = sync_spool(store.spool_dir, store.sent_dir, store.rejected_dir, fake.url,
                                 service_key=store.service_key(), policy=FAST)
            assert summary.error == "HTTP 503" and sorted(summary.remaining) == sorted(
                p.name for p in paths)
        assert len(fake.posts()) == 5  # one POST a sync: the first failure ends it
        assert not list(store.spool_dir.glob("*.answer.json"))
        assert not store.stuck_dir.exists() or not list(store.stuck_dir.iterdir())
    finally:
        fake.stop()


def test_a_service_failing_on_every_report_costs_one_retry_series(tmp_path: Path) -> None:
    fake = FakeService(lambda h, r: h.send(500, b"boom", "text/plain"))
    try:
        store = enrolled_store(tmp_path / "st", fake.url, SERVICE_KEY)
        _spool(store, 4)
        summary = sync_spool(store.spool_dir, store.sent_dir, store.rejected_dir, fake.url,
                             service_key=store.service_key(),
                             policy=DeliveryPolicy(retry_delays_s=(0.01, 0.01)))
        # every report tried (each gets its attempt counted), retries only for the first
        assert len(summary.unproven) == 4 and len(fake.posts()) == 3 + 3
        assert set(summary.attempts.values()) == {1}
    finally:
        fake.stop()
