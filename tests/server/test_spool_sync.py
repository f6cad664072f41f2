"""Station keys, the spool, and `deuxvie sync` against the real HTTP server."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import factories
import pytest
from deuxvie import wire
from deuxvie.cli import main as deuxvie_main
from deuxvie.report.spool import SpoolConflict, spool_envelope, spooled
from deuxvie.station import StationError, StationStore
from deuxvie_server import stations
from flask import Flask
from pgcluster import free_port
from server_helpers import LiveServer, counts, wait_for_port

BIN = Path(sys.executable).parent


def token(app: Flask) -> str:
    with app.extensions["deuxvie"]["sessions"].begin() as session:
        return stations.create_enrolment_token(session)


def test_station_init_makes_a_0600_key_and_refuses_to_overwrite(tmp_path: Path) -> None:
    d = tmp_path / "st"
    assert deuxvie_main(["station", "init", "--dir", str(d), "--station-id", "atelier-1"]) == 0
    assert stat.S_IMODE((d / "station.key").stat().st_mode) == 0o600
    info = json.loads((d / "station.json").read_text())
    key = wire.load_private_key(d / "station.key")
    assert info["key_id"] == wire.key_id(key.public_key())
    assert info["station_id"] == "atelier-1" and info["server"] is None
    before = (d / "station.key").read_bytes()
    assert deuxvie_main(["station", "init", "--dir", str(d)]) == 1
    assert (d / "station.key").read_bytes() == before


def test_spool_is_atomic_and_idempotent(tmp_path: Path) -> None:
    store = StationStore(tmp_path)
    store.init("atelier-1")
    report = factories.make_report(key=store.private_key(), station_id="atelier-1")
    p1 = store.sign_and_spool(report)
    p2 = store.sign_and_spool(report)  # Ed25519 is deterministic: same bytes, no-op
    assert p1 == p2 and spooled(store.spool_dir) == [p1]
    assert not [p for p in store.spool_dir.iterdir() if p.name.startswith(".")]
    other = dict(report, operator="Someone else")
    with pytest.raises(SpoolConflict):
        store.sign_and_spool(other)
    # a half-written temp file from a crash is never taken for a report
    (store.spool_dir / f".{p1.name}.abc.tmp").write_bytes(b"{")
    assert spooled(store.spool_dir) == [p1]
    # a report built for another station is refused before signing
    with pytest.raises(StationError):
        store.sign(factories.make_report(key=store.private_key(), station_id="elsewhere"))
    with pytest.raises(SpoolConflict):
        spool_envelope(store.spool_dir, report["uuid"], {"payload": "x"})


def test_sync_with_server_down_then_back_delivers_each_once(app: Flask, tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    store = StationStore(tmp_path / "station")
    store.init("atelier-lyon-1")
    key = store.private_key()
    n = 5
    for i in range(n):
        store.sign_and_spool(factories.make_report(
            key=key, system_serial=f"SER-{i}", mac=f"00:00:00:00:00:{i:02x}"))
    assert len(spooled(store.spool_dir)) == n

    # server down: nothing leaves the spool
    server = LiveServer(app, port)  # started only to enrol, then stopped
    try:
        assert deuxvie_main(["station", "enrol", "--dir", str(store.root), "--server", url,
                             "--token", token(app)]) == 0
    finally:
        server.stop()
    assert store.info()["server"] == url
    assert deuxvie_main(["sync", "--dir", str(store.root)]) == 1
    assert len(spooled(store.spool_dir)) == n
    assert counts(app)["reports"] == 0

    # server back on the same address: each report delivered exactly once
    server = LiveServer(app, port)
    try:
        assert deuxvie_main(["sync", "--dir", str(store.root)]) == 0
        assert spooled(store.spool_dir) == []
        assert len(list(store.sent_dir.glob("*.dsse.json"))) == n
        # each with the service's signed receipt beside it
        assert len(list(store.sent_dir.glob("*.receipt.json"))) == n
        assert counts(app)["reports"] == n and counts(app)["devices"] == n
        # nothing left: a second sync sends nothing
        assert deuxvie_main(["sync", "--dir", str(store.root)]) == 0
        # a crash after the POST but before the move: the report is sent again, the
        # service answers 200 (identical replay) and still stores it once
        sent = sorted(store.sent_dir.glob("*.dsse.json"))[0]
        os.replace(sent, store.spool_dir / sent.name)
        assert deuxvie_main(["sync", "--dir", str(store.root)]) == 0
        assert counts(app)["reports"] == n
    finally:
        server.stop()


def _run(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), capture_output=True, text=True, timeout=120, env=env)


def test_cli_end_to_end_with_real_processes(db_url: str, tmp_path: Path) -> None:
    """deuxvie-server (subprocess) + deuxvie station/sync (subprocesses), revocation."""
    srv = str(BIN / "deuxvie-server")
    agent = str(BIN / "deuxvie")
    up = _run(srv, "db", "upgrade", "--db", db_url)
    assert up.returncode == 0 and "0001" in up.stdout, up.stderr
    tok = _run(srv, "token", "create", "--db", db_url, "--note", "test")
    assert tok.returncode == 0, tok.stderr
    port = free_port()
    proc = subprocess.Popen([srv, "serve", "--db", db_url, "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_port(port)
        url = f"http://127.0.0.1:{port}"
        d = str(tmp_path / "station")
        assert _run(agent, "station", "init", "--dir", d, "--station-id", "poste-1").returncode == 0
        enrol = _run(agent, "station", "enrol", "--dir", d, "--server", url,
                     "--token", tok.stdout.strip())
        assert enrol.returncode == 0, enrol.stderr
        reused = _run(agent, "station", "enrol", "--dir", d, "--server", url,
                      "--token", tok.stdout.strip())
        assert reused.returncode == 1 and "403" in reused.stderr
        store = StationStore(Path(d))
        store.sign_and_spool(factories.make_report(key=store.private_key(), station_id="poste-1"))
        sync = _run(agent, "sync", "--dir", d)
        assert sync.returncode == 0 and "1 envoyé(s) / sent" in sync.stdout, sync.stderr
        rev = _run(srv, "station", "revoke", "poste-1", "--db", db_url)
        assert rev.returncode == 0, rev.stderr
        store.sign_and_spool(factories.make_report(key=store.private_key(), station_id="poste-1"))
        sync = _run(agent, "sync", "--dir", d)
        assert sync.returncode == 1 and "403" in sync.stderr
        rejected = [p.name for p in store.rejected_dir.iterdir()]
        assert len(rejected) == 2 and any(n.endswith(".error.json") for n in rejected)
        listed = _run(srv, "station", "list", "--db", db_url)
        assert "poste-1" in listed.stdout and "revoked" in listed.stdout
    finally:
        proc.terminate()
        proc.wait(timeout=30)
