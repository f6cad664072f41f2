"""USB root hubs (one per controller and speed) and what enumerated below them."""

from __future__ import annotations

import os

from deuxvie.host import Host
from deuxvie.model.functions import UsbBus, UsbPort

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
                devices.append(_device_line(host, dev))
        try:
            speed_mbps = float(speed) if speed else None
        except ValueError:
            speed_mbps = None
        buses.append(UsbBus(bus=bus, ports=_int(host.read_text_or(f"{base}/maxchild")),
                            speed_mbps=speed_mbps,
                            driver=os.path.basename(link) if "/drivers/" in link else None,
                            devices=tuple(devices)))
    return tuple(sorted(buses, key=lambda b: b.bus))


def _device_line(host: Host, dev: str) -> str:
    d = f"{USB}/{dev}"
    ids = f"{host.read_text_or(f'{d}/idVendor', '?')}:{host.read_text_or(f'{d}/idProduct', '?')}"
    return f"{dev}: {ids} {host.read_text_or(f'{d}/product', '') or ''}".strip()


def usb_device_names(host: Host) -> set[str]:
    """The USB devices enumerated now ("1-3", "1-3.2"; no root hub, no interface)."""
    if not host.exists(USB):
        return set()
    return {e for e in host.listdir(USB) if "-" in e and ":" not in e}


def root_port(device: str) -> str:
    """The root-hub port a device hangs from: "1-3.2" (behind a hub on port 3) -> "1-3"."""
    return device.split(".", 1)[0]


def probe_usb_ports(host: Host) -> tuple[UsbPort, ...]:
    """Every root-hub port with its ACPI connect type and its peer (drivers/usb/core/port.c:
    usbN-portP under the hub interface N-0:1.0; `peer` links a USB 2 port to the
    SuperSpeed port of the same connector, from ACPI _PLD or, without it, the same port
    number on the xHCI's other root hub)."""
    if not host.exists(USB):
        return ()
    present = usb_device_names(host)
    ports: list[UsbPort] = []
    for entry in host.listdir(USB):
        if not entry.startswith("usb") or not entry[3:].isdigit():
            continue
        bus = entry[3:]
        for p in range(1, (_int(host.read_text_or(f"{USB}/{entry}/maxchild")) or 0) + 1):
            pdir = f"{USB}/{bus}-0:1.0/usb{bus}-port{p}"
            peer = None
            if host.exists(f"{pdir}/peer"):
                target = os.path.basename(host.realpath(f"{pdir}/peer"))  # usb2-port3
                head, _, num = target.partition("-port")
                if head.startswith("usb") and num.isdigit():
                    peer = f"{head[3:]}-{num}"
            name = f"{bus}-{p}"
            below = sorted(d for d in present if root_port(d) == name)
            ports.append(UsbPort(name=name, connect_type=host.read_text_or(f"{pdir}/connect_type"),
                                 peer=peer, device=_device_line(host, below[0]) if below else None))
    return tuple(sorted(ports, key=lambda q: tuple(int(x) for x in q.name.split("-"))))
