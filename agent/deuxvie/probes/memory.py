"""RAM: dmidecode type 17 modules, else the kernel's MemTotal."""

from __future__ import annotations

from deuxvie.host import Host
from deuxvie.model.common import Outcome
from deuxvie.model.dmi import DmiInfo
from deuxvie.model.inventory import MemorySummary
from deuxvie.parsers import ParseError
from deuxvie.parsers.cpuinfo import parse_meminfo_total


def probe_memory(host: Host, dmi: Outcome[DmiInfo]) -> Outcome[MemorySummary]:
    mem = dmi.value.memory if dmi.value else None
    if mem is not None and mem.modules:
        # Installed size, not what the kernel keeps after firmware/iGPU reservations.
        return Outcome.ok(
            MemorySummary(
                total_bytes=mem.total_bytes,
                source="dmidecode",
                slots=mem.slots,
                empty_slots=mem.empty_slots,
                modules=mem.modules,
            )
        )
    try:
        total = parse_meminfo_total(host.read_text("/proc/meminfo"))
    except (OSError, ParseError) as exc:
        return Outcome.failed(f"memory: {exc}")
    return Outcome.ok(
        MemorySummary(total_bytes=total, source="meminfo", slots=None, empty_slots=None, modules=())
    )
