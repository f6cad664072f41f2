"""`deuxvie grade` and `deuxvie parse smartctl` from the command line."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from deuxvie.cli import main
from deuxvie.model.common import jsonable
from grading_factory import all_passed, battery, erasure, inventory

REPO = Path(__file__).resolve().parents[2]
BUNDLE = REPO / "tests" / "data" / "bundles" / "laptop-t440"
SMART = REPO / "tests" / "data" / "parsers" / "smartctl"


def _write(tmp_path: Path, name: str, data: object) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(jsonable(data)))
    return str(path)


def test_grade_files_all_good_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inv = inventory()
    args = ["grade", "--json",
            "--inventory", _write(tmp_path, "inv.json", inv),
            "--diagnostics", _write(tmp_path, "diag.json", all_passed(inv)),
            "--erasure", _write(tmp_path, "wipe.json", [erasure(d) for d in inv.disks.value])]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)["grade"]
    assert out["verdict"] == "PASS"
    assert out["suggestion"]["code"] == "suggest.refurbish"
    assert out["windows11_ready"] is True


def test_grade_reads_a_report_payload(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inv = inventory(batteries=(battery(health_pct=55.0),))
    report = {"uuid": "8c0f", "inventory": jsonable(inv),
              "diagnostics": jsonable(all_passed(inv)),
              "erasure": jsonable([erasure(d) for d in inv.disks.value])}
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report))
    assert main(["grade", "--inventory", str(path), "--diagnostics", str(path),
                 "--erasure", str(path), "--lang", "en"]) == 0
    text = capsys.readouterr().out
    assert "FAIL" in text and "replace the battery" in text and "battery.worn_out" in text


def test_grade_replayed_laptop_lists_untested(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grade", "--replay", str(BUNDLE), "--json"]) == 0
    g = json.loads(capsys.readouterr().out)["grade"]
    assert g["verdict"] == "PASS_WITH_WARNINGS"  # nothing was tested: never PASS
    assert "ram" in g["untested"] and "cpu_stress" in g["untested"]
    assert g["windows11_ready"] is False  # ThinkPad T440, Core i5-4300U


def test_bad_policy_exits_2_naming_the_key(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "p.toml"
    policy.write_text("[battery]\nhealth_fail_below_pct = \"soixante\"\n")
    assert main(["grade", "--replay", str(BUNDLE), "--policy", str(policy)]) == 2
    err = capsys.readouterr().err
    assert "battery.health_fail_below_pct" in err and "p.toml" in err


def test_bad_inventory_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "inv.json"
    path.write_text(json.dumps({"system": {"status": "ok"}}))
    assert main(["grade", "--inventory", str(path)]) == 2
    assert "firmware: missing" in capsys.readouterr().err


def test_parse_smartctl_prints_verdict_and_reasons(capsys: pytest.CaptureFixture[str]) -> None:
    capture = SMART / "HDD__ST3000DM001-9YN166__5274FDBE1C4B.txt"
    assert main(["parse", "smartctl", str(capture)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["verdict"] == "FAIL"
    codes = {r["code"] for r in out["reasons"]}
    assert {"smart.pending", "smart.offline_uncorrectable"} <= codes
    assert all(set(r) == {"code", "en", "fr"} for r in out["reasons"])


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root for a loop device")
def test_diagnose_runs_every_diagnostic_for_real(tmp_path: Path) -> None:
    import dataclasses
    import subprocess

    from deuxvie.commands.grade import _diagnose
    from deuxvie.grading.grade import grade
    from deuxvie.grading.policy import load_policy
    from deuxvie.host.local import LocalHost
    from deuxvie.model.grade import Verdict
    from deuxvie.model.inventory import DiskKind
    from grading_factory import disk

    image = tmp_path / "disk.img"
    image.write_bytes(b"\0" * (16 * 1024 * 1024))
    dev = subprocess.run(["losetup", "--find", "--show", str(image)], check=True,
                         capture_output=True, text=True).stdout.strip()
    policy_file = tmp_path / "quick.toml"
    policy_file.write_text("[diagnostics]\nram_fraction_pct = 0.05\ncpu_stress_duration_s = 0.5\n"
                           "surface_mode = \"full\"\n")
    policy = load_policy(policy_file)
    inv = inventory(disks=(dataclasses.replace(disk("LOOP1"), path=dev,
                                               kind=DiskKind.VIRTUAL),))
    try:
        results = _diagnose(LocalHost(), inv, policy)
    finally:
        subprocess.run(["losetup", "-d", dev], check=False)
    by_name = {r.name: r for r in results}
    assert set(by_name) == {"selftest", "surface", "cpu_stress", "ram", "battery"}
    # smartctl cannot talk to a loop device: untested, never failed
    assert by_name["selftest"].status.value == "untested"
    assert by_name["surface"].status.value == "passed"
    assert by_name["surface"].measurements["scanned_bytes"] == 16 * 1024 * 1024
    assert by_name["cpu_stress"].status.value == "passed"
    assert by_name["ram"].status.value == "passed"
    g = grade(inv, results, [erasure(d) for d in inv.disks.value], policy)
    assert g.verdict is Verdict.PASS_WITH_WARNINGS and g.untested == ("selftest:LOOP1",)
