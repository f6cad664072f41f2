"""The real step adapters on real loop devices: wipe (complete and Ctrl-C), report,
label and upload with the service unreachable; asset ids."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from deuxvie import demo
from deuxvie.config import Config
from deuxvie.host.local import LocalHost
from deuxvie.model.erasure import ErasureStatus
from deuxvie.model.inventory import DiskInfo
from deuxvie.pipeline import Pipeline, SelectionPolicy, StepName, Steps, StepState
from deuxvie.pipeline.asset import next_asset_id
from deuxvie.pipeline.steps import cpu as cpu_mod
from deuxvie.pipeline.steps import grade as grade_mod
from deuxvie.pipeline.steps import ram as ram_mod
from deuxvie.pipeline.steps import selftest as selftest_mod
from deuxvie.pipeline.steps import surface as surface_mod
from deuxvie.pipeline.steps import wipe as wipe_mod
from deuxvie.pipeline.wiring import real_steps

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="loop devices need root")
MIB = 1 << 20


def test_asset_ids_count_per_year_and_never_repeat(tmp_path: Path) -> None:
    d = dt.date(2026, 11, 22)
    assert next_asset_id(tmp_path, "DV", d) == "DV-2026-000001"
    assert next_asset_id(tmp_path, "DV", d) == "DV-2026-000002"
    assert next_asset_id(tmp_path, "DV", dt.date(2027, 1, 2)) == "DV-2027-000001"
    assert next_asset_id(tmp_path, "DV", d) == "DV-2026-000003"
    (tmp_path / "asset-counter.json").write_text("{broken")
    with pytest.raises(ValueError, match="unreadable asset counter"):
        next_asset_id(tmp_path, "DV", d)


@pytest.fixture
def two_loops(tmp_path: Path) -> Iterator[list[DiskInfo]]:
    small = (demo.DemoDisk("T-A", 48 * MIB), demo.DemoDisk("T-B", 32 * MIB))
    old = demo.DEMO_DISKS
    demo.DEMO_DISKS = small
    try:
        (tmp_path / "imgs").mkdir()
        with demo.loop_devices(tmp_path / "imgs") as loops:
            host = LocalHost()
            yield [demo.loop_disk_info(host, dev, d) for dev, d, _ in loops]
    finally:
        demo.DEMO_DISKS = old


def _pipeline(disks: list[DiskInfo], cfg: Config, steps: Steps) -> Pipeline:
    return Pipeline(
        LocalHost(),
        cfg,
        steps,
        selection=SelectionPolicy(explicit_targets=frozenset(d.path for d in disks)),
        extra_disks=disks,
        only_extra_disks=True,
    )


@needs_root
def test_real_wipe_erases_and_verifies_every_byte(
    two_loops: list[DiskInfo], tmp_path: Path
) -> None:
    cfg = Config(unattended=True, data_dir=tmp_path / "stick", wipe_method="clear")
    steps = Steps(wipe=wipe_mod.wipe_step, grade=grade_mod.grade_step)
    out = _pipeline(two_loops, cfg, steps).run()
    assert out.result(StepName.WIPE).state == StepState.DONE
    assert [r.status for r in out.data.erasure] == [ErasureStatus.ERASED] * 2
    for disk in two_loops:
        # read back independently of the engine: every byte is zero, no marker left
        with open(disk.path, "rb") as fh:
            data = fh.read()
        assert len(data) == disk.size_bytes
        assert data.count(0) == len(data)
    # the journal is on the stick, and says finished
    entries = [
        json.loads(p.read_text()) for p in (tmp_path / "stick" / "wipe-journal").glob("*.json")
    ]
    assert len(entries) == 2 and all(e["state"] == "finished" for e in entries)
    assert out.data.grade is not None


@needs_root
def test_ctrl_c_during_real_wipe_is_interrupted_never_erased(
    two_loops: list[DiskInfo], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = wipe_mod.wipe_options
    # slow the engine down (its test hook: 0.2 s per 4 MiB block, the two workers of a disk
    # wait for each other there) so the signal lands in the middle of the writes
    monkeypatch.setattr(
        wipe_mod, "wipe_options", lambda cfg: dataclasses.replace(base(cfg), throttle_s=0.2)
    )
    cfg = Config(unattended=True, data_dir=tmp_path / "stick", wipe_method="clear")
    steps = Steps(wipe=wipe_mod.wipe_step, grade=grade_mod.grade_step)
    timer = threading.Timer(0.6, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        out = _pipeline(two_loops, cfg, steps).run()
    finally:
        timer.cancel()
    assert out.interrupted
    assert out.result(StepName.WIPE).state == StepState.FAILED
    assert {r.status for r in out.data.erasure} == {ErasureStatus.INTERRUPTED}
    assert len(out.data.erasure) == 2
    # the grade still ran, and cannot pass a machine whose disks were not erased
    assert out.result(StepName.GRADE).state == StepState.DONE
    assert out.data.grade is not None and out.data.grade.verdict == "FAIL"
    # donor data is still there on at least the end of each disk: nothing was faked
    for disk in two_loops:
        assert demo.count_marker(disk.path) > 0


@needs_root
def test_report_label_and_offline_upload(two_loops: list[DiskInfo], tmp_path: Path) -> None:
    from deuxvie.station.store import StationStore

    station = tmp_path / "stick" / "station"
    StationStore(station).init("atelier-test-1")
    cfg = Config(
        unattended=True,
        data_dir=tmp_path / "stick",
        station_dir=station,
        operator="Camille",
        organisation="Atelier test",
        donor_id="D-1",
        lot_id="LOT-1",
        server_url="http://127.0.0.1:9",  # discard port: nothing listens
        wipe_method="clear",
        cpu_stress_s=0,  # tested elsewhere; here the report path matters
        ram_test_pct=0,
    )
    steps = real_steps()
    steps = dataclasses.replace(steps, inventory=None, smart=None)
    out = _pipeline(two_loops, cfg, steps).run()
    data = out.data
    assert out.result(StepName.REPORT).state == StepState.DONE
    assert isinstance(data.report, dict)
    assert data.report["asset_id"].startswith("DV-")
    assert data.report["station"]["id"] == "atelier-test-1"
    assert [e["status"] for e in data.report["erasure"]] == ["ERASED", "ERASED"]
    assert data.report_url == f"http://127.0.0.1:9/c/{data.report_id}"
    # signed and spooled; the service is down, so it stays there for `deuxvie sync`
    assert data.spool_path is not None and data.spool_path.exists()
    envelope = json.loads(data.spool_path.read_text())
    assert envelope["payloadType"].startswith("application/vnd.deuxvie.report+json")
    upload = out.result(StepName.UPLOAD)
    assert upload.state == StepState.SKIPPED
    assert "injoignable" in upload.reasons[0].fr
    # certificate and label exist on the stick
    assert data.certificate_path is not None
    assert data.certificate_path.read_bytes()[:5] == b"%PDF-"
    assert data.label_path is not None
    assert data.label_path.read_bytes()[:4] == b"\x89PNG"
    pdftext = subprocess.run(
        ["pdftotext", str(data.certificate_path), "-"], capture_output=True, text=True
    ).stdout
    assert data.report["asset_id"] in pdftext


@needs_root
def test_after_an_interruption_the_next_run_says_so_until_restart_is_allowed(
    two_loops: list[DiskInfo], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A power cut leaves the journal on the stick saying "running": the next run reports
    INTERRUPTED without touching the disk; wipe.restart_interrupted wipes it again."""
    from deuxvie.probes.usage import device_usage
    from deuxvie.wipe.identity import identity_key, probe_media
    from deuxvie.wipe.journal import Journal

    stick = tmp_path / "stick"
    host = LocalHost()
    journal = Journal(stick / "wipe-journal")
    for disk in two_loops:  # what a power cut in the middle of a wipe leaves behind
        media = probe_media(host, device_usage(host, disk.path))
        journal.begin(
            identity_key(media),
            device=disk.path,
            path=disk.path,
            technique="overwrite-zero",
            started_at="2026-11-22T03:00:00Z",
        )
    cfg = Config(unattended=True, data_dir=stick, wipe_method="clear")
    out = _pipeline(two_loops, cfg, Steps(wipe=wipe_mod.wipe_step)).run()
    assert {r.status for r in out.data.erasure} == {ErasureStatus.INTERRUPTED}
    assert all(demo.count_marker(d.path) > 0 for d in two_loops)  # untouched

    cfg = dataclasses.replace(cfg, wipe_restart_interrupted=True)
    out = _pipeline(two_loops, cfg, Steps(wipe=wipe_mod.wipe_step)).run()
    assert {r.status for r in out.data.erasure} == {ErasureStatus.ERASED}
    assert all(demo.count_marker(d.path) == 0 for d in two_loops)


def test_cpu_and_ram_steps_run_the_real_diagnostics(tmp_path: Path) -> None:
    events: list[str] = []

    class Seen:
        def step_changed(self, result: object) -> None:
            pass

        def progress(self, event: object) -> None:
            events.append(getattr(event, "target", ""))

    cfg = Config(unattended=True, data_dir=tmp_path, cpu_stress_s=2, ram_test_pct=2)
    out = Pipeline(
        LocalHost(), cfg, Steps(cpu=cpu_mod.cpu_step, ram=ram_mod.ram_step), observer=Seen()
    ).run()
    by_name = {d.name: d for d in out.data.diagnostics}
    assert set(by_name) == {"cpu_stress", "ram"}
    assert by_name["cpu_stress"].measurements["errors"] == 0
    assert by_name["cpu_stress"].measurements["duration_s"] >= 2
    assert by_name["ram"].measurements["error_count"] == 0
    assert out.result(StepName.CPU).state == StepState.DONE
    assert out.result(StepName.RAM).state == StepState.DONE
    assert "opérations/s" in out.result(StepName.CPU).reasons[-1].fr
    assert {"cpu", "ram"} <= set(events)


@needs_root
def test_surface_and_selftest_on_real_loop_devices(
    two_loops: list[DiskInfo], tmp_path: Path
) -> None:
    """The surface scan reads both loop disks before the wipe and passes, keyed like the
    grade keys disks; smartctl finds no SMART on a loop device: untested, not failed."""
    from deuxvie.grading.grade import disk_key
    from deuxvie.model.diagnostics import TestStatus

    cfg = Config(unattended=True, data_dir=tmp_path / "stick", wipe_method="clear")
    steps = Steps(
        selftest=selftest_mod.selftest_step,
        surface=surface_mod.surface_step,
        wipe=wipe_mod.wipe_step,
        grade=grade_mod.grade_step,
    )
    out = _pipeline(two_loops, cfg, steps).run()
    keys = {disk_key(d) for d in two_loops}
    assert len(keys) == 2
    surface = [r for r in out.data.diagnostics if r.name == "surface"]
    assert {r.target for r in surface} == keys
    assert all(r.status == TestStatus.PASSED for r in surface), surface
    selftest = [r for r in out.data.diagnostics if r.name == "selftest"]
    assert {r.target for r in selftest} == keys
    assert all(r.status == TestStatus.UNTESTED for r in selftest), selftest
    assert out.result(StepName.SURFACE).state == StepState.DONE
    assert not out.result(StepName.SURFACE).problem
    assert out.result(StepName.SELFTEST).state == StepState.UNTESTED
    # Read before the wipe: every scan ended before the first erasure began.
    assert out.data.erasure and all(e.status == ErasureStatus.ERASED for e in out.data.erasure)
    first_wipe = min(e.started_at for e in out.data.erasure)
    assert all(r.ended_at is not None and r.ended_at <= first_wipe for r in surface)
    assert out.data.grade is not None
    # The grade saw them: each disk's self-test is listed untested, never a fault, and no
    # surface scan is left untested.
    g = out.data.grade
    assert not any(x.code == "selftest.failed" for x in g.reasons)
    assert {f"selftest:{k}" for k in keys} <= set(g.untested), g.untested
    assert not any(u.startswith("surface:") for u in g.untested), g.untested


def test_failed_selftest_replayed_fails_the_grade_for_that_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """smartctl's recorded answers for a read failure (ata_failed bundle) through the real
    step: the disk's self-test is FAILED and grade() fails the machine for it."""
    from deuxvie.host.bundle import ReplayHost
    from deuxvie.model.diagnostics import TestStatus
    from deuxvie.model.grade import Verdict
    from deuxvie.model.inventory import DiskKind
    from deuxvie.pipeline import StepContext, StepOutput
    from pipeline_fakes import disk, inventory

    bundles = Path(__file__).resolve().parents[1] / "data" / "grading" / "selftest"
    monkeypatch.setattr(selftest_mod, "SELFTEST_POLL_INTERVAL_S", 0.0)
    sda = disk("sda", path="/dev/sda", kind=DiskKind.HDD, transport="sata", serial="WD-FAIL1")

    def inv(ctx: StepContext) -> StepOutput:
        ctx.data.inventory = inventory([sda])
        return StepOutput(StepState.DONE)

    cfg = Config(unattended=True, data_dir=tmp_path, selftest="short")
    steps = Steps(inventory=inv, selftest=selftest_mod.selftest_step, grade=grade_mod.grade_step)
    out = Pipeline(ReplayHost(bundles / "ata_failed"), cfg, steps).run()
    (res,) = [r for r in out.data.diagnostics if r.name == "selftest"]
    assert res.target == "WD-FAIL1" and res.status == TestStatus.FAILED
    assert out.result(StepName.SELFTEST).state == StepState.DONE
    assert out.result(StepName.SELFTEST).problem
    assert out.data.grade is not None and out.data.grade.verdict == Verdict.FAIL
    # FAIL for this disk's self-test, not merely for the tests this run left out.
    comps = {c.component: c for c in out.data.grade.components}
    assert comps["disk:WD-FAIL1"].status == "fail", comps
    assert any(x.code == "selftest.failed" for x in comps["disk:WD-FAIL1"].reasons)


def test_ram_size_text_never_says_zero_for_a_small_test() -> None:
    assert ram_mod.tested_size_text(80_740_352) == ("77 Mio", "77 MiB")
    assert ram_mod.tested_size_text(3 << 30) == ("3.0 Gio", "3.0 GiB")
