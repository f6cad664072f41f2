"""`iw dev`, `iw dev IF scan` and kernel-log firmware lines (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from deuxvie.parsers.errors import ParseError


@dataclass(frozen=True)
class WifiInterface:
    phy: str  # "phy0"
    name: str  # wlan0
    mac: str | None
    type: str | None  # managed, AP, monitor


@dataclass(frozen=True)
class Bss:
    bssid: str
    ssid: str | None
    signal_dbm: float | None


def parse_iw_dev(text: str) -> tuple[WifiInterface, ...]:
    out: list[WifiInterface] = []
    phy = None
    cur: dict[str, str] = {}

    def flush() -> None:
        if cur.get("name") and phy:
            out.append(WifiInterface(phy, cur["name"], cur.get("addr"), cur.get("type")))

    for line in text.splitlines():
        s = line.strip()
        if s.startswith("phy#"):
            flush()
            cur = {}
            phy = "phy" + s[4:]
        elif s.startswith("Interface "):
            flush()
            cur = {"name": s.split()[1]}
        elif cur and s.startswith(("addr ", "type ")):
            k, v = s.split(None, 1)
            cur[k] = v
    flush()
    if text.strip() and phy is None:
        raise ParseError("iw dev: no phy# line")
    return tuple(out)


_BSS = re.compile(r"^BSS ([0-9a-fA-F:]{17})")


def _dbm(text: str | None) -> float | None:
    """"-48.00 dBm" -> -48.0; anything else unknown (never a made-up 0)."""
    try:
        return float(text.split()[0]) if text else None
    except (ValueError, IndexError):
        return None


def parse_iw_scan(text: str) -> tuple[Bss, ...]:
    out: list[Bss] = []
    cur: dict[str, str] = {}

    def flush() -> None:
        if cur:
            out.append(Bss(cur["bssid"].lower(), cur.get("ssid"), _dbm(cur.get("signal"))))

    for line in text.splitlines():
        m = _BSS.match(line)
        if m:
            flush()
            cur = {"bssid": m.group(1)}
            continue
        s = line.strip()
        if cur and s.startswith("SSID:"):
            cur.setdefault("ssid", s[5:].strip())
        elif cur and s.startswith("signal:"):
            cur["signal"] = s[7:].strip()
    flush()
    return tuple(out)


# drivers/base/firmware_loader: "Direct firmware load for X failed with error -2",
# iwlwifi "no suitable firmware found!", generic "failed to load firmware".
_FW = re.compile(r"(Direct firmware load for \S+ failed|no suitable firmware found|"
                 r"failed to load firmware|firmware: failed to load)", re.IGNORECASE)


def firmware_failures(dmesg: str, prefixes: tuple[str, ...]) -> tuple[str, ...]:
    """dmesg lines where a driver named by `prefixes` (iwlwifi, Bluetooth, btusb...)
    could not load its firmware."""
    wanted = tuple(p.lower() for p in prefixes if p)
    lines: list[str] = []
    for line in dmesg.splitlines():
        text = re.sub(r"^\[\s*[\d.]+\]\s*", "", line).strip()
        if _FW.search(text) and text.lower().startswith(wanted):
            lines.append(text)
    return tuple(dict.fromkeys(lines))
