"""The functions of the QEMU virtual PC, recorded in the guest with `deuxvie functions
--record` (tests/vm/test_guest_functions.py) and replayed here without QEMU: real outputs of
the guest kernel and tools (usb-kbd/usb-tablet input devices, intel-hda + hda-duplex,
mac80211_hwsim Wi-Fi scanning a hostapd access point, e1000, xhci)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from deuxvie.functions.checks import run_unattended
from deuxvie.grading.policy import default_policy
from deuxvie.host import ReplayHost
from deuxvie.inventory import collect
from deuxvie.model import jsonable

BUNDLES = Path(__file__).resolve().parents[1] / "data" / "bundles"
BUNDLE = BUNDLES / "qemu-functions"


def _golden(data: dict[str, Any]) -> dict[str, Any]:
    path = BUNDLES / "qemu-functions.golden.json"
    if os.environ.get("DEUXVIE_REGEN_GOLDEN") == "1":
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
    result: dict[str, Any] = json.loads(path.read_text())
    return result


def test_qemu_guest_recording_replays_to_golden() -> None:
    inv = collect(ReplayHost(BUNDLE))
    results = run_unattended(ReplayHost(BUNDLE), inv, [], default_policy(), sleep=lambda s: None)
    data = {"functions": jsonable(inv.functions), "results": [jsonable(r) for r in results]}
    assert data == _golden(data)

    fi = inv.functions.value
    assert fi is not None
    assert [(k.name, k.bus) for k in fi.keyboards if k.bus == "usb"] == [
        ("QEMU QEMU USB Keyboard", "usb")]
    assert [p.name for p in fi.pointing] == ["QEMU QEMU USB Tablet"]
    (card,) = fi.sound_cards
    assert card.playback == (0,) and card.capture == (0,)
    assert {r.name for r in fi.radios if r.kind == "wifi"} == {"wlan0", "wlan1"}
    assert [e.driver for e in fi.ethernet] == ["e1000"]
    by_id = {r.id: r for r in results}
    assert by_id["keyboard"].status.value == "UNTESTED"
    assert by_id["audio_out"].status.value == "PASSED"
    assert by_id["audio_in"].reasons[0].code == "audio_in.no_loopback"
    assert by_id["audio_in"].evidence["snr_db"] is None  # QEMU's "none" backend: silence
    assert by_id["wifi"].status.value == "PASSED"
    assert by_id["wifi"].evidence["interface"] == "wlan1"  # wlan0 is hostapd's AP
    assert any(b["ssid"] == "deuxvie-rig" for b in by_id["wifi"].evidence["bss"])
    assert by_id["ethernet"].status.value == "PASSED"
    assert by_id["usb"].status.value == "PASSED"
