"""lspci output -> PCI devices, and the GPUs / network controllers among them.

Two formats:
- machine-readable ``lspci -vmm -nn[k]`` (what the agent runs): "Tag:<TAB>value" records;
- human ``lspci [-nn] [-v[v]] [-k]`` (what workshop snapshots such as eReuse keep):
  "00:02.0 VGA compatible controller: Intel Corporation HD Graphics 620 (rev 06)".
  Without -nn the line does not say where the vendor name ends; we cut after a company
  suffix ("Corporation", "Inc.", "Co., Ltd."...) and otherwise leave vendor None.
"""

from __future__ import annotations

import re

from deuxvie.model.inventory import Gpu
from deuxvie.model.pci import PciDevice
from deuxvie.parsers.errors import ParseError
from deuxvie.parsers.numbers import decode_text

__all__ = ["gpus", "network_controllers", "parse_gpus", "parse_lspci"]

# PCI class codes (PCI Code and ID Assignment spec, base class 03 display, 02 network).
_GPU_CLASSES = ("VGA compatible controller", "3D controller", "Display controller")
_NET_CLASSES = ("Ethernet controller", "Network controller")

_SLOT = r"(?:[0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]"
_HUMAN = re.compile(rf"^({_SLOT}) ([^:\[]+?)(?: \[([0-9a-f]{{4}})\])?: (.*)$")
_IDS = re.compile(r" \[([0-9a-f]{4}):([0-9a-f]{4})\]")
_REV = re.compile(r" \(rev ([0-9a-f]{2})\)")
_PROGIF = re.compile(r" \(prog-if [^)]*(?:\)[^)]*)?\)")
_VENDOR_END = re.compile(
    r"^(.*?(?:Corporation|Corp\.|Incorporated|Inc\.(?: and subsidiaries)?(?: \[AMD(?:/ATI)?\])?"
    r"|Co\., Ltd\.|Ltd\.|Limited|GmbH|AG|S\.A\.))"
    r" (.+)$"
)
_TAGGED_ID = re.compile(r"^(.*?) \[([0-9a-fA-F]{4})\]$")


def parse_lspci(text: str | bytes) -> tuple[PciDevice, ...]:
    """Every PCI function in the output; ParseError when none is recognised."""
    body = decode_text(text)
    devices = _vmm(body) if re.search(r"^Slot:\t", body, re.MULTILINE) else _human(body)
    if not devices:
        raise ParseError("no PCI device line ('00:02.0 Class: ...' or 'Slot:') in lspci output")
    return tuple(devices)


def parse_gpus(text: str | bytes) -> tuple[Gpu, ...]:
    """The display controllers of an lspci output (probes/gpu.py runs ``lspci -vmm -nn``)."""
    return gpus(parse_lspci(text))


def gpus(devices: tuple[PciDevice, ...]) -> tuple[Gpu, ...]:
    return tuple(
        Gpu(slot=d.slot, vendor=d.vendor, device=d.device, description=d.description)
        for d in devices
        if d.class_name in _GPU_CLASSES or (d.class_id or "").startswith("03")
    )


def network_controllers(devices: tuple[PciDevice, ...]) -> tuple[PciDevice, ...]:
    return tuple(
        d
        for d in devices
        if d.class_name in _NET_CLASSES or (d.class_id or "").startswith("02")
    )


def _split_id(value: str | None) -> tuple[str | None, str | None]:
    if value is None:
        return None, None
    m = _TAGGED_ID.match(value.strip())
    return (m[1], m[2].lower()) if m else (value.strip() or None, None)


def _vmm(body: str) -> list[PciDevice]:
    out: list[PciDevice] = []
    for block in re.split(r"\n\s*\n", body):
        tags: dict[str, str] = {}
        for line in block.split("\n"):
            key, sep, value = line.partition(":\t")
            if sep:
                tags.setdefault(key.strip(), value.strip())
        if "Slot" not in tags or "Class" not in tags:
            continue
        class_name, class_id = _split_id(tags["Class"])
        vendor, vendor_id = _split_id(tags.get("Vendor"))
        device, device_id = _split_id(tags.get("Device"))
        out.append(
            PciDevice(
                slot=tags["Slot"],
                class_name=class_name or "",
                class_id=class_id,
                vendor=vendor,
                device=device,
                vendor_id=vendor_id,
                device_id=device_id,
                revision=tags.get("Rev"),
                driver=tags.get("Driver"),
                description=" ".join(p for p in (vendor, device) if p),
            )
        )
    return out


def _human(body: str) -> list[PciDevice]:
    out: list[PciDevice] = []
    current: dict[str, str | None] | None = None
    rows: list[dict[str, str | None]] = []
    for line in body.split("\n"):
        m = _HUMAN.match(line)
        if m:
            rest = m[4]
            ids = _IDS.search(rest)
            rev = _REV.search(rest)
            desc = _PROGIF.sub("", _REV.sub("", _IDS.sub("", rest))).strip()
            current = {
                "slot": m[1], "class_name": m[2].strip(), "class_id": m[3],
                "vendor_id": ids[1] if ids else None, "device_id": ids[2] if ids else None,
                "revision": rev[1] if rev else None, "description": desc, "driver": None,
            }
            rows.append(current)
        elif current is not None and line.strip().startswith("Kernel driver in use:"):
            current["driver"] = line.split(":", 1)[1].strip()
    for r in rows:
        desc = r["description"] or ""
        vm = _VENDOR_END.match(desc)
        out.append(
            PciDevice(
                slot=r["slot"] or "",
                class_name=r["class_name"] or "",
                class_id=r["class_id"],
                vendor=vm[1] if vm else None,
                device=vm[2] if vm else None,
                vendor_id=r["vendor_id"],
                device_id=r["device_id"],
                revision=r["revision"],
                driver=r["driver"],
                description=desc,
            )
        )
    return out
