"""CPU from /proc/cpuinfo and cpufreq."""

from __future__ import annotations

from deuxvie.host import Host
from deuxvie.model.common import Outcome
from deuxvie.model.inventory import CpuInfo
from deuxvie.parsers import ParseError
from deuxvie.parsers.cpuinfo import parse_cpuinfo

MAX_FREQ = "/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq"


def probe_cpu(host: Host) -> Outcome[CpuInfo]:
    try:
        text = host.read_text("/proc/cpuinfo")
    except OSError as exc:
        return Outcome.failed(f"/proc/cpuinfo: {exc}")
    raw_khz = host.read_text_or(MAX_FREQ)
    max_khz = int(raw_khz) if raw_khz and raw_khz.isdigit() else None
    try:
        return Outcome.ok(parse_cpuinfo(text, max_khz))
    except ParseError as exc:
        return Outcome.failed(str(exc))
