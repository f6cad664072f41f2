"""The demo's service helpers against a real `deuxvie-server` (SQLite): the station is
reused, enrolled again on a new database, set aside when half made or revoked; a report is
"in the service" only when the service answers with it, verified (issue 17)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import requests
from deuxvie.devtools.service import (
    DemoService,
    coordination_service,
    ensure_station,
    receipt_for,
    server_cli,
    spool_words,
)
from deuxvie.report.upload import sync_spool
from deuxvie.station.store import StationStore
from deuxvie.wire import sign_report

REPORT = Path(__file__).parents[1] / "data" / "report-example.json"


@pytest.fixture
def said() -> list[str]:
    return []


def _post(service: DemoService, station_dir: Path) -> str:
    """A real report signed by the station, as the upload step posts it."""
    store = StationStore(station_dir)
    info = store.info()
    report = json.loads(REPORT.read_text())
    report["station"]["id"] = info["station_id"]
    report["station"]["key_id"] = info["key_id"]
    resp = requests.post(
        service.url + "/api/v1/reports",
        data=json.dumps(sign_report(report, store.private_key())),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert resp.status_code == 201, resp.text
    return str(report["uuid"])


def test_station_reused_reenrolled_and_set_aside(tmp_path: Path, said: list[str]) -> None:
    station_dir = tmp_path / "station"
    with coordination_service(tmp_path, said.append) as service:
        assert service is not None, said
        first = ensure_station(service, station_dir, said.append)
        assert "enrolled (keys in" in said[-1]
        # the second demo run: same key, no new enrolment, no refusal
        again = ensure_station(service, station_dir, said.append)
        assert again["key_id"] == first["key_id"]
        assert "reused: already enrolled" in said[-1]
        assert [s["key_id"] for s in service.stations()] == [first["key_id"]]

        uuid = _post(service, station_dir)
        assert service.report_verified(uuid)
        assert receipt_for(station_dir, uuid) is None  # posted by hand: no receipt kept

        # through the upload: the receipt, signed by the key pinned at enrolment, is kept
        store = StationStore(station_dir)
        report = json.loads(REPORT.read_text())
        report["uuid"] = "5d7e2a10-1111-4222-8333-444455556666"
        report["station"].update(id=first["station_id"], key_id=first["key_id"])
        store.sign_and_spool(report)
        summary = sync_spool(store.spool_dir, store.sent_dir, store.rejected_dir, service.url,
                             service_key=store.service_key())  # fmt: skip
        assert summary.is_delivered(report["uuid"]), summary
        assert receipt_for(station_dir, report["uuid"]) is not None
        kept = store.sent_dir / f"{report['uuid']}.receipt.json"
        kept.write_text(kept.read_text().replace('"sig": "', '"sig": "A'))
        assert receipt_for(station_dir, report["uuid"]) is None  # tampered: not proof
        assert not service.report_verified("00000000-0000-4000-8000-000000000000")

        # an interrupted `station init`: a key without station.json is set aside, kept
        (station_dir / "station.json").unlink()
        fresh = ensure_station(service, station_dir, said.append)
        assert fresh["key_id"] != first["key_id"]
        aside = [p for p in tmp_path.iterdir() if p.name.startswith("station.set-aside-")]
        assert len(aside) == 1 and (aside[0] / "station.key").exists()

        # a revoked station is replaced, not used to sign reports the service refuses
        subprocess.run(
            [*server_cli(), "station", "revoke", fresh["station_id"], "--db", service.db_url],
            check=True, capture_output=True,
        )  # fmt: skip
        third = ensure_station(service, station_dir, said.append)
        assert third["key_id"] not in {first["key_id"], fresh["key_id"]}
    assert said[-1] == "service stopped"
    # the service is down: nothing is "in the service" any more
    assert not service.report_verified(uuid)

    # a new database (demo-out/server.db removed): the same station is enrolled again
    (tmp_path / "server.db").unlink()
    with coordination_service(tmp_path, said.append) as service:
        assert service is not None
        back = ensure_station(service, station_dir, said.append)
        assert back["key_id"] == third["key_id"]
        assert "enrolled (keys in" in said[-1]


def test_spool_words_say_where_and_how_in_both_languages(tmp_path: Path) -> None:
    words = spool_words(tmp_path / "spool" / "x.dsse.json", tmp_path, None)
    assert words[0].startswith("le service n'a pas confirmé")
    assert words[1].startswith("the service did not confirm")
    assert any(f"deuxvie sync --dir {tmp_path}" in w for w in words)
