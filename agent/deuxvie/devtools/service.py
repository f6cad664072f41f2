"""The coordination service for `make demo` (and whole-machine tests): started on 127.0.0.1
with SQLite, a station enrolled with it, and the question "did the service store this
report?" answered by the service itself, never by the agent's own bookkeeping.

Issue 17: the second `make demo` in the same directory found the station key of the first
one, `deuxvie station init` refused to overwrite it, the run went on without a server and the
demo still printed a certificate URL for a report that stayed in the spool. So:
- the station on the demo's "stick" is reused when its key is enrolled with this service's
  database, enrolled again when the database is new, and set aside (never deleted) when it
  is half made (an interrupted `station init`) or revoked;
- a certificate URL is printed only when the service answers with that report.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from deuxvie.station.store import StationError, StationStore

HTTP_TIMEOUT_S = (5.0, 30.0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_cli() -> list[str]:
    """The service's console script from this venv (no `python -m` entry point)."""
    beside = Path(sys.executable).with_name("deuxvie-server")
    found = str(beside) if beside.exists() else shutil.which("deuxvie-server")
    return [found or "deuxvie-server"]


class ServiceError(RuntimeError):
    """The service could not be started or did not answer as expected."""


@dataclass
class DemoService:
    """A running `deuxvie-server serve` and the admin token the demo uses to ask it about
    stations and reports (GET /api/v1/stations and /api/v1/reports/<uuid> are admin only)."""

    url: str
    db_url: str
    admin_token: str

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def _admin_get(self, path: str) -> requests.Response:
        return requests.get(
            self.url + path,
            headers={"Authorization": f"Bearer {self.admin_token}"},
            timeout=HTTP_TIMEOUT_S,
        )

    def stations(self) -> list[dict[str, Any]]:
        resp = self._admin_get("/api/v1/stations")
        resp.raise_for_status()
        return list(resp.json()["items"])

    def stored_report(self, uuid: str) -> dict[str, Any] | None:
        """The service's record of report `uuid` with its verification, or None when the
        service does not have it (404) or cannot be asked (down, error)."""
        try:
            resp = self._admin_get(f"/api/v1/reports/{uuid}")
        except requests.RequestException:
            return None
        if resp.status_code != 200:
            return None
        body: dict[str, Any] = resp.json()
        return body

    def report_verified(self, uuid: str) -> bool:
        """The service stored report `uuid` and its signature verifies there."""
        stored = self.stored_report(uuid)
        return bool(stored and (stored.get("verification") or {}).get("valid") is True)

    def serve_command(self) -> str:
        return f"deuxvie-server serve --db {self.db_url} --port {self.port}"


def _admin(db_url: str, *args: str) -> str:
    res = subprocess.run(
        [*server_cli(), *args, "--db", db_url],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if res.returncode != 0 or not res.stdout.strip():
        raise ServiceError(f"deuxvie-server {' '.join(args)}: {(res.stderr or res.stdout).strip()}")
    return res.stdout.strip().split()[-1]


def donor_words(
    service: DemoService, out: Path, donor_id: str, lot_id: str, year: int
) -> list[str]:
    """The donor's side of the run (issue 14), once the report is in the service: the
    signed erasure attestation of the lot, written into `out` by `deuxvie-server
    attestation` (the report created or found the lot's item at ingest), and the balance
    page's URL with how to log in. Lines to print; a failure is said, not raised."""
    try:
        pdf = _admin(service.db_url, "attestation", donor_id, "--lot", lot_id,
                     "--out", str(out), "--server", service.url)
    except (ServiceError, OSError, subprocess.SubprocessError) as exc:
        return [f"attestation non produite / no attestation: {exc}"]
    # _admin returns the last word printed: the .sig path, the PDF's path without it
    pdf_path = pdf.removesuffix(".sig")
    return [
        f"attestation d'effacement du donateur / donor's erasure attestation: {pdf_path}",
        f"  (signature: {pdf}; vérifier / verify: deuxvie-server verify-attestation "
        f"{pdf_path} --server {service.url})",
        f"bilan des dons / donor's balance: {service.url}/donors/{donor_id}/bilan?year={year}",
        f"  (se connecter / log in: {service.url}/login with the token {service.admin_token})",
    ]


@contextlib.contextmanager
def coordination_service(
    out: Path, say: Callable[[str], None], port: int | None = None
) -> Iterator[DemoService | None]:
    """`deuxvie-server serve` on 127.0.0.1 with SQLite in `out`; yields it, or None (and says
    why) when it does not start."""
    port = port or free_port()
    db = f"sqlite:///{(out / 'server.db').resolve()}"
    log_path = out / "server.log"
    argv = [*server_cli(), "serve", "--db", db, "--host", "127.0.0.1", "--port", str(port)]
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                tail = log_path.read_text(errors="replace").strip().splitlines()[-1:]
                say(f"service did not start: {' '.join(tail)}")
                yield None
                return
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
                break
            time.sleep(0.2)
        else:
            say(f"service did not answer within 60 s (see {log_path})")
            yield None
            return
        try:
            admin = _admin(db, "admin-token", "create", "--note", "make demo")
        except ServiceError as exc:
            say(str(exc))
            yield None
            return
        say(f"service on {url} (database {db}, log {log_path})")
        yield DemoService(url, db, admin)
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            say("service stopped")


def _set_aside(station_dir: Path, why: str, say: Callable[[str], None]) -> None:
    """Move a station directory out of the way (its spool may hold reports: never delete)."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = station_dir.with_name(f"{station_dir.name}.set-aside-{stamp}")
    station_dir.rename(aside)
    say(f"station in {station_dir} {why}: moved to {aside}, a new one is made")


def _station_usable(store: StationStore) -> str | None:
    """None when the key and its info are both there and agree; else what is wrong."""
    if not store.key_path.exists() and not store.info_path.exists():
        return None if not store.root.exists() or not any(store.root.iterdir()) else "has no key"
    try:
        info = store.info()
        key = store.private_key()
    except (StationError, OSError, ValueError) as exc:
        return f"is half made ({exc})"
    from deuxvie import wire

    if wire.key_id(key.public_key()) != info.get("key_id"):
        return "has a key that does not match its station.json"
    return None


def _agent(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "deuxvie", "station", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def ensure_station(
    service: DemoService, station_dir: Path, say: Callable[[str], None]
) -> dict[str, Any]:
    """A station in `station_dir` whose key this service has enrolled and not revoked:
    reused when it is, enrolled with a fresh one-time token when the database does not know
    it (first run, or demo-out/server.db removed), made anew when it is half made or revoked.
    Returns its station.json; raises ServiceError when enrolment is refused."""
    store = StationStore(station_dir)
    problem = _station_usable(store)
    if problem is not None:
        _set_aside(station_dir, problem, say)
    if not store.key_path.exists():
        res = _agent("init", "--dir", str(station_dir))
        if res.returncode != 0:
            raise ServiceError(f"deuxvie station init: {(res.stderr or res.stdout).strip()}")
    info = store.info()
    known = {s["key_id"]: s for s in service.stations()}
    mine = known.get(info["key_id"])
    if mine is not None and mine.get("revoked_at"):
        _set_aside(station_dir, f"was revoked on the service ({mine['revoked_at']})", say)
        return ensure_station(service, station_dir, say)
    if mine is not None:
        say(f"station {mine['id']} reused: already enrolled with this service ({station_dir})")
        return info
    token = _admin(service.db_url, "token", "create", "--note", "make demo")
    res = _agent("enrol", "--dir", str(station_dir), "--server", service.url, "--token", token)
    if res.returncode != 0:
        raise ServiceError(f"deuxvie station enrol: {(res.stderr or res.stdout).strip()}")
    info = store.info()
    say(f"station {info['station_id']} enrolled (keys in {station_dir})")
    return info


def receipt_for(station_dir: Path, report_uuid: str) -> Any:
    """The service's signed receipt for this report, kept in the station's sent/ beside
    the envelope by the upload (report/upload.py), verified here again with the service key
    pinned at enrolment; None when there is none or it does not prove this report."""
    from deuxvie import wire
    from deuxvie.report.spool import SUFFIX

    store = StationStore(station_dir)
    sent = store.sent_dir / f"{report_uuid}{SUFFIX}"
    receipt = store.sent_dir / f"{report_uuid}.receipt.json"
    try:
        key = store.service_key()
        if key is None or not sent.exists() or not receipt.exists():
            return None
        body = json.loads(receipt.read_text("utf-8"))
        return wire.verify_receipt(body, key, report_uuid, wire.payload_sha256(sent.read_bytes()))
    except (StationError, OSError, ValueError, wire.WireError):
        return None


def spool_words(spooled: Path, station_dir: Path, service: DemoService | None) -> list[str]:
    """What to tell the operator when the service did not confirm a report (fr, then en)."""
    if service is not None:
        start = f"{service.serve_command()} &"
        send = f"deuxvie sync --dir {station_dir} --server {service.url}"
    else:
        start = "deuxvie-server serve --db sqlite:///demo-out/server.db --port 8080 &"
        send = f"deuxvie sync --dir {station_dir} --server http://127.0.0.1:8080"
    return [
        "le service n'a pas confirmé ce rapport : il est seulement dans la file d'attente "
        f"de la clé ({spooled}), pas de certificat en ligne.",
        "the service did not confirm this report: it is only in the stick's spool "
        f"({spooled}), no certificate online.",
        "pour l'envoyer / to send it:",
        f"  {start}",
        f"  {send}",
    ]

