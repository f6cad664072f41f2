"""Network interfaces with a hardware device behind them."""

from __future__ import annotations

import os

from deuxvie.host import Host
from deuxvie.model.common import Outcome
from deuxvie.model.inventory import NetworkInterface

NET = "/sys/class/net"


def probe_network(host: Host) -> Outcome[tuple[NetworkInterface, ...]]:
    try:
        names = host.listdir(NET)
    except OSError as exc:
        return Outcome.failed(f"{NET}: {exc}")
    found: list[NetworkInterface] = []
    for name in names:
        base = f"{NET}/{name}"
        # Only interfaces backed by a device (PCI/USB): not lo, bridges, tunnels, ifb.
        if not host.exists(f"{base}/device"):
            continue
        mac = host.read_text_or(f"{base}/address")
        if not mac or mac == "00:00:00:00:00:00":
            continue
        driver_link = host.realpath(f"{base}/device/driver")
        found.append(
            NetworkInterface(
                name=name,
                mac=mac.lower(),
                kind="wireless" if host.exists(f"{base}/wireless") else "ethernet",
                driver=os.path.basename(driver_link) if "/drivers/" in driver_link else None,
            )
        )
    if not found:
        return Outcome.absent("no network interface with a hardware device")
    return Outcome.ok(tuple(found))
