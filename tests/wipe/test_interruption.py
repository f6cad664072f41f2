"""A wipe killed mid-way (SIGKILL: no chance to clean up) is reported INTERRUPTED by the
next run thanks to the journal written before the first write; never ERASED."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from deuxvie.wipe.journal import Journal

from .conftest import MIB

pytestmark = pytest.mark.root


def _start(dev: str, journal: Path) -> subprocess.Popen[str]:
    # 1 MiB blocks and a 30 ms sleep per block: the 64 MiB write lasts about 2 s.
    return subprocess.Popen(
        [sys.executable, "-m", "deuxvie", "wipe", dev, "--yes", "--json", "--method", "zero",
         "--journal-dir", str(journal), "--block-mib", "1", "--test-throttle-s", "0.03"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_writes(loop_backing: Path, journal: Path, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        files = list(journal.glob("wipe-*.json"))
        if files and loop_backing.read_bytes()[:16] == bytes(16):
            return
        time.sleep(0.05)
    raise AssertionError("the wipe never started")


def _rerun(dev: str, journal: Path, *extra: str) -> tuple[int, dict]:
    r = subprocess.run([sys.executable, "-m", "deuxvie", "wipe", dev, "--yes", "--json",
                        "--method", "zero", "--journal-dir", str(journal), *extra],
                       capture_output=True, text=True, timeout=120)
    return r.returncode, json.loads(r.stdout)[0]


def test_sigkill_mid_wipe_is_reported_interrupted(make_loop, tmp_path):
    loop = make_loop(64 * MIB)
    journal = tmp_path / "journal"
    proc = _start(loop.path, journal)
    _wait_for_writes(loop.backing, journal, proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    data = loop.backing.read_bytes()
    assert data[:16] == bytes(16) and data[-16:] != bytes(16)  # really half-done
    entry = json.loads(next(journal.glob("wipe-*.json")).read_text())
    assert entry["state"] == "running"

    rc, rec = _rerun(loop.path, journal)
    assert rc == 1
    assert rec["status"] == "INTERRUPTED"
    assert rec["reasons"][-1]["code"] == "interrupted"
    assert "--restart" in rec["reasons"][-1]["en"]
    # Reporting INTERRUPTED wrote nothing more.
    assert loop.backing.read_bytes() == data
    # Asking again still says INTERRUPTED, never ERASED.
    assert _rerun(loop.path, journal)[1]["status"] == "INTERRUPTED"

    rc, rec = _rerun(loop.path, journal, "--restart")
    assert rc == 0 and rec["status"] == "ERASED"
    assert loop.backing.read_bytes().count(0) == 64 * MIB


def test_sigterm_stops_cleanly_as_interrupted(make_loop, tmp_path):
    loop = make_loop(64 * MIB)
    journal = tmp_path / "journal"
    proc = _start(loop.path, journal)
    _wait_for_writes(loop.backing, journal, proc)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 1, err
    rec = json.loads(out)[0]
    assert rec["status"] == "INTERRUPTED"
    assert 0 < rec["bytes_written"] < 64 * MIB
    state = json.loads(next(journal.glob("wipe-*.json")).read_text())
    assert state["state"] == "finished" and state["status"] == "INTERRUPTED"


def test_journal_writes_are_atomic_and_survive_garbage(tmp_path):
    j = Journal(tmp_path)
    j.begin("serial:X", device="/dev/sdz")
    assert j.interrupted("serial:X") is not None
    j.finish("serial:X", "ERASED")
    assert j.interrupted("serial:X") is None
    assert not list(tmp_path.glob(".tmp-*"))
    # A torn or corrupted journal proves nothing finished: it counts as interrupted.
    next(tmp_path.glob("wipe-*.json")).write_text("{not json")
    assert j.interrupted("serial:X") is not None
