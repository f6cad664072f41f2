"""Media identity and firmware capabilities of a disk about to be wiped, via the Host."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from deuxvie.host.base import Host, HostError
from deuxvie.model.erasure import MediaIdentity
from deuxvie.parsers.errors import ParseError
from deuxvie.probes.usage import DeviceUsage
from deuxvie.wipe import firmware_ata, firmware_nvme, hpa
from deuxvie.wipe.firmware_ata import AtaSecurity
from deuxvie.wipe.firmware_nvme import NvmeCaps
from deuxvie.wipe.hpa import HpaState


@dataclass(frozen=True)
class Capabilities:
    nvme: NvmeCaps | None = None
    ata: AtaSecurity | None = None
    hpa: HpaState | None = None
    dco_real_max_sectors: int | None = None
    notes: tuple[str, ...] = ()  # what could not be probed, and why


def _bus_and_kind(host: Host, name: str) -> tuple[str | None, str]:
    syspath = host.realpath(f"/sys/block/{name}")
    rotational = host.read_text_or(f"/sys/block/{name}/queue/rotational", "0") == "1"
    if name.startswith("loop"):
        return "virtual", "loop"
    if name.startswith("nvme"):
        return "nvme", "nvme"
    if "/usb" in syspath:
        return "usb", "usb"
    if name.startswith("mmcblk"):
        return "mmc", "mmc"
    if "/virtio" in syspath or name.startswith("vd"):
        return "virtio", "virtual"
    if "/ata" in syspath:
        return "sata", "hdd" if rotational else "sata_ssd"
    if name.startswith("dm-") or "/virtual/" in syspath:
        return "virtual", "virtual"
    if name.startswith("sd"):
        return "scsi", "hdd" if rotational else "unknown"
    return None, "unknown"


def probe_media(host: Host, usage: DeviceUsage) -> MediaIdentity:
    name = usage.name
    bus, kind = _bus_and_kind(host, name)
    sectors = int(host.read_text_or(f"/sys/block/{name}/size", "0") or 0)
    logical = int(host.read_text_or(f"/sys/block/{name}/queue/logical_block_size", "512") or 512)
    physical = int(host.read_text_or(f"/sys/block/{name}/queue/physical_block_size",
                                     str(logical)) or logical)
    dev = f"/sys/block/{name}/device"
    firmware = host.read_text_or(f"{dev}/firmware_rev") or host.read_text_or(f"{dev}/rev")
    vendor = host.read_text_or(f"{dev}/vendor")
    serial = usage.serial
    if kind == "loop":
        # A loop device has no serial: its backing file is what identifies it.
        backing = host.read_text_or(f"/sys/block/{name}/loop/backing_file")
        serial = serial or (f"loop:{backing}" if backing else None)
    return MediaIdentity(
        path=usage.path, by_id=usage.by_id, vendor=vendor or None, model=usage.model,
        serial=serial, wwn=usage.wwn, firmware=firmware or None, bus=bus, kind=kind,
        logical_sector_bytes=logical, physical_sector_bytes=physical,
        # sysfs "size" is always in 512-byte units, whatever the logical sector size.
        apparent_size_bytes=sectors * 512, native_size_bytes=None, hpa=None, dco=None,
    )


def identity_key(media: MediaIdentity) -> str:
    """Stable key of a disk for the journal: WWN, else by-id, else serial, else path."""
    for prefix, value in (("wwn", media.wwn), ("by-id", media.by_id),
                          ("serial", media.serial)):
        if value:
            return f"{prefix}:{value}"
    return f"path:{media.path}"


def _nvme_paths(host: Host, name: str) -> tuple[str, str, int]:
    m = re.match(r"(nvme\d+)n(\d+)$", name)
    if not m:
        raise ValueError(f"{name}: not an NVMe namespace")
    nsid = int(host.read_text_or(f"/sys/block/{name}/nsid", m.group(2)) or m.group(2))
    return f"/dev/{m.group(1)}", f"/dev/{name}", nsid


def probe_capabilities(host: Host, media: MediaIdentity) -> Capabilities:
    """What the firmware offers. Every failure becomes a note: the plan then falls back
    to an overwrite, which needs nothing from the firmware."""
    name = os.path.basename(media.path)
    notes: list[str] = []
    if media.kind == "nvme":
        try:
            ctrl, ns, nsid = _nvme_paths(host, name)
            r = host.run(firmware_nvme.id_ctrl_argv(ctrl), timeout_s=30)
            fna, sanicap, ident = firmware_nvme.parse_id_ctrl(r.text)
            r2 = host.run(firmware_nvme.id_ns_argv(ns), timeout_s=30)
            lbaf = firmware_nvme.parse_id_ns(r2.text)
            return Capabilities(nvme=NvmeCaps(ctrl, ns, nsid, fna, sanicap, lbaf,
                                              ident.get("mn") or None, ident.get("fr") or None,
                                              ident.get("sn") or None))
        except (HostError, ParseError, ValueError) as exc:
            return Capabilities(notes=(f"nvme identify failed: {exc}",))
    if media.bus != "sata":
        return Capabilities()
    ata = hpa_state = dco = None
    try:
        r = host.run(firmware_ata.identify_argv(media.path), timeout_s=30)
        ata = firmware_ata.parse_identify(r.text)
    except (HostError, ParseError) as exc:
        notes.append(f"hdparm -I failed: {exc}")
    try:
        r = host.run(hpa.hpa_argv(media.path), timeout_s=30)
        hpa_state = hpa.parse_hdparm_n(r.text)
    except (HostError, ParseError) as exc:
        notes.append(f"hdparm -N failed: {exc}")
    try:
        r = host.run(hpa.dco_argv(media.path), timeout_s=30)
        dco = hpa.parse_dco_real_max(r.text)
    except (HostError, ParseError) as exc:
        notes.append(f"hdparm --dco-identify failed: {exc}")
    return Capabilities(ata=ata, hpa=hpa_state, dco_real_max_sectors=dco, notes=tuple(notes))
