"""Wi-Fi, Bluetooth and Ethernet adapters: sysfs net, rfkill, bluetooth; firmware
failures from the kernel log (`dmesg`)."""

from __future__ import annotations

import os

from deuxvie.host import CommandNotFound, CommandTimeout, Host
from deuxvie.model.functions import Ethernet, Radio
from deuxvie.parsers.iw import firmware_failures

NET = "/sys/class/net"
RFKILL = "/sys/class/rfkill"
BLUETOOTH = "/sys/class/bluetooth"


def _driver(host: Host, device_dir: str) -> str | None:
    link = host.realpath(f"{device_dir}/driver")
    return os.path.basename(link) if "/drivers/" in link else None


def read_dmesg(host: Host, errors: list[str]) -> str:
    try:
        res = host.run(["dmesg"], timeout_s=15)
    except (CommandNotFound, CommandTimeout) as exc:
        errors.append(f"dmesg: {exc}")
        return ""
    if not res.ok:
        errors.append(f"dmesg: exit {res.returncode}")
    return res.text


def _rfkill(host: Host) -> list[dict[str, str | None]]:
    if not host.exists(RFKILL):
        return []
    out = []
    for entry in host.listdir(RFKILL):
        base = f"{RFKILL}/{entry}"
        out.append({"type": host.read_text_or(f"{base}/type"),
                    "name": host.read_text_or(f"{base}/name"),
                    "soft": host.read_text_or(f"{base}/soft"),
                    "hard": host.read_text_or(f"{base}/hard")})
    return out


def _blocked(value: str | None) -> bool | None:
    return None if value is None else value == "1"


def probe_radios(host: Host, dmesg: str) -> tuple[tuple[Radio, ...], tuple[Ethernet, ...]]:
    radios: list[Radio] = []
    eth: list[Ethernet] = []
    switches = _rfkill(host)
    names = host.listdir(NET) if host.exists(NET) else []
    for name in names:
        base = f"{NET}/{name}"
        if not host.exists(f"{base}/device"):
            continue  # lo, bridges, tunnels
        driver = _driver(host, f"{base}/device")
        if host.exists(f"{base}/wireless") or host.exists(f"{base}/phy80211"):
            phy = host.read_text_or(f"{base}/phy80211/name")
            sw = next((s for s in switches if s["type"] == "wlan" and s["name"] == phy), None)
            radios.append(Radio(
                kind="wifi", name=name, driver=driver,
                soft_blocked=_blocked(sw["soft"]) if sw else None,
                hard_blocked=_blocked(sw["hard"]) if sw else None,
                firmware_errors=firmware_failures(dmesg, (driver or name,))))
            continue
        carrier = host.read_text_or(f"{base}/carrier")
        speed = host.read_text_or(f"{base}/speed")
        eth.append(Ethernet(
            name=name, driver=driver,
            carrier=None if carrier not in ("0", "1") else carrier == "1",
            operstate=host.read_text_or(f"{base}/operstate"),
            speed_mbps=int(speed) if speed and speed.isdigit() else None))
    # A Wi-Fi card whose firmware failed to load has an rfkill switch or a kernel log line
    # but no net interface: it must show up as a broken adapter, not as "no Wi-Fi".
    if not any(r.kind == "wifi" for r in radios):
        lost = firmware_failures(dmesg, ("iwlwifi", "ath10k", "ath11k", "rtw88", "rtw89",
                                         "brcmfmac", "mt76", "mt7921e", "rtl8", "b43"))
        wlan_switch = next((s for s in switches if s["type"] == "wlan"), None)
        if lost or wlan_switch:
            radios.append(Radio(
                kind="wifi", name=(wlan_switch or {}).get("name") or "wifi", driver=None,
                soft_blocked=_blocked(wlan_switch["soft"]) if wlan_switch else None,
                hard_blocked=_blocked(wlan_switch["hard"]) if wlan_switch else None,
                firmware_errors=lost))
    for hci in host.listdir(BLUETOOTH) if host.exists(BLUETOOTH) else []:
        if ":" in hci:
            continue  # hci0:11 connection entries
        base = f"{BLUETOOTH}/{hci}"
        sw = next((s for s in switches if s["type"] == "bluetooth" and s["name"] == hci), None)
        driver = _driver(host, f"{base}/device")
        radios.append(Radio(
            kind="bluetooth", name=hci, driver=driver,
            soft_blocked=_blocked(sw["soft"]) if sw else None,
            hard_blocked=_blocked(sw["hard"]) if sw else None,
            firmware_errors=firmware_failures(dmesg, ("Bluetooth: " + hci, "bluetooth " + hci,
                                                      driver or hci))))
    return tuple(radios), tuple(eth)
