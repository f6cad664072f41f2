"""`make demo` as a new user runs it: the virtual donated PC under QEMU, one boot (~5 min
loaded). What it prints is checked against the service's database and the files it left."""

from __future__ import annotations

import contextlib
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from deuxvie.devtools.vm import GuestBoot

pytestmark = [pytest.mark.qemu, pytest.mark.root]


def test_make_demo_boots_the_virtual_pc_and_stores_its_report(
    guest_boot: GuestBoot, tmp_path: Path
) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "deuxvie.demo"],
        cwd=tmp_path, capture_output=True, text=True, timeout=2400,
    )  # fmt: skip
    out = proc.stdout
    assert proc.returncode == 0, out[-4000:] + proc.stderr[-3000:]
    assert "falling back" not in out
    # the machine as a workshop recognises it, and each disk by its serial
    assert "Dell Inc. OptiPlex 7050 · n° de série DEMO7050" in out, out[-4000:]
    rows = {m[0]: m[1] for m in re.findall(r"\[demo\]   (DEMO\w+)\s.*?\s(ERASED|FAILED)\s", out)}
    assert rows == {"DEMONVME0001": "ERASED", "DEMOSATA0001": "ERASED", "DEMOSATA0BAD": "FAILED"}
    assert "classement / grade : FAIL" in out
    # donor files gone from the wiped disks, the donor's USB key and the boot stick untouched
    assert "[demo]   nvme: 256 -> 0" in out and "[demo]   sata: 256 -> 0" in out
    assert "USB key (not wiped: removable media are left alone): 256 -> 256" in out
    assert "boot stick outside its data partition: unchanged" in out
    # the printed certificate URL is a report the service holds
    (uuid,) = re.findall(r"\[demo\] signed report: http://127\.0\.0\.1:\d+/c/([0-9a-f-]{36})", out)
    with contextlib.closing(sqlite3.connect(tmp_path / "demo-out" / "server.db")) as db:
        stored = [r[0] for r in db.execute("SELECT uuid FROM reports")]
    assert stored == [uuid]
    assert "donor's ledger: http://127.0.0.1:" in out
    assert (tmp_path / "demo-out" / "certificate.pdf").read_bytes()[:5] == b"%PDF-"
    assert (tmp_path / "demo-out" / "label.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the station stayed on the host copy of the stick, for the next run to reuse
    assert (tmp_path / "demo-out" / "stick" / "station" / "station.key").exists()
    # the donor's side (issue 14): the OptiPlex is the lot's one item, in audit; the signed
    # attestation lists its three disks, the failing one as not erased; the balance URL
    with contextlib.closing(sqlite3.connect(tmp_path / "demo-out" / "server.db")) as db:
        assert db.execute("SELECT lot_id, category, serial, state FROM items").fetchall() == [
            ("LOT-DEMO", "desktop", "DEMO7050", "in_audit")]
    (pdf,) = re.findall(r"donor's erasure attestation: (\S+\.pdf)\n", out)
    text = subprocess.run(["pdftotext", "-layout", pdf, "-"], capture_output=True, text=True,
                          check=True).stdout
    lines = {s: next((x for x in text.splitlines() if s in x), "")
             for s in ("DEMONVME0001", "DEMOSATA0001", "DEMOSATA0BAD")}
    assert "EFFACÉ" in lines["DEMONVME0001"] and "EFFACÉ" in lines["DEMOSATA0001"], text
    assert lines["DEMOSATA0BAD"] and "EFFACÉ" not in lines["DEMOSATA0BAD"], text
    assert re.search(r"donor's balance: http://127\.0\.0\.1:\d+/donors/D-DEMO-001/bilan"
                     r"\?year=\d{4}\n", out)
