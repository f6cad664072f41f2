"""The station's real per-disk pipeline on loop devices (root): identity, SMART attempt,
wipe, verify, signed loose_disk report, certificate PDF, label, upload to a real service
that stores it and shows its certificate page; a disk pulled mid-wipe is INTERRUPTED and
the service never gets ERASED for it; plugged back, it is wiped again from the start."""

from __future__ import annotations

import contextlib
import io
import os
import sqlite3
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from deuxvie.config import Config
from deuxvie.host.local import LocalHost
from deuxvie.hotplug.screen import PlainScreen
from deuxvie.hotplug.source import replay_lines
from deuxvie.hotplug.station import Station, StationOptions
from deuxvie.hotplug.tracker import Tracker
from deuxvie.hotplug.udev import UdevEvent
from vm.service import Service, running_service

from .events import event, stream

pytestmark = pytest.mark.root
MIB = 1024 * 1024
DONOR = b"donor data on a loose disk\n"


@pytest.fixture
def loops(tmp_path: Path) -> Iterator[Callable[..., tuple[str, Path]]]:
    if os.geteuid() != 0:
        pytest.skip("needs root for loop devices")
    made: list[str] = []

    def make(name: str, size: int = 16 * MIB, read_only: bool = False) -> tuple[str, Path]:
        backing = tmp_path / f"{name}.img"
        backing.write_bytes((DONOR * (size // len(DONOR) + 1))[:size])
        ro = ["--read-only"] if read_only else []
        dev = subprocess.run(["losetup", "--find", "--show", *ro, str(backing)], check=True,
                             capture_output=True, text=True).stdout.strip()
        made.append(dev)
        return dev, backing

    yield make
    for dev in made:
        with contextlib.suppress(subprocess.CalledProcessError):
            subprocess.run(["losetup", "-d", dev], check=True, capture_output=True)


def _loop_event(action: str, dev: str, seqnum: int) -> UdevEvent:
    name = dev.rsplit("/", 1)[-1]
    text = event(action, name, serial=None, devpath=f"/devices/virtual/block/{name}",
                 seqnum=seqnum)
    return next(replay_lines(stream(text)))


def _station(tmp_path: Path, service: Service, throttle_s: float = 0.0
             ) -> tuple[Station, io.StringIO]:
    data = tmp_path / "data"
    service.enrol(data / "station")
    config = Config(server_url=service.url, station_dir=data / "station", data_dir=data,
                    operator="Camille", organisation="Atelier test", lot_id="LOT-DISQUES",
                    verify="full", language="fr")
    log = io.StringIO()
    # loop devices stand in for the dock's disks (the real filter skips virtual devices)
    tracker = Tracker(accept=lambda e: e.devtype == "disk")
    station = Station(LocalHost(), StationOptions(config, throttle_s=throttle_s),
                      PlainScreen(log, timestamps=False), tracker)
    return station, log


def _fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as resp:
        return str(resp.read().decode())


def _zero(path: Path) -> bool:
    return path.read_bytes() == bytes(path.stat().st_size)


def test_loose_disk_wiped_certified_labelled_and_stored(
    tmp_path: Path, loops: Callable[..., tuple[str, Path]]
) -> None:
    from PIL import Image
    from pyzbar.pyzbar import decode

    dev, backing = loops("loose", 16 * MIB)
    with running_service(tmp_path) as service:
        station, log = _station(tmp_path, service)
        station.handle(_loop_event("add", dev, 1))
        station.handle(_loop_event("change", dev, 2))  # partition re-read: ignored
        station.wait(120)
        (out,) = station.outcomes
        assert out.record is not None and out.report is not None
        assert out.record.status.value == "ERASED", out.record.reasons
        assert out.record.category is not None and out.record.verification == "full"
        uuid = out.report["uuid"]
        page = _fetch(f"{service.url}/c/{uuid}")
        stored = service.envelope(uuid)
        with contextlib.closing(sqlite3.connect(service.db_path)) as db:
            rows = db.execute("SELECT d.chassis_type, d.serial, e.status FROM reports r "
                              "JOIN devices d ON d.id = r.device_id JOIN erasure_records e "
                              "ON e.report_uuid = r.uuid").fetchall()
    assert _zero(backing)
    report = out.report
    assert report["kind"] == "loose_disk" and report["grade"] is None
    assert report["device"]["chassis_type"] == "loose_disk" and report["device"]["macs"] == []
    assert report["device"]["serial"] == f"loop:{backing}"
    assert report["inventory"]["system"]["status"] == "absent"
    assert report["inventory"]["disks"]["value"][0]["size_bytes"] == 16 * MIB
    # the service verified, stored and shows it as a loose disk
    assert 'class="banner valid"' in page and 'id="kind-loose-disk"' in page
    assert stored["payloadType"]
    assert rows == [("loose_disk", f"loop:{backing}", "ERASED")]
    # certificate PDF and label, on the stick's data folder
    assert out.certificate is not None and out.certificate.read_bytes()[:5] == b"%PDF-"
    text = subprocess.run(["pdftotext", str(out.certificate), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Disque seul" in text and "EFFACÉ" in text
    assert "Verdict du diagnostic" not in text  # no grade for a loose disk
    assert out.label is not None
    qr = {d.data.decode() for d in decode(Image.open(out.label))}
    assert f"{service.url}/c/{uuid}" in qr
    lines = log.getvalue()
    assert "EFFACÉ" in lines and "DEUXVIE-STATION-DISK slot=1" in lines and "status=ERASED" in lines
    assert "envoyé" in lines


def test_disk_pulled_mid_wipe_is_interrupted_then_wiped_again_when_back(
    tmp_path: Path, loops: Callable[..., tuple[str, Path]]
) -> None:
    dev, backing = loops("pulled", 32 * MIB)
    with running_service(tmp_path) as service:
        # 8 blocks of 4 MiB, 0.5 s each: the pull lands in the overwrite
        station, log = _station(tmp_path, service, throttle_s=0.5)
        station.handle(_loop_event("add", dev, 1))
        deadline = time.monotonic() + 60
        while "écriture" not in log.getvalue() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "écriture" in log.getvalue(), log.getvalue()
        station.handle(_loop_event("remove", dev, 2))
        assert station.tracker.slots == {}  # the slot is free at once
        station.wait(60)
        (pulled,) = station.outcomes
        assert pulled.record is not None and pulled.record.status.value == "INTERRUPTED"
        assert not _zero(backing)  # the rest of the donor data is still there
        # plugged back: a new slot, wiped from the start
        station.handle(_loop_event("add", dev, 3))
        station.wait(120)
        again = station.outcomes[1]
        assert again.slot != pulled.slot
        assert again.record is not None and again.record.status.value == "ERASED"
        assert again.record.bytes_written == 32 * MIB
        with contextlib.closing(sqlite3.connect(service.db_path)) as db:
            statuses = sorted(r[0] for r in db.execute(
                "SELECT e.status FROM erasure_records e JOIN reports r ON r.uuid = "
                "e.report_uuid WHERE r.uuid = ?", (pulled.report["uuid"],)))  # type: ignore[index]
    assert statuses == ["INTERRUPTED"]  # the service never got ERASED for the pulled run
    assert _zero(backing)
    assert "INTERROMPU" in log.getvalue()


def test_refused_disk_is_not_wiped_and_not_reported(
    tmp_path: Path, loops: Callable[..., tuple[str, Path]]
) -> None:
    dev, backing = loops("readonly", 8 * MIB, read_only=True)
    before = backing.read_bytes()
    with running_service(tmp_path) as service:
        station, log = _station(tmp_path, service)
        station.handle(_loop_event("add", dev, 1))
        station.wait(60)
        assert service.report_uuids() == []
    (out,) = station.outcomes
    assert out.record is None and out.report is None and out.refused is not None
    assert backing.read_bytes() == before
    assert "IGNORÉ" in log.getvalue() and "status=SKIPPED" in log.getvalue()
