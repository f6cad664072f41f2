"""USB root hubs (one per controller and speed) and what enumerated below them."""

from __future__ import annotations

import os

from deuxvie.host import Host
from deuxvie.model.functions import UsbBus

USB = "/sys/bus/usb/devices"


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


def probe_usb(host: Host) -> tuple[UsbBus, ...]:
    if not host.exists(USB):
        return ()
    entries = host.listdir(USB)
    buses: list[UsbBus] = []
    for entry in entries:
        if not entry.startswith("usb"):
            continue
        base = f"{USB}/{entry}"
        bus = _int(host.read_text_or(f"{base}/busnum")) or _int(entry[3:]) or 0
        speed = host.read_text_or(f"{base}/speed")
        ctrl = host.realpath(f"{base}/..")
        link = host.realpath(f"{ctrl}/driver")
        devices = []
        # Devices below bus N are named "N-port[.port...]" (drivers/usb/core/usb.c);
        # interfaces carry a ":" and are not devices.
        for dev in entries:
            if dev.startswith(f"{bus}-") and ":" not in dev:
                d = f"{USB}/{dev}"
                ids = f"{host.read_text_or(f'{d}/idVendor', '?')}:" \
                      f"{host.read_text_or(f'{d}/idProduct', '?')}"
                devices.append(f"{dev}: {ids} {host.read_text_or(f'{d}/product', '') or ''}"
                               .strip())
        try:
            speed_mbps = float(speed) if speed else None
        except ValueError:
            speed_mbps = None
        buses.append(UsbBus(bus=bus, ports=_int(host.read_text_or(f"{base}/maxchild")),
                            speed_mbps=speed_mbps,
                            driver=os.path.basename(link) if "/drivers/" in link else None,
                            devices=tuple(devices)))
    return tuple(sorted(buses, key=lambda b: b.bus))
