"""Automatic (unattended) checks of every function, each with its evidence.

What a machine can prove alone is tested here: the backlight takes a value and reads it
back, the speakers accept a tone (and the microphone hears it when there is an acoustic
loopback), the webcam delivers frames with a picture, Wi-Fi scans and sees a BSSID,
Ethernet has a link, Bluetooth registered a controller, the USB root hubs enumerate, fans
spin under the CPU stress, the battery charges on AC. What needs a person (keys, pixels,
the touchpad, each USB port) is UNTESTED here and asked by `guided` in attended mode.
"""

from __future__ import annotations

import concurrent.futures
import time
from collections.abc import Callable, Sequence
from typing import Any

from deuxvie.functions.signal import frames_show_picture, tone_in_recording, tone_pcm
from deuxvie.grading.policy import FunctionsPolicy, Policy
from deuxvie.host import CommandNotFound, CommandTimeout, Host, HostError
from deuxvie.i18n import reason
from deuxvie.model.common import Reason
from deuxvie.model.diagnostics import DiagnosticResult
from deuxvie.model.functions import (
    FUNCTION_IDS,
    CheckMethod,
    FunctionInventory,
    FunctionResult,
    FunctionStatus,
)
from deuxvie.model.inventory import Inventory
from deuxvie.parsers import ParseError
from deuxvie.parsers.iw import parse_iw_dev, parse_iw_scan
from deuxvie.parsers.v4l2 import parse_v4l2_all
from deuxvie.probes.sensors import BACKLIGHT
from deuxvie.probes.webcams import v4l2_all_argv

RATE = 48000
REC_RATE = 16000
S = FunctionStatus
AUTO = CheckMethod.AUTOMATIC
INV = CheckMethod.INVENTORY


def _r(fid: str, status: FunctionStatus, method: CheckMethod, evidence: dict[str, Any],
       *reasons: Reason) -> FunctionResult:
    return FunctionResult(fid, status, method, evidence, tuple(reasons))


def _absent(fid: str, fr: str, en: str) -> FunctionResult:
    return _r(fid, S.ABSENT, INV, {}, reason(f"{fid}.absent", fr, en))


def _attended(fid: str, evidence: dict[str, Any], fr: str, en: str) -> FunctionResult:
    return _r(fid, S.UNTESTED, INV, evidence, reason(f"{fid}.needs_operator", fr, en))


def _run_timed(host: Host, argv: list[str], timeout_s: float = 30.0,
               input_bytes: bytes | None = None) -> tuple[int | None, bytes, str, float]:
    """(returncode or None when the tool could not run, stdout, message, seconds): the
    duration is the command's own, so a replay reports the recorded one."""
    try:
        res = host.run(argv, timeout_s=timeout_s, input_bytes=input_bytes)
    except CommandNotFound:
        return None, b"", f"{argv[0]}: not installed", 0.0
    except CommandTimeout:
        return None, b"", f"{argv[0]}: timed out after {timeout_s:g} s", timeout_s
    except HostError as exc:  # a replay without this recording, a host that cannot run it
        return None, b"", str(exc), 0.0
    return res.returncode, res.stdout, res.error_text.strip()[-300:], res.duration_s


def run_tool(host: Host, argv: list[str], timeout_s: float = 30.0,
         input_bytes: bytes | None = None) -> tuple[int | None, bytes, str]:
    rc, out, msg, _ = _run_timed(host, argv, timeout_s, input_bytes)
    return rc, out, msg


def check_screen(inv: Inventory) -> FunctionResult:
    screens = inv.screens.value or ()
    internal = [s for s in screens if s.internal]
    if not screens:
        return _absent("screen", "Aucun écran détecté", "No screen detected")
    ev = {"screens": [s.connector for s in screens], "internal": [s.connector for s in internal]}
    return _attended("screen", ev, "Pixels morts et fuites de lumière : contrôle par "
                     "l'opérateur (mode accompagné)", "Dead pixels and backlight bleed: "
                     "checked by the operator (attended mode)")


def check_backlight(host: Host, fi: FunctionInventory, inv: Inventory) -> FunctionResult:
    if not fi.backlights:
        if any(s.internal for s in inv.screens.value or ()):
            return _r("backlight", S.UNTESTED, INV, {}, reason(
                "backlight.no_control", "Dalle interne sans contrôle de rétroéclairage "
                "(/sys/class/backlight vide)", "Internal panel without a backlight control "
                "(/sys/class/backlight empty)"))
        return _absent("backlight", "Pas de rétroéclairage réglable", "No backlight control")
    bl = fi.backlights[0]
    path = f"{BACKLIGHT}/{bl.name}/brightness"
    if not bl.max_brightness or bl.brightness is None:
        return _r("backlight", S.FAILED, AUTO, {"device": bl.name}, reason(
            "backlight.unreadable", f"Rétroéclairage {bl.name} illisible",
            f"Backlight {bl.name} unreadable"))
    target = max(1, bl.max_brightness // 2) if bl.brightness != bl.max_brightness // 2 \
        else bl.max_brightness
    try:
        host.write_text(path, str(target))
        back = host.read_text_or(path)
        host.write_text(path, str(bl.brightness))
    except (HostError, OSError) as exc:
        return _r("backlight", S.UNTESTED, AUTO, {"device": bl.name}, reason(
            "backlight.not_set", f"Rétroéclairage non réglable ici : {exc}",
            f"Backlight cannot be set here: {exc}"))
    ev = {"device": bl.name, "set": target, "read_back": back, "max": bl.max_brightness}
    if back != str(target):
        return _r("backlight", S.FAILED, AUTO, ev, reason(
            "backlight.no_effect", f"Rétroéclairage réglé à {target}, relu {back}",
            f"Backlight set to {target}, read back {back}"))
    return _r("backlight", S.PASSED, AUTO, ev)


def check_inputs(fi: FunctionInventory, laptop: bool) -> list[FunctionResult]:
    out: list[FunctionResult] = []
    for fid, devices, fr, en in (
        ("keyboard", fi.keyboards, "clavier", "keyboard"),
        ("pointing", fi.pointing, "dispositif de pointage", "pointing device"),
    ):
        ev = {"devices": [{"name": d.name, "bus": d.bus, "internal": d.internal,
                           "keys": d.key_count} for d in devices]}
        # A laptop with none at all lost its built-in one (ribbon cable, controller). Some
        # built-in ones sit on USB (MacBooks, Surface): the bus alone cannot say "missing".
        if laptop and not devices:
            out.append(_r(fid, S.FAILED, INV, ev, reason(
                f"{fid}.missing", f"Aucun {fr} intégré détecté", f"No built-in {en} found")))
            continue
        if not devices:
            out.append(_absent(fid, f"Aucun {fr} branché", f"No {en} plugged in"))
            continue
        out.append(_attended(fid, ev, f"{fr.capitalize()} présent ; touches et tracé à vérifier "
                             "par l'opérateur (mode accompagné)", f"{en.capitalize()} present; "
                             "keys and trace checked by the operator (attended mode)"))
    return out


def analog_pcm(fi: FunctionInventory, capture: bool) -> tuple[int, int] | None:
    """The first (card, device) with a playback (or capture) stream, HDMI outputs last:
    an HDMI PCM plays nothing without a monitor."""
    found = []
    for card in fi.sound_cards:
        for dev in card.capture if capture else card.playback:
            found.append((card.id.upper().startswith("HDMI") or dev >= 3, card.index, dev))
    return (min(found)[1], min(found)[2]) if found else None


def check_audio(host: Host, fi: FunctionInventory, fp: FunctionsPolicy,
                sleep: Callable[[float], None]) -> list[FunctionResult]:
    out_dev = analog_pcm(fi, capture=False)
    in_dev = analog_pcm(fi, capture=True)
    if out_dev is None:
        absent = [_absent("audio_out", "Pas de sortie son", "No sound output")]
        if in_dev is None:
            return [*absent, _absent("audio_in", "Pas d'entrée son", "No sound input")]
    tone = tone_pcm(fp.tone_hz, fp.tone_s, RATE, 2)
    play_argv = (["aplay", "-q", "-D", f"plughw:{out_dev[0]},{out_dev[1]}", "-t", "raw",
                  "-f", "S16_LE", "-r", str(RATE), "-c", "2"] if out_dev else [])
    rec_s = int(fp.tone_s + 1.5)
    rec_argv = (["arecord", "-q", "-D", f"plughw:{in_dev[0]},{in_dev[1]}", "-t", "raw",
                 "-f", "S16_LE", "-r", str(REC_RATE), "-c", "1", "-d", str(rec_s)]
                if in_dev else [])
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        rec = pool.submit(run_tool, host, rec_argv, rec_s + 20.0) if rec_argv else None
        if rec is not None:
            sleep(0.3)  # the recorder opens its device before the tone starts
        play = _run_timed(host, play_argv, fp.tone_s + 20.0, tone) if play_argv else None
        recorded = rec.result() if rec is not None else None
    results: list[FunctionResult] = []
    if play is not None and out_dev is not None:
        rc, _, msg, played_s = play
        ev = {"device": f"hw:{out_dev[0]},{out_dev[1]}", "tone_hz": fp.tone_hz,
              "tone_s": fp.tone_s, "returncode": rc, "played_s": round(played_s, 2)}
        if rc == 0:
            results.append(_r("audio_out", S.PASSED, AUTO, ev))
        elif rc is None:
            results.append(_r("audio_out", S.UNTESTED, AUTO, ev, reason(
                "audio_out.no_tool", f"Son non testé : {msg}", f"Sound not tested: {msg}")))
        else:
            ev["error"] = msg
            results.append(_r("audio_out", S.FAILED, AUTO, ev, reason(
                "audio_out.failed", f"La sortie son refuse le signal : {msg}",
                f"The sound output refuses the tone: {msg}")))
    if in_dev is None:
        results.append(_absent("audio_in", "Pas d'entrée son (micro)", "No sound input (mic)"))
        return results
    assert recorded is not None
    rc, pcm, msg = recorded
    ev = {"device": f"hw:{in_dev[0]},{in_dev[1]}", "returncode": rc, "bytes": len(pcm)}
    if rc is None or (rc != 0 and not pcm):
        status = S.UNTESTED if rc is None else S.FAILED
        results.append(_r("audio_in", status, AUTO, {**ev, "error": msg}, reason(
            "audio_in.failed", f"Le micro ne s'ouvre pas : {msg}",
            f"The microphone does not open: {msg}")))
        return results
    m = tone_in_recording(pcm, fp.tone_hz, REC_RATE, fp.loopback_min_snr_db)
    ev.update({"snr_db": m.snr_db, "rms": m.rms})
    if m.heard and out_dev is not None:
        results.append(_r("audio_in", S.PASSED, AUTO, ev))
    else:
        # Silence proves nothing alone: the loopback needs the speaker to reach the mic
        # (no loopback on a desktop or a VM), so it is not a FAIL.
        results.append(_r("audio_in", S.UNTESTED, AUTO, ev, reason(
            "audio_in.no_loopback", "Micro ouvert mais tonalité non entendue (pas de "
            "retour haut-parleur → micro) : à vérifier en mode accompagné",
            "Microphone opens but the tone was not heard (no speaker-to-mic loopback): "
            "check in attended mode")))
    return results


def check_webcam(host: Host, fi: FunctionInventory, fp: FunctionsPolicy) -> FunctionResult:
    if not fi.webcams:
        return _absent("webcam", "Pas de webcam", "No webcam")
    cam = fi.webcams[0]
    rc, out, msg = run_tool(host, v4l2_all_argv(cam.node), 15.0)
    try:
        info = parse_v4l2_all(out) if rc == 0 else None
    except ParseError as exc:
        info, msg = None, str(exc)
    if info is None or not info.size_image:
        return _r("webcam", S.UNTESTED if rc is None else S.FAILED, AUTO,
                  {"device": cam.node, "error": msg}, reason(
                      "webcam.no_format", f"Format de la webcam illisible : {msg}",
                      f"Webcam format unreadable: {msg}"))
    argv = ["v4l2-ctl", "--device", cam.node, "--stream-mmap",
            f"--stream-count={fp.webcam_frames}", "--stream-to=-"]
    rc, raw, msg = run_tool(host, argv, 30.0)
    m = frames_show_picture(raw, info.size_image, fp.webcam_min_spread)
    ev = {"device": cam.node, "name": cam.name, "format": info.pixel_format,
          "width": info.width, "height": info.height, "frame_bytes": info.size_image,
          "frames": m.frames, "spreads": list(m.spreads), "returncode": rc}
    if rc is None:
        return _r("webcam", S.UNTESTED, AUTO, ev, reason(
            "webcam.no_tool", f"Webcam non testée : {msg}", f"Webcam not tested: {msg}"))
    if m.frames < fp.webcam_frames:
        return _r("webcam", S.FAILED, AUTO, ev, reason(
            "webcam.no_frames", f"{m.frames} image(s) reçue(s) sur {fp.webcam_frames} "
            f"au format annoncé {info.width}x{info.height}",
            f"{m.frames} of {fp.webcam_frames} frames received at the advertised "
            f"{info.width}x{info.height}"))
    if not m.picture:
        return _r("webcam", S.FAILED, AUTO, ev, reason(
            "webcam.black", "La webcam ne renvoie que des images noires ou figées "
            f"(écart de luminance max {max(m.spreads)})", "The webcam only delivers black or "
            f"constant frames (largest luma spread {max(m.spreads)})"))
    return _r("webcam", S.PASSED, AUTO, ev)


def check_wifi(host: Host, fi: FunctionInventory, sleep: Callable[[float], None]
               ) -> FunctionResult:
    wifi = [r for r in fi.radios if r.kind == "wifi"]
    if not wifi:
        return _absent("wifi", "Pas de carte Wi-Fi", "No Wi-Fi adapter")
    broken = [r for r in wifi if r.firmware_errors]
    if broken:
        lines = [ln for r in broken for ln in r.firmware_errors]
        return _r("wifi", S.FAILED, AUTO, {"adapters": [r.name for r in wifi],
                                           "firmware_errors": lines}, reason(
            "wifi.firmware", f"Micrologiciel Wi-Fi non chargé : {lines[0]}",
            f"Wi-Fi firmware not loaded: {lines[0]}"))
    rc, out, msg = run_tool(host, ["iw", "dev"], 15.0)
    try:
        ifaces = {i.name: i for i in parse_iw_dev(out.decode("utf-8", "replace"))}
    except ParseError:
        ifaces = {}
    # An interface in AP mode (the test rig's hostapd, a hotspot) is not the one to scan.
    clients = [r for r in wifi if getattr(ifaces.get(r.name), "type", "managed") != "AP"]
    ev: dict[str, Any] = {"adapters": [r.name for r in clients]}
    if any(r.hard_blocked for r in clients) and all(r.hard_blocked for r in clients):
        return _r("wifi", S.UNTESTED, AUTO, ev, reason(
            "wifi.hard_blocked", "Wi-Fi coupé par l'interrupteur matériel (rfkill)",
            "Wi-Fi switched off by the hardware switch (rfkill)"))
    errors: list[str] = []
    for r in clients:
        if r.soft_blocked:
            run_tool(host, ["rfkill", "unblock", "wifi"], 10.0)
        run_tool(host, ["ip", "link", "set", r.name, "up"], 10.0)
        rc, out, msg = _scan(host, r.name, sleep)
        if rc is None:
            return _r("wifi", S.UNTESTED, AUTO, ev, reason(
                "wifi.no_tool", f"Wi-Fi non testé : {msg}", f"Wi-Fi not tested: {msg}"))
        if rc != 0:
            errors.append(f"{r.name}: {msg or f'exit {rc}'}")
            continue
        bss = parse_iw_scan(out.decode("utf-8", "replace"))
        if not bss:
            # one passive scan can miss a beacon (an AP on another channel's dwell time, a
            # loaded guest): look once more before saying no network is in range
            sleep(2.0)
            rc2, out2, _ = _scan(host, r.name, sleep)
            if rc2 == 0:
                bss = parse_iw_scan(out2.decode("utf-8", "replace"))
        ev.update({"interface": r.name, "bss": [
            {"bssid": b.bssid, "ssid": b.ssid, "signal_dbm": b.signal_dbm} for b in bss[:10]]})
        if bss:
            return _r("wifi", S.PASSED, AUTO, ev)
    if errors:
        ev["errors"] = errors
        return _r("wifi", S.FAILED, AUTO, ev, reason(
            "wifi.scan_failed", f"La recherche Wi-Fi échoue : {errors[0]}",
            f"Wi-Fi scan fails: {errors[0]}"))
    return _r("wifi", S.UNTESTED, AUTO, ev, reason(
        "wifi.no_network", "Aucun réseau Wi-Fi à portée : recherche faite, rien vu",
        "No Wi-Fi network in range: the scan ran and saw nothing"))


SCAN_WAIT_S = 30.0
DUMP_WAIT_S = 90.0


def _scan(host: Host, iface: str, sleep: Callable[[float], None]) -> tuple[int | None, bytes, str]:
    """`iw dev IFACE scan`: (returncode or None when iw could not run, stdout, message).

    iw subscribes to the scan-done event only *after* triggering the scan (its scan.c says
    so): when the kernel finishes first, or the scan is slow (mac80211_hwsim scans 160
    channels, many passive; a loaded TCG guest stretches each dwell), iw waits forever.
    The BSSes heard so far are already in cfg80211's cache, filled as each beacon or
    probe response arrives: after SCAN_WAIT_S the check reads that cache (`scan dump`)
    until it lists a network, instead of giving up on a hung iw."""
    for _attempt in range(3):
        try:
            res = host.run(["iw", "dev", iface, "scan"], timeout_s=SCAN_WAIT_S)
        except CommandNotFound:
            return None, b"", "iw: not installed"
        except CommandTimeout:
            break
        except HostError as exc:  # a replay without this recording
            return None, b"", str(exc)
        if res.returncode == 0:
            return 0, res.stdout, ""
        # -16 EBUSY right after the link comes up: the firmware is still starting.
        msg = res.error_text.strip()[-300:]
        sleep(1.0)
    else:
        return res.returncode, res.stdout, msg
    waited, out = 0.0, b""
    while waited < DUMP_WAIT_S:
        rc, out, msg = run_tool(host, ["iw", "dev", iface, "scan", "dump"], 15.0)
        if rc is None:
            return None, b"", msg
        if rc == 0 and parse_iw_scan(out.decode("utf-8", "replace")):
            break
        sleep(3.0)
        waited += 3.0
    return 0, out, ""


def check_ethernet(host: Host, fi: FunctionInventory, fp: FunctionsPolicy,
                   sleep: Callable[[float], None]) -> FunctionResult:
    if not fi.ethernet:
        return _absent("ethernet", "Pas de carte Ethernet", "No Ethernet adapter")
    links: dict[str, Any] = {}
    for nic in fi.ethernet:
        run_tool(host, ["ip", "link", "set", nic.name, "up"], 10.0)
        carrier = None
        waited = 0.0
        while True:
            carrier = host.read_text_or(f"/sys/class/net/{nic.name}/carrier")
            if carrier == "1" or waited >= fp.ethernet_link_wait_s:
                break
            sleep(0.5)
            waited += 0.5
        links[nic.name] = {"carrier": carrier == "1", "driver": nic.driver,
                           "operstate": host.read_text_or(f"/sys/class/net/{nic.name}/operstate")}
    down = [n for n, v in links.items() if not v["carrier"]]
    if down:
        return _r("ethernet", S.FAILED, AUTO, {"links": links}, reason(
            "ethernet.no_link", f"Pas de lien Ethernet sur {', '.join(down)} (câble branché "
            "sur un switch ?)", f"No Ethernet link on {', '.join(down)} (cable plugged into "
            "a switch?)"))
    return _r("ethernet", S.PASSED, AUTO, {"links": links})


def check_bluetooth(fi: FunctionInventory) -> FunctionResult:
    bt = [r for r in fi.radios if r.kind == "bluetooth"]
    if not bt:
        return _absent("bluetooth", "Pas de Bluetooth", "No Bluetooth")
    ev = {"controllers": [{"name": r.name, "driver": r.driver, "soft_blocked": r.soft_blocked,
                           "hard_blocked": r.hard_blocked} for r in bt]}
    errors = [ln for r in bt for ln in r.firmware_errors]
    if errors:
        return _r("bluetooth", S.FAILED, AUTO, {**ev, "firmware_errors": errors}, reason(
            "bluetooth.firmware", f"Micrologiciel Bluetooth non chargé : {errors[0]}",
            f"Bluetooth firmware not loaded: {errors[0]}"))
    if all(r.hard_blocked for r in bt):
        return _r("bluetooth", S.UNTESTED, AUTO, ev, reason(
            "bluetooth.hard_blocked", "Bluetooth coupé par l'interrupteur matériel",
            "Bluetooth switched off by the hardware switch"))
    return _r("bluetooth", S.PASSED, AUTO, ev)


def check_usb(fi: FunctionInventory) -> FunctionResult:
    ev = {"buses": [{"bus": b.bus, "ports": b.ports, "speed_mbps": b.speed_mbps,
                     "driver": b.driver, "devices": list(b.devices)} for b in fi.usb_buses]}
    if not fi.usb_buses:
        return _r("usb", S.FAILED, AUTO, ev, reason(
            "usb.none", "Aucun contrôleur USB n'a été énuméré", "No USB controller enumerated"))
    dead = [b.bus for b in fi.usb_buses if not b.ports]
    if dead:
        return _r("usb", S.FAILED, AUTO, ev, reason(
            "usb.no_ports", f"Concentrateur USB {dead} sans port", f"USB root hub {dead} "
            "has no port"))
    return _r("usb", S.PASSED, AUTO, ev)


def check_battery_charge(fi: FunctionInventory) -> FunctionResult:
    bats = [p for p in fi.power if p.kind == "Battery"]
    if not bats:
        return _absent("battery_charge", "Pas de batterie", "No battery")
    mains = [p for p in fi.power if p.kind in ("Mains", "USB") and p.online is not None]
    ev = {"ac_online": [p.online for p in mains], "batteries": [
        {"name": b.name, "status": b.status, "current": b.current_ua} for b in bats]}
    if not any(p.online for p in mains):
        return _r("battery_charge", S.UNTESTED, AUTO, ev, reason(
            "battery_charge.no_ac", "Chargeur non branché : charge non vérifiée",
            "Charger not plugged in: charging not checked"))
    charging = [b for b in bats if b.status in ("Charging", "Full")]
    if charging:
        return _r("battery_charge", S.PASSED, AUTO, ev)
    # "Not charging" on AC is what ThinkPads report when a charge threshold holds the
    # battery (thinkpad_acpi charge_control_end_threshold): not proven either way.
    if all(b.status == "Not charging" for b in bats):
        return _r("battery_charge", S.UNTESTED, AUTO, ev, reason(
            "battery_charge.held", "Secteur présent, charge suspendue (seuil de charge ?)",
            "On AC, charging held (charge threshold?)"))
    return _r("battery_charge", S.FAILED, AUTO, ev, reason(
        "battery_charge.not_charging", "Chargeur branché mais la batterie se décharge",
        "Charger plugged in but the battery discharges"))


def check_fans(fi: FunctionInventory, diagnostics: Sequence[DiagnosticResult],
               policy: Policy) -> FunctionResult:
    stress = next((d for d in diagnostics if d.name == "cpu_stress"), None)
    if not fi.fans:
        return _r("fans", S.UNTESTED, INV, {}, reason(
            "fans.no_sensor", "Aucun capteur de ventilateur (hwmon) : vérifier à l'oreille",
            "No fan sensor (hwmon): check by ear"))
    if stress is None or "fans_max_rpm" not in stress.measurements:
        return _r("fans", S.UNTESTED, INV, {"fans": [f"{f.chip}/{f.label}" for f in fi.fans]},
                  reason("fans.no_stress", "Ventilateurs non mesurés sous charge (test CPU non "
                         "fait)", "Fans not measured under load (no CPU stress)"))
    rpm: dict[str, int | None] = stress.measurements["fans_max_rpm"]
    temp = stress.measurements.get("max_temperature_c")
    ev = {"max_rpm_under_stress": rpm, "max_temperature_c": temp,
          "limit_c": policy.cpu.temperature_fail_c}
    still = [k for k, v in rpm.items() if v is not None and v <= 0]
    if still:
        return _r("fans", S.FAILED, AUTO, ev, reason(
            "fans.stopped", f"Ventilateur à 0 tr/min sous charge : {', '.join(still)}",
            f"Fan at 0 rpm under load: {', '.join(still)}"))
    if temp is not None and temp >= policy.cpu.temperature_fail_c:
        return _r("fans", S.FAILED, AUTO, ev, reason(
            "fans.overheat", f"Refroidissement insuffisant : {temp:.0f} °C sous charge",
            f"Cooling insufficient: {temp:.0f} °C under load"))
    if not any(v for v in rpm.values()):
        return _r("fans", S.UNTESTED, AUTO, ev, reason(
            "fans.unread", "Vitesse des ventilateurs illisible", "Fan speed unreadable"))
    return _r("fans", S.PASSED, AUTO, ev)


def check_optical(fi: FunctionInventory) -> FunctionResult:
    if not fi.optical:
        return _absent("optical", "Pas de lecteur optique", "No optical drive")
    return _attended("optical", {"drives": [d.name for d in fi.optical]},
                     "Lecteur présent : lecture d'un disque à faire par l'opérateur",
                     "Drive present: reading a disc is up to the operator")


def run_unattended(host: Host, inventory: Inventory, diagnostics: Sequence[DiagnosticResult],
                   policy: Policy, *, sleep: Callable[[float], None] = time.sleep
                   ) -> tuple[FunctionResult, ...]:
    """One result per function id, in FUNCTION_IDS order."""
    fi = inventory.functions.value
    if fi is None:
        why = inventory.functions.reason or "functions not probed"
        return tuple(_r(fid, S.UNTESTED, INV, {}, reason(
            "functions.not_probed", f"Fonctions non inventoriées : {why}",
            f"Functions not inventoried: {why}")) for fid in FUNCTION_IDS)
    system = inventory.system.value
    fp = policy.functions
    laptop = fp.chassis_class(system.chassis_type if system else None) == "laptop"
    results = [check_screen(inventory), check_backlight(host, fi, inventory),
               *check_inputs(fi, laptop), *check_audio(host, fi, fp, sleep),
               check_webcam(host, fi, fp), check_wifi(host, fi, sleep),
               check_ethernet(host, fi, fp, sleep), check_bluetooth(fi), check_usb(fi),
               check_battery_charge(fi), check_fans(fi, diagnostics, policy), check_optical(fi)]
    by_id = {r.id: r for r in results}
    return tuple(by_id[fid] for fid in FUNCTION_IDS)
