"""The automatic function checks (issue #12) replayed on the laptop bundle: a healthy
laptop, then broken parts (black webcam, Wi-Fi firmware missing, fan stopped under
stress), and how the grade treats each function."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from deuxvie import wire
from deuxvie.diagnostics.cpu_stress import run_cpu_stress
from deuxvie.functions.checks import run_unattended
from deuxvie.grading.grade import grade
from deuxvie.grading.policy import default_policy
from deuxvie.host import ReplayHost
from deuxvie.i18n import FUNCTION_NAMES
from deuxvie.inventory import collect
from deuxvie.model.functions import FUNCTION_IDS, FunctionResult, FunctionStatus
from deuxvie.model.grade import Verdict
from deuxvie.probes.sensors import sample_fans

BUNDLES = Path(__file__).resolve().parents[1] / "data" / "bundles"
P = FunctionStatus.PASSED
F = FunctionStatus.FAILED
U = FunctionStatus.UNTESTED
A = FunctionStatus.ABSENT
PLAY = ["aplay", "-q", "-D", "plughw:1,0", "-t", "raw", "-f", "S16_LE", "-r", "48000", "-c", "2"]
REC = ["arecord", "-q", "-D", "plughw:1,0", "-t", "raw", "-f", "S16_LE", "-r", "16000", "-c",
       "1", "-d", "3"]
STREAM = ["v4l2-ctl", "--device", "/dev/video0", "--stream-mmap", "--stream-count=5",
          "--stream-to=-"]
SCAN = """BSS 3c:37:86:11:22:33(on wlp3s0)
\tfreq: 2437
\tsignal: -48.00 dBm
\tSSID: atelier-invites
BSS 3c:37:86:11:22:34(on wlp3s0)
\tsignal: -71.00 dBm
\tSSID: \x20
"""
FRAME = 160 * 120 * 2  # YUYV at the 160x120 the bundle's v4l2-ctl --all announces


def _record(bundle: Path, argv: list[str], stdout: bytes, returncode: int = 0) -> None:
    cmds = json.loads((bundle / "commands.json").read_text())
    ref = f"cmd/t{len(cmds):03d}.out"
    (bundle / ref).write_bytes(stdout)
    cmds.append({"argv": argv, "returncode": returncode, "stdout": ref})
    (bundle / "commands.json").write_text(json.dumps(cmds))


def _picture_frames() -> bytes:
    # A gradient: what any lit scene gives (luma spread far above the threshold).
    ramp = (np.arange(FRAME) % 256).astype(np.uint8)
    return ramp.tobytes() * 5


def _heard_tone() -> bytes:
    # The speaker's tone picked up by the mic at 16 kHz, with room noise.
    rng = np.random.default_rng(7)
    t = np.arange(16000 * 3) / 16000
    sig = 3000 * np.sin(2 * np.pi * 1000 * t) + rng.normal(0, 300, t.size)
    return sig.astype("<i2").tobytes()


@pytest.fixture
def laptop(tmp_path: Path) -> Path:
    bundle = tmp_path / "laptop"
    shutil.copytree(BUNDLES / "laptop-t440", bundle)
    _record(bundle, PLAY, b"")
    _record(bundle, REC, _heard_tone())
    _record(bundle, STREAM, _picture_frames())
    _record(bundle, ["ip", "link", "set", "wlp3s0", "up"], b"")
    _record(bundle, ["ip", "link", "set", "enp0s25", "up"], b"")
    _record(bundle, ["iw", "dev", "wlp3s0", "scan"], SCAN.encode())
    return bundle


def _checks(bundle: Path, stress_s: float | None = 0.3) -> dict[str, FunctionResult]:
    policy = default_policy()
    inv = collect(ReplayHost(bundle))
    diagnostics = []
    if stress_s is not None:
        host = ReplayHost(bundle)
        fans = inv.functions.value.fans if inv.functions.value else ()
        diagnostics.append(run_cpu_stress(host, duration_s=stress_s, workers=1,
                                          sample_interval_s=0.1,
                                          sample_temperatures=lambda: {"coretemp/pkg": 61.0},
                                          sample_fans=lambda: sample_fans(host, fans)))
    results = run_unattended(ReplayHost(bundle), inv, diagnostics, policy, sleep=lambda s: None)
    assert [r.id for r in results] == list(FUNCTION_IDS)  # every id, always, in order
    return {r.id: r for r in results}


def test_healthy_laptop_passes_what_a_machine_can_prove_alone(laptop: Path) -> None:
    r = _checks(laptop)
    status = {k: v.status for k, v in r.items()}
    assert status == {
        "screen": U, "backlight": U, "keyboard": U, "pointing": U, "audio_out": P,
        "audio_in": P, "webcam": P, "wifi": P, "ethernet": P, "bluetooth": P, "usb": P,
        "battery_charge": P, "fans": P, "optical": A}
    assert r["wifi"].evidence["bss"][0] == {"bssid": "3c:37:86:11:22:33",
                                            "ssid": "atelier-invites", "signal_dbm": -48.0}
    assert r["audio_in"].evidence["snr_db"] > 20
    assert r["webcam"].evidence["frames"] == 5 and min(r["webcam"].evidence["spreads"]) > 100
    assert r["fans"].evidence["max_rpm_under_stress"] == {"thinkpad/fan1": 2650}
    # A replay cannot write sysfs: the backlight is untested, with the reason, never passed.
    assert "cannot write" in r["backlight"].reasons[0].en
    assert r["keyboard"].evidence["devices"][0]["bus"] == "i8042"
    for res in r.values():
        for why in res.reasons:
            assert why.fr and why.en and why.fr != why.en


def test_black_webcam_frames_fail_with_the_evidence(laptop: Path) -> None:
    cmds = json.loads((laptop / "commands.json").read_text())
    ref = next(c["stdout"] for c in cmds if c["argv"] == STREAM)
    (laptop / ref).write_bytes(bytes([16, 128]) * (FRAME // 2) * 5)  # YUYV black: Y=16
    cam = _checks(laptop, stress_s=None)["webcam"]
    assert cam.status is F and cam.reasons[0].code == "webcam.black"
    assert cam.evidence["spreads"] == [0, 0, 0, 0, 0] and cam.evidence["frames"] == 5


def test_short_webcam_stream_fails(laptop: Path) -> None:
    cmds = json.loads((laptop / "commands.json").read_text())
    ref = next(c["stdout"] for c in cmds if c["argv"] == STREAM)
    (laptop / ref).write_bytes(_picture_frames()[: FRAME * 2 + 100])
    cam = _checks(laptop, stress_s=None)["webcam"]
    assert cam.status is F and cam.reasons[0].code == "webcam.no_frames"
    assert "2 image(s)" in cam.reasons[0].fr


def test_wifi_firmware_missing_in_dmesg_fails(laptop: Path) -> None:
    # iwlwifi without its ucode registers no net interface: only the kernel log tells.
    shutil.rmtree(laptop / "fs/sys/class/net/wlp3s0")
    shutil.rmtree(laptop / "fs/sys/class/rfkill/rfkill1")
    line = ("iwlwifi 0000:03:00.0: Direct firmware load for iwlwifi-7260-17.ucode failed "
            "with error -2")
    dmesg = laptop / "cmd/dmesg.out"
    dmesg.write_text(dmesg.read_text().replace(
        dmesg.read_text().splitlines()[6], f"[    3.902341] {line}"))
    wifi = _checks(laptop, stress_s=None)["wifi"]
    assert wifi.status is F and wifi.reasons[0].code == "wifi.firmware"
    assert wifi.evidence["firmware_errors"] == [line]
    assert "iwlwifi-7260-17.ucode" in wifi.reasons[0].fr


def test_fan_at_zero_rpm_under_stress_fails(laptop: Path) -> None:
    (laptop / "fs/sys/class/hwmon/hwmon2/fan1_input").write_text("0\n")
    fans = _checks(laptop)["fans"]
    assert fans.status is F and fans.reasons[0].code == "fans.stopped"
    assert fans.evidence["max_rpm_under_stress"] == {"thinkpad/fan1": 0}


def test_no_ac_no_scan_result_no_loopback_are_untested_not_passed(laptop: Path) -> None:
    (laptop / "fs/sys/class/power_supply/AC/online").write_text("0\n")
    (laptop / "fs/sys/class/power_supply/BAT0/status").write_text("Discharging\n")
    cmds = json.loads((laptop / "commands.json").read_text())
    for argv, data in ((["iw", "dev", "wlp3s0", "scan"], b""), (REC, bytes(96000))):
        (laptop / next(c["stdout"] for c in cmds if c["argv"] == argv)).write_bytes(data)
    r = _checks(laptop, stress_s=None)
    assert r["battery_charge"].status is U and r["battery_charge"].reasons[0].code == \
        "battery_charge.no_ac"
    assert r["wifi"].status is U and r["wifi"].reasons[0].code == "wifi.no_network"
    assert r["audio_in"].status is U and r["audio_in"].reasons[0].code == "audio_in.no_loopback"
    assert r["audio_out"].status is P
    assert r["fans"].status is U  # no stress, no claim


def test_on_ac_but_discharging_fails(laptop: Path) -> None:
    (laptop / "fs/sys/class/power_supply/BAT0/status").write_text("Discharging\n")
    r = _checks(laptop, stress_s=None)["battery_charge"]
    assert r.status is F and r.reasons[0].code == "battery_charge.not_charging"


def test_grade_never_passes_a_laptop_with_a_required_function_untested(laptop: Path) -> None:
    policy = default_policy()
    inv = collect(ReplayHost(laptop))
    r = _checks(laptop)
    g = grade(inv, [], [], policy, functions=list(r.values()))
    assert g.verdict is not Verdict.PASS
    for fid in ("screen", "keyboard", "pointing"):
        assert f"function:{fid}" in g.untested
        words = f"function {FUNCTION_NAMES[fid][1]}"
        assert any(words in why.en for why in g.reasons if why.code == "grade.untested")
    assert "function:backlight" in g.untested  # untested, but a laptop can go without it
    comps = {c.component: c.status for c in g.components}
    assert comps["function:usb"] == "pass" and comps["function:keyboard"] == "untested"
    assert comps["function:optical"] == "pass"  # ABSENT and not required


def test_failed_function_suggests_the_part_to_replace(laptop: Path) -> None:
    policy = default_policy()
    inv = collect(ReplayHost(laptop))
    r = _checks(laptop, stress_s=None)
    done = {k: v for k, v in r.items()}
    for fid in ("screen", "keyboard", "pointing", "backlight"):
        done[fid] = FunctionResult(fid, P, done[fid].method)
    done["webcam"] = FunctionResult("webcam", F, done["webcam"].method, {"spreads": [0]})
    g = grade(inv, [], [], policy, functions=list(done.values()))
    assert g.verdict is Verdict.FAIL
    assert g.suggestion.code == "suggest.repair"
    assert "webcam" in g.suggestion.fr and "webcam" in g.suggestion.en
    # A laptop without Wi-Fi card: required and absent is a part to fit, not a pass.
    done["webcam"] = FunctionResult("webcam", P, done["webcam"].method)
    done["wifi"] = FunctionResult("wifi", A, done["wifi"].method)
    g = grade(inv, [], [], policy, functions=list(done.values()))
    assert g.verdict is Verdict.FAIL and "carte Wi-Fi" in g.suggestion.fr
    assert "Wi-Fi card" in g.suggestion.en


def test_desktop_requires_usb_ethernet_audio_only() -> None:
    policy = default_policy()
    assert policy.functions.required("Desktop") == ("usb", "ethernet", "audio_out")
    assert policy.functions.required("Notebook") == (
        "screen", "keyboard", "pointing", "audio_out", "wifi", "usb", "battery_charge")
    assert policy.functions.required(None) == policy.functions.desktop


def test_report_functions_validate_against_the_shared_schema(laptop: Path) -> None:
    import sys
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
    import factories

    report = factories.make_report()
    assert report["schema_version"] == 2
    assert {f["id"] for f in report["functions"]} == {"usb", "keyboard", "webcam"}
    assert wire.report_errors(report) == []
    bad = json.loads(json.dumps(report))
    bad["functions"][0]["status"] = "OK"
    assert any("/functions/0/status" in e for e in wire.report_errors(bad))
    bad = json.loads(json.dumps(report))
    bad["functions"][0]["id"] = "touchbar"
    assert wire.report_errors(bad)
    bad = json.loads(json.dumps(report))
    del bad["functions"]
    assert any("functions" in e for e in wire.report_errors(bad))  # v2 must carry them
    bad["schema_version"] = 1  # a v1 report of an older stick stays valid
    assert wire.report_errors(bad) == []
