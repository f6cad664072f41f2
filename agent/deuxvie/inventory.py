"""Collect the inventory of the machine behind a Host: probes -> parsers -> model."""

from __future__ import annotations

from deuxvie.host import Host
from deuxvie.model.inventory import Inventory
from deuxvie.probes.battery import probe_batteries
from deuxvie.probes.cpu import probe_cpu
from deuxvie.probes.disks import probe_disks
from deuxvie.probes.dmi import probe_dmidecode, probe_system
from deuxvie.probes.firmware import probe_firmware
from deuxvie.probes.functions import probe_functions
from deuxvie.probes.gpu import probe_gpus
from deuxvie.probes.memory import probe_memory
from deuxvie.probes.network import probe_network
from deuxvie.probes.screens import probe_screens


def collect(host: Host, *, include_loop: bool = False) -> Inventory:
    """Never raises for missing tools or hardware: each part carries its Outcome."""
    dmi = probe_dmidecode(host)
    notes: list[str] = []
    if dmi.reason:
        notes.append(dmi.reason)
    return Inventory(
        system=probe_system(host, dmi),
        firmware=probe_firmware(host),
        cpu=probe_cpu(host),
        memory=probe_memory(host, dmi),
        disks=probe_disks(host, include_loop=include_loop),
        screens=probe_screens(host),
        batteries=probe_batteries(host, dmi),
        network=probe_network(host),
        gpus=probe_gpus(host),
        functions=probe_functions(host),
        collected_at=host.now().isoformat(timespec="seconds"),
        notes=tuple(notes),
    )
