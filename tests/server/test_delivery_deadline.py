"""Issue #11 item 4: a trickling service cannot hold a POST past its deadline, a silent one
costs seconds a sync, two syncs at once do not crash, a directory named *.dsse.json in the
spool is skipped with a warning."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import factories
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from deuxvie.cli import main as deuxvie_main
from deuxvie.report.spool import SpoolBusy, locked, spooled
from deuxvie.report.upload import DeliveryPolicy, sync_spool
from deuxvie.station import StationStore
from fake_http import FakeService, Handler, Request, enrolled_store, honest_receipt

SERVICE_KEY = Ed25519PrivateKey.generate()
BIN = Path(sys.executable).parent


def _spool(store: StationStore, n: int) -> list[Path]:
    key = store.private_key()
    return [store.sign_and_spool(factories.make_report(
        key=key, station_id="atelier-test", system_serial=f"SN-{i}",
        mac=f"00:00:00:00:04:{i:02x}")) for i in range(n)]


class RawListener:
    """A TCP listener on 127.0.0.1 that reads requests and then does what `behave` does
    with the connection (never answer, answer one byte at a time...)."""

    def __init__(self, behave: str) -> None:
        self.behave = behave
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.accepted = 0
        self.stop_event = threading.Event()
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop_event.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            self.conns.append(conn)
            threading.Thread(target=self._conn, args=(conn,), daemon=True).start()

    def _conn(self, conn: socket.socket) -> None:
        conn.settimeout(0.5)
        try:
            if self.behave == "trickle":
                # headers then a body, one byte every 0.2 s: each read returns well within
                # any idle timeout, the whole answer never ends
                answer = (b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
                          b"Content-Length: 100000\r\n\r\n" + b" " * 100000)
                for b in answer:
                    if self.stop_event.is_set():
                        return
                    self._drain(conn)
                    conn.sendall(bytes([b]))
                    time.sleep(0.2)
            else:  # silent: read whatever comes, never say a word
                while not self.stop_event.is_set():
                    self._drain(conn)
        except OSError:
            return

    @staticmethod
    def _drain(conn: socket.socket) -> None:
        with contextlib.suppress(TimeoutError):
            conn.recv(65536)

    def stop(self) -> None:
        self.stop_event.set()
        self.sock.close()
        for c in self.conns:
            c.close()


@pytest.fixture
def trickle() -> Iterator[RawListener]:
    lst = RawListener("trickle")
    yield lst
    lst.stop()


@pytest.fixture
def silent() -> Iterator[RawListener]:
    lst = RawListener("silent")
    yield lst
    lst.stop()


def test_a_trickling_service_cannot_hold_a_post_past_its_deadline(
    trickle: RawListener, tmp_path: Path
) -> None:
    store = enrolled_store(tmp_path / "st", trickle.url, SERVICE_KEY)
    paths = _spool(store, 3)
    policy = DeliveryPolicy(idle_timeout_s=1.0, post_deadline_s=2.0)
    t0 = time.monotonic()
    summary = sync_spool(store.spool_dir, store.sent_dir, store.rejected_dir, trickle.url,
                         service_key=store.service_key(), policy=policy)
    elapsed = time.monotonic() - t0
    # deadline 2 s + the body at 100 kB/s (a few ms): cut at ~2 s, not after 100000 bytes
    assert elapsed < 4.0, elapsed
    assert summary.error is not None and "DeadlineExceeded" in summary.error
    assert trickle.accepted == 1  # a timeout is not retried, and it ends the sync
    assert spooled(store.spool_dir) == paths and summary.delivered == []
    assert not list(store.spool_dir.glob("*.answer.json"))  # nothing counted


def test_a_silent_service_costs_the_idle_timeout_once_per_sync(
    silent: RawListener, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = enrolled_store(tmp_path / "st", silent.url, SERVICE_KEY)
    _spool(store, 5)
    t0 = time.monotonic()
    rc = deuxvie_main(["sync", "--dir", str(store.root)])  # the default policy
    elapsed = time.monotonic() - t0
    assert rc == 1
    # documented figure: IDLE_TIMEOUT_S = 5 s, not retried, the other reports not tried
    assert 4.5 < elapsed < 8.0, elapsed
    assert silent.accepted == 1
    out = capsys.readouterr()
    assert "5 en attente / pending" in out.out and "server unavailable" in out.err
    assert len(spooled(store.spool_dir)) == 5


FIRST_SYNC = """
import sys
from pathlib import Path
from deuxvie.report.upload import DeliveryPolicy, sync_spool
from deuxvie.station import StationStore
st = StationStore(Path(sys.argv[1]))
s = sync_spool(st.spool_dir, st.sent_dir, st.rejected_dir, st.info()["server"],
               service_key=st.service_key(), policy=DeliveryPolicy(idle_timeout_s=120))
print("delivered", len(s.delivered))
"""


def test_two_syncs_at_once_neither_crashes_and_each_report_goes_once(tmp_path: Path) -> None:
    release = threading.Event()

    def held_then_honest(h: Handler, r: Request) -> None:
        release.wait(60)  # the first sync is mid-POST while the others start
        h.send_json(201, honest_receipt(SERVICE_KEY, r.body))

    fake = FakeService(held_then_honest)
    try:
        store = enrolled_store(tmp_path / "st", fake.url, SERVICE_KEY)
        paths = _spool(store, 6)
        agent = str(BIN / "deuxvie")
        # the first sync: the CLI's code with a long idle timeout, so that it waits for the
        # held answer however slowly the other processes start on a loaded machine
        first = subprocess.Popen([sys.executable, "-c", FIRST_SYNC, str(store.root)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while not fake.requests and time.monotonic() < deadline:
            time.sleep(0.02)
        assert fake.requests, "the first sync never posted"
        second = subprocess.run([agent, "sync", "--dir", str(store.root)],
                                capture_output=True, text=True, timeout=60)
        third = subprocess.Popen([agent, "sync", "--dir", str(store.root), "--wait", "60"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)  # let it start and queue on the lock
        release.set()
        out, err = first.communicate(timeout=60)
        out3, err3 = third.communicate(timeout=60)
        assert first.returncode == 0, err
        assert "delivered 6" in out
        assert second.returncode == 75, second.stderr
        assert "sync already running" in second.stderr and "Traceback" not in second.stderr
        # --wait: waited for the first, found nothing left
        assert third.returncode == 0, err3
        assert "0 envoyé(s) / sent" in out3 and "Traceback" not in err3
        uuids = [honest_receipt(SERVICE_KEY, r.body)["uuid"] for r in fake.posts()]
        assert sorted(uuids) == sorted(p.name.removesuffix(".dsse.json") for p in paths)
    finally:
        release.set()
        fake.stop()


def test_lock_is_held_and_released(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    with locked(spool), pytest.raises(SpoolBusy, match="already running"), \
            locked(spool, wait_s=0.3):
        pass
    with locked(spool):  # released
        pass
    assert list(spool.iterdir()) == []  # no lock file left behind


def test_a_directory_named_like_a_report_is_skipped_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeService(lambda h, r: h.send_json(201, honest_receipt(SERVICE_KEY, r.body)))
    try:
        store = enrolled_store(tmp_path / "st", fake.url, SERVICE_KEY)
        (store.spool_dir / "0000-evil.dsse.json").mkdir()
        paths = _spool(store, 2)
        assert deuxvie_main(["sync", "--dir", str(store.root)]) == 0
        out = capsys.readouterr()
        assert "2 envoyé(s) / sent" in out.out
        assert "0000-evil.dsse.json: not a regular file, skipped" in out.err
        assert all((store.sent_dir / p.name).exists() for p in paths)
        assert (store.spool_dir / "0000-evil.dsse.json").is_dir()  # left alone
    finally:
        fake.stop()
