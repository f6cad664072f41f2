"""`deuxvie parse` contract: one JSON object and exit 0, or stderr and exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from deuxvie.cli import main

DATA = Path(__file__).resolve().parent.parent / "data" / "parsers"

SMARTCTL_KEYS = {
    "device_type", "model", "serial", "firmware", "capacity_bytes", "rotation_rpm",
    "smart_passed", "power_on_hours", "reallocated_sectors", "pending_sectors",
    "offline_uncorrectable", "reported_uncorrectable", "command_timeout", "selftest_failures",
    "attributes_failing_now", "nvme", "scsi_grown_defects", "messages",
}
NVME_KEYS = {
    "critical_warning", "percentage_used", "available_spare", "available_spare_threshold",
    "media_errors",
}
EDID_KEYS = {
    "version", "manufacturer", "product_code", "serial_number", "name", "serial_text", "week",
    "year", "width_cm", "height_cm", "diagonal_in", "preferred", "digital", "extensions",
}
DMI_KEYS = {"system", "chassis", "bios", "memory", "batteries"}


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(["parse", *argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_smartctl_nvme_json(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = _run(capsys, "smartctl", str(DATA / "smartctl/scrutiny__smart-nvme-failed.json"))
    assert rc == 0 and err == ""
    doc = json.loads(out)
    assert doc.keys() >= SMARTCTL_KEYS and doc["nvme"].keys() >= NVME_KEYS
    assert doc["nvme"]["media_errors"] == 7 and doc["device_type"] == "nvme"
    assert doc["reallocated_sectors"] is None  # not an ATA drive: unknown, not zero


def test_smartctl_failing_text(capsys: pytest.CaptureFixture[str]) -> None:
    path = DATA / "smartctl/HDD__HDS721050CLA362__21C7D4DCA76F.txt"
    rc, out, _ = _run(capsys, "smartctl", str(path))
    doc = json.loads(out)
    assert rc == 0 and doc["smart_passed"] is False and doc["nvme"] is None
    assert doc["attributes_failing_now"] == ["Reallocated_Sector_Ct"]
    assert doc["selftest_failures"] == 7 and doc["pending_sectors"] == 24847
    # The grading verdict rides along (deuxvie.grading.smart_eval.verdict_fields).
    assert doc["verdict"] == "FAIL" and doc["reasons"]
    assert {"code", "fr", "en"} <= doc["reasons"][0].keys()


def test_smartctl_usb_bridge_error_is_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = _run(
        capsys, "smartctl", str(DATA / "smartctl/devicehub-django__7aa682aa-77c5__ERROR_sdb.json")
    )
    doc = json.loads(out)
    assert rc == 0 and doc["model"] is None and doc["smart_passed"] is None
    assert "Unknown USB bridge" in doc["messages"][0]
    assert doc["verdict"] == "UNKNOWN"


def test_edid(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = _run(capsys, "edid", str(DATA / "edid/SAM_0F99__43C6B5F820EC.bin"))
    doc = json.loads(out)
    assert rc == 0 and doc.keys() >= EDID_KEYS
    assert doc["preferred"] == {"width": 3840, "height": 1080, "refresh_hz": 59.97}
    assert (doc["manufacturer"], doc["extensions"], doc["diagonal_in"]) == ("SAM", 3, 48.7)


def test_dmidecode(capsys: pytest.CaptureFixture[str]) -> None:
    path = DATA / "dmidecode/Notebook_HP_EliteBook_840_G2__441F6B6BD04D.txt"
    rc, out, _ = _run(capsys, "dmidecode", str(path))
    doc = json.loads(out)
    assert rc == 0 and doc.keys() >= DMI_KEYS
    assert {"total_bytes", "slots", "modules"} <= doc["memory"].keys()
    assert doc["memory"]["total_bytes"] == 8 << 30 and doc["memory"]["slots"] == 2
    assert doc["batteries"][0]["design_capacity_mwh"] == 50730


@pytest.mark.parametrize("kind", ["smartctl", "edid", "dmidecode", "lspci"])
def test_garbage_is_exit_2_with_stderr(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00\x01garbage\xff" * 10)
    rc, out, err = _run(capsys, kind, str(junk))
    assert rc == 2 and out == ""
    assert "unparseable input" in err and str(junk) in err


def test_missing_file_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = _run(capsys, "smartctl", str(tmp_path / "absent.json"))
    assert rc == 2 and out == "" and "cannot read" in err


def test_console_script_reads_stdin() -> None:
    data = (DATA / "smartctl/HDD__WD2000FYYZ-01UL1B2__8411D7622884.txt").read_bytes()
    proc = subprocess.run(
        [sys.executable, "-m", "deuxvie", "parse", "smartctl", "-"],
        input=data, capture_output=True, check=False, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["capacity_bytes"] == 2000398934016


def test_console_script_truncated_json_exit_2() -> None:
    data = (DATA / "smartctl/scrutiny__smart-ata-full.json").read_bytes()[:500]
    proc = subprocess.run(
        [sys.executable, "-m", "deuxvie", "parse", "smartctl", "-"],
        input=data, capture_output=True, check=False, timeout=60,
    )
    assert proc.returncode == 2 and proc.stdout == b""
    assert b"not valid JSON" in proc.stderr
