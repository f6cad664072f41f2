"""/proc/cpuinfo (x86) -> CpuInfo (pure)."""

from __future__ import annotations

from deuxvie.model.inventory import CpuInfo
from deuxvie.parsers.errors import ParseError

# Flags a refurbisher cares about: 64-bit (lm), AES-NI, virtualisation (vmx/svm), and the
# instruction sets that decide whether current OSes and software run (Windows 11 needs
# SSE4.2 + POPCNT since 24H2; many apps need AVX2).
NOTABLE_FLAGS = (
    "lm", "pae", "nx", "sse4_2", "popcnt", "aes", "avx", "avx2", "avx512f",
    "vmx", "svm", "hypervisor", "sha_ni",
)  # fmt: skip


def _blocks(text: str) -> list[dict[str, str]]:
    blocks: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            if current:
                blocks.append(current)
                current = {}
            continue
        key, sep, value = line.partition(":")
        if sep:
            current[key.strip()] = value.strip()
    if current:
        blocks.append(current)
    return blocks


def parse_cpuinfo(text: str, max_khz: int | None = None) -> CpuInfo:
    """`max_khz` comes from cpufreq's cpuinfo_max_freq when the kernel exposes it."""
    procs = [b for b in _blocks(text) if "processor" in b]
    if not procs:
        raise ParseError("cpuinfo: no 'processor' entries")
    first = procs[0]
    sockets = {b.get("physical id", "0") for b in procs}
    cores = {(b.get("physical id", "0"), b.get("core id", b["processor"])) for b in procs}
    flags = set(first.get("flags", "").split())
    max_mhz: float | None = round(max_khz / 1000.0, 1) if max_khz else None
    if max_mhz is None and first.get("cpu MHz"):
        # Without cpufreq (VMs) the current clock is the best figure the kernel gives.
        try:
            max_mhz = round(float(first["cpu MHz"]), 1)
        except ValueError:
            max_mhz = None
    return CpuInfo(
        vendor=first.get("vendor_id"),
        model_name=" ".join(first.get("model name", "").split()) or None,
        sockets=len(sockets),
        cores=len(cores),
        threads=len(procs),
        max_mhz=max_mhz,
        flags=tuple(f for f in NOTABLE_FLAGS if f in flags),
    )


def parse_meminfo_total(text: str) -> int:
    """MemTotal from /proc/meminfo, in bytes."""
    for line in text.splitlines():
        if line.startswith("MemTotal:"):
            parts = line.split()
            try:
                return int(parts[1]) * 1024
            except (IndexError, ValueError) as exc:
                raise ParseError(f"meminfo: bad MemTotal line {line!r}") from exc
    raise ParseError("meminfo: no MemTotal line")
