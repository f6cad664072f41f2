"""`deuxvie run` wiring and the demo's virtual PC on real loop devices (root)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from deuxvie import demo
from deuxvie.commands.run import EXIT_CRASH, EXIT_DONE, EXIT_INTERRUPTED, power_off, run_machine
from deuxvie.config import Config
from deuxvie.host.base import CommandNotFound, CommandResult
from deuxvie.host.local import LocalHost
from deuxvie.model.inventory import DiskKind
from deuxvie.pipeline import SelectionPolicy, StepContext, StepName, StepOutput, Steps, StepState
from pipeline_fakes import Calls, disk, fake_steps

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="loop devices need root")


class PowerHost(LocalHost):
    """Records power-off commands instead of running them."""

    def __init__(self, systemctl: bool = True) -> None:
        super().__init__()
        self.asked: list[tuple[str, ...]] = []
        self.systemctl = systemctl

    def run(self, argv, *, timeout_s=60.0, input_bytes=None):  # type: ignore[no-untyped-def]
        argv = tuple(argv)
        if argv[0] in ("systemctl", "poweroff"):
            self.asked.append(argv)
            if argv[0] == "systemctl" and not self.systemctl:
                raise CommandNotFound("systemctl")
            return CommandResult(argv, 0, b"", b"")
        return super().run(argv, timeout_s=timeout_s, input_bytes=input_bytes)


def test_power_off_falls_back_to_poweroff() -> None:
    host = PowerHost(systemctl=False)
    assert power_off(host)
    assert host.asked == [("systemctl", "poweroff"), ("poweroff",)]


def test_run_machine_powers_off_only_when_configured_and_completed(tmp_path: Path) -> None:
    machine = (disk("nvme0n1"),)
    slept: list[float] = []
    host = PowerHost()
    cfg = Config(unattended=True, power_off=True, data_dir=tmp_path)
    code, outcome = run_machine(
        host, cfg, fake_steps(Calls(), machine), stream=io.StringIO(), sleep=slept.append
    )
    assert code == EXIT_DONE
    assert host.asked == [("systemctl", "poweroff")]
    assert slept == [10.0]
    # the run log on the stick ends with the outcome
    (log,) = (tmp_path / "logs").glob("run-*.jsonl")
    assert '"event": "end"' in log.read_text().splitlines()[-1]

    def ram(ctx: StepContext) -> StepOutput:
        raise KeyboardInterrupt

    host = PowerHost()
    code, outcome = run_machine(
        host,
        cfg,
        fake_steps(Calls(), machine, ram=ram),
        stream=io.StringIO(),
        sleep=slept.append,
    )
    assert code == EXIT_INTERRUPTED
    assert host.asked == []  # someone pressed Ctrl-C: they are in front of the screen
    assert outcome is not None and outcome.result(StepName.REPORT).state == StepState.DONE


def test_ui_crash_is_exit_1_not_a_silent_success(tmp_path: Path) -> None:
    class Broken(io.StringIO):
        def write(self, s: str) -> int:
            raise RuntimeError("console gone")

    code, _ = run_machine(
        LocalHost(), Config(unattended=True, data_dir=tmp_path), Steps(), stream=Broken()
    )
    assert code == EXIT_CRASH


def test_demo_policy_lowers_only_the_storage_minimum(tmp_path: Path) -> None:
    from deuxvie.grading.policy import default_policy, load_policy

    demo_policy = load_policy(demo.write_demo_policy(tmp_path))
    base = default_policy()
    assert demo_policy.minimum.storage_gb == 0.1
    assert demo_policy.minimum.ram_gib == base.minimum.ram_gib
    assert demo_policy.smart == base.smart


@needs_root
def test_demo_disks_on_real_loop_devices(tmp_path: Path) -> None:
    with demo.loop_devices(tmp_path) as loops:
        assert len(loops) == 2
        host = LocalHost()
        infos = [demo.loop_disk_info(host, dev, d) for dev, d, _ in loops]
        for (dev, d, written), info in zip(loops, infos, strict=True):
            assert info.path == dev
            assert info.size_bytes == d.size_bytes
            assert info.serial == f"loop:{tmp_path / (d.label + '.img')}"
            assert not info.read_only and not info.mounted and not info.holders
            assert demo.count_marker(dev) == written > 1000
        # the dev machine's own disks plus the demo's: only the demo's are ever chosen
        own = disk("vda", kind=DiskKind.VIRTUAL)
        policy = SelectionPolicy(explicit_targets=frozenset(i.path for i in infos))
        from deuxvie.pipeline import select_wipe_targets

        chosen = [x.disk.path for x in select_wipe_targets([own, *infos], policy) if x.wipe]
        assert chosen == [i.path for i in infos]
        devices = [dev for dev, _, _ in loops]
    attached = subprocess.run(["losetup", "-a"], capture_output=True, text=True).stdout
    for dev in devices:
        assert f"{dev}:" not in attached or str(tmp_path) not in attached


@needs_root
def test_loop_devices_detached_on_interrupt(tmp_path: Path) -> None:
    devices: list[str] = []
    with pytest.raises(KeyboardInterrupt), demo.loop_devices(tmp_path) as loops:
        devices = [dev for dev, _, _ in loops]
        raise KeyboardInterrupt
    attached = subprocess.run(["losetup", "-a"], capture_output=True, text=True).stdout
    assert str(tmp_path) not in attached
    assert devices


def _demo(cwd: Path, *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "deuxvie.demo", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


def _stored(db: Path) -> dict[str, str]:
    with contextlib.closing(sqlite3.connect(db)) as con:
        return dict(con.execute("SELECT uuid, station_id FROM reports"))


@needs_root
def test_demo_twice_in_one_directory_stores_both_reports(tmp_path: Path) -> None:
    """`make demo` as it runs, twice in the same checkout (issue 17: the second run failed on
    the existing station key, spooled its report and still printed a certificate URL)."""
    first = _demo(tmp_path, "--loop")
    out = tmp_path / "demo-out"
    assert "[demo] /dev/loop" in first and "detached" in first
    assert "Classement" in first
    # the wipe engine is on main: the donor data is gone, read back through the devices
    assert first.count("): none left") == 2, first[-3000:]
    assert "rapport envoyé" in first
    assert "Lecture de surface : fait" in first
    assert "enrolled (keys in" in first
    assert (out / "certificate.pdf").stat().st_size > 10_000
    assert (out / "label.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list((out / "disks").glob("*.img"))
    _donor_outputs(first, out)
    assert str(tmp_path) not in subprocess.run(
        ["losetup", "-a"], capture_output=True, text=True
    ).stdout

    second = _demo(tmp_path, "--loop")
    assert "reused: already enrolled" in second, second[-3000:]
    assert "station init failed" not in second and "sauté" not in second
    assert "rapport envoyé" in second

    stored = _stored(out / "server.db")
    printed = r"\[demo\] signed report: (http://127\.0\.0\.1:\d+/c/([0-9a-f-]{36}))"
    urls = re.findall(printed, first + second)
    assert len(urls) == 2 and urls[0][1] != urls[1][1]
    # every printed certificate URL is a report the service holds, from one station
    assert {u for _, u in urls} <= set(stored), (urls, stored)
    assert len(set(stored.values())) == 1
    assert not list((out / "station" / "spool").glob("*.dsse.json"))
    # the same virtual PC twice: one item in the donor's lot, audited twice
    with contextlib.closing(sqlite3.connect(out / "server.db")) as con:
        assert con.execute("SELECT lot_id, state FROM items").fetchall() == [
            ("LOT-DEMO", "in_audit")]
    _donor_outputs(second, out)


def _donor_outputs(printed: str, out: Path) -> None:
    """The demo's last words (issue 14): the donor's signed attestation, the balance URL."""
    found = re.search(r"donor's erasure attestation: (\S+\.pdf)\n", printed)
    assert found, printed[-3000:]
    pdf = Path(found.group(1))
    assert pdf.parent == out and pdf.read_bytes()[:5] == b"%PDF-"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    # the lot's one data-bearing item, its two demo disks listed, both erased
    assert "LOT-DEMO" in text
    # (the PDF's column cuts the long loop serials "loop:<image path>")
    disks = [line for line in text.splitlines() if "loop:" in line]
    assert len(disks) == 2 and all("EFFACÉ" in line for line in disks), text
    key = out / "server.db.service-key.pem"
    verify = subprocess.run([*demo.server_cli(), "verify-attestation", str(pdf),
                             "--key-file", str(key)], capture_output=True, text=True)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    year = time.gmtime().tm_year
    assert re.search(rf"donor's balance: http://127\.0\.0\.1:\d+/donors/D-DEMO-001/bilan"
                     rf"\?year={year}\n", printed), printed[-2000:]
    assert "log in: http://127.0.0.1:" in printed


def test_deuxvie_run_sigterm_ends_like_ctrl_c(tmp_path: Path) -> None:
    """`deuxvie run` on this machine (nothing to wipe: its disk is the boot medium);
    SIGTERM during the CPU test ends the run as interrupted, with the report made."""
    conf = tmp_path / "deuxvie.toml"
    conf.write_text(
        "unattended = true\n[station]\noperator = 'CI'\n[tests]\ncpu_stress_s = 120\n"
        "ram_test_pct = 1\nselftest = 'none'\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "deuxvie", "run", "--config", str(conf)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if "CPU stress" in line:  # the stress workers are running
            proc.send_signal(signal.SIGTERM)
            break
    rest, _ = proc.communicate(timeout=120)
    out = "".join(lines) + rest
    assert proc.returncode == EXIT_INTERRUPTED, out[-2000:]
    assert "Test du processeur : échec - interrompu par l'opérateur" in out, out[-3000:]
    assert "RUN INTERROMPU" in out, out[-3000:]
    assert "Rapport signé : fait" in out, out[-3000:]
    (log,) = (tmp_path / "logs").glob("run-*.jsonl")
    end = json.loads(log.read_text().splitlines()[-1])
    assert end["event"] == "end" and end["interrupted"] is True
    assert len(list((tmp_path / "station" / "spool").glob("*.dsse.json"))) == 1
