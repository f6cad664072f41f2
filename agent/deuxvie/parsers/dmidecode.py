"""`dmidecode` text output -> DmiInfo (SMBIOS types 0, 1, 3, 16, 17, 22).

dmidecode prints one record per structure:

    Handle 0x0014, DMI type 17, 34 bytes
    Memory Device
    <TAB>Size: 8192 MB
    <TAB><TAB>(list items, ignored)

Vendors fill unused strings with placeholders ("To Be Filled By O.E.M.", "Not Specified",
"SerNum0"...) and collectors mask serials ("--" linuxhw, "..."); all of those become None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from deuxvie.model.dmi import (
    DmiBattery,
    DmiBios,
    DmiChassis,
    DmiInfo,
    DmiSystem,
    MemoryInfo,
    MemoryModule,
)
from deuxvie.parsers.errors import ParseError
from deuxvie.parsers.numbers import decode_text, leading_int

__all__ = ["parse_dmidecode"]

_HANDLE = re.compile(r"^Handle 0x([0-9A-Fa-f]+), DMI type (\d+), \d+ bytes")
_PLACEHOLDERS = {
    "", "not specified", "not provided", "not available", "not applicable", "n/a", "na",
    "none", "unknown", "other", "to be filled by o.e.m.", "to be filled by oem",
    "default string", "default_string", "[empty]", "empty", "no dimm", "not installed",
    "system manufacturer", "system product name", "system version", "system serial number",
    "chassis manufacture", "chassis manufacturer", "chassis serial number", "chassis version",
    "base board serial number", "o.e.m.", "oem", "invalid", "123456789", "0123456789",
    "1234567890", "9876543210", "xxxxxxxxxxxx", "<bad index>", "<out of spec>", "fill by oem",
    "system sku#", "sku", "type1sku0", "type2 - board serial number",
}
# Numbered SMBIOS template strings (AMI/Insyde BIOS kits) and masks.
_PLACEHOLDER_RE = re.compile(
    r"^(?:SerNum|PartNum|Manufacturer|AssetTagNum|ArrayBank|Module ?PartNumber ?|"
    r"DIMM ?Manufacturer|Dimm ?Serial ?Num)\d*$|^[0.\-*xX ]+$|^0x0+$",
    re.IGNORECASE,
)
_SIZE_UNITS = {"bytes": 1, "kb": 1 << 10, "mb": 1 << 20, "gb": 1 << 30, "tb": 1 << 40}


@dataclass
class _Record:
    handle: int
    type: int
    title: str = ""
    fields: dict[str, str] = field(default_factory=dict)


def clean(value: str | None) -> str | None:
    """None for placeholders and masks, else the stripped string."""
    if value is None:
        return None
    value = value.strip()
    if value.lower() in _PLACEHOLDERS or _PLACEHOLDER_RE.match(value):
        return None
    return value


def parse_dmidecode(text: str | bytes) -> DmiInfo:
    records = list(_records(decode_text(text)))
    if not records:
        first = next((s for s in decode_text(text).splitlines() if s.strip()), "")
        raise ParseError(f"no 'Handle 0x..., DMI type N' record in dmidecode output ({first!r})")
    return DmiInfo(
        system=_system(_first(records, 1)),
        chassis=_chassis(_first(records, 3)),
        bios=_bios(_first(records, 0)),
        memory=_memory(records),
        batteries=tuple(_battery(r) for r in records if r.type == 22),
    )


def _records(text: str) -> list[_Record]:
    out: list[_Record] = []
    current: _Record | None = None
    expect_title = False
    for line in text.split("\n"):
        m = _HANDLE.match(line)
        if m:
            current = _Record(handle=int(m[1], 16), type=int(m[2]))
            out.append(current)
            expect_title = True
            continue
        if current is None:
            continue
        if expect_title:
            current.title = line.strip()
            expect_title = False
            continue
        if line.startswith("\t") and not line.startswith("\t\t") and ":" in line:
            key, _, value = line[1:].partition(":")
            current.fields.setdefault(key.strip(), value.strip())
        elif not line.strip():
            current = None
    return out


def _first(records: list[_Record], dmi_type: int) -> dict[str, str]:
    return next((r.fields for r in records if r.type == dmi_type), {})


def _system(f: dict[str, str]) -> DmiSystem:
    uuid = clean(f.get("UUID"))
    if uuid is not None and not re.fullmatch(r"[0-9A-Fa-f-]{32,36}", uuid):
        uuid = None  # "Not Settable", "Not Present"
    if uuid is not None and set(uuid.replace("-", "").lower()) <= {"0"} | {"f"}:
        uuid = None  # all-0 / all-F UUIDs mean "not set" (SMBIOS 3.x 7.2.1)
    return DmiSystem(
        manufacturer=clean(f.get("Manufacturer")),
        product=clean(f.get("Product Name")),
        version=clean(f.get("Version")),
        serial=clean(f.get("Serial Number")),
        uuid=uuid.lower() if uuid else None,
        sku=clean(f.get("SKU Number")),
        family=clean(f.get("Family")),
    )


def _chassis(f: dict[str, str]) -> DmiChassis:
    return DmiChassis(
        manufacturer=clean(f.get("Manufacturer")),
        type=clean(f.get("Type")),
        serial=clean(f.get("Serial Number")),
        asset_tag=clean(f.get("Asset Tag")),
    )


def _bios(f: dict[str, str]) -> DmiBios:
    return DmiBios(
        vendor=clean(f.get("Vendor")),
        version=clean(f.get("Version")),
        date=clean(f.get("Release Date")),
    )


def size_bytes(text: str | None) -> int:
    """'8 GB' / '8192 MB' -> bytes; 0 for 'No Module Installed' and anything unreadable."""
    m = re.match(r"^\s*(\d+)\s*(bytes|[kKMGT]B)\b", text or "")
    return int(m[1]) * _SIZE_UNITS[m[2].lower()] if m else 0


def _speed(text: str | None) -> int | None:
    # "1600 MT/s" (dmidecode >= 3.0) or "1600 MHz" (older dmidecode, same number).
    if text is None or not re.match(r"^\s*\d+\s*(MT/s|MHz)", text):
        return None
    return leading_int(text)


def _memory(records: list[_Record]) -> MemoryInfo:
    # Type 17 devices of arrays that are not system RAM (flash, video memory) are not DIMMs.
    other_arrays = {
        r.handle
        for r in records
        if r.type == 16 and r.fields.get("Use", "System Memory") != "System Memory"
    }
    modules: list[MemoryModule] = []
    slots = empty = 0
    for r in records:
        if r.type != 17:
            continue
        array = re.fullmatch(r"0x([0-9A-Fa-f]+)", r.fields.get("Array Handle", ""))
        if array and int(array[1], 16) in other_arrays:
            continue
        f = r.fields
        slots += 1
        size = size_bytes(f.get("Size"))
        if size == 0:
            empty += 1
            continue
        configured = f.get("Configured Memory Speed", f.get("Configured Clock Speed"))
        modules.append(
            MemoryModule(
                locator=clean(f.get("Locator")),
                bank_locator=clean(f.get("Bank Locator")),
                size_bytes=size,
                type=clean(f.get("Type")),
                form_factor=clean(f.get("Form Factor")),
                speed_mts=_speed(f.get("Speed")),
                configured_speed_mts=_speed(configured),
                manufacturer=clean(f.get("Manufacturer")),
                part_number=_hex_ascii(clean(f.get("Part Number"))),
                serial=clean(f.get("Serial Number")),
            )
        )
    return MemoryInfo(
        total_bytes=sum(m.size_bytes for m in modules),
        slots=slots,
        empty_slots=empty,
        modules=tuple(modules),
    )


def _hex_ascii(value: str | None) -> str | None:
    """Apple firmware prints DIMM part numbers as hex ASCII ("0x4839...": "H9CCNNNBLTBLAR-NUD")."""
    if value is None or not re.fullmatch(r"0x(?:[0-9A-Fa-f]{2}){4,}", value):
        return value
    decoded = bytes.fromhex(value[2:]).decode("latin-1").strip(" \x00")
    return decoded if decoded.isprintable() and decoded else value


def _battery(r: _Record) -> DmiBattery:
    f = r.fields

    def milli(key: str, unit: str) -> int | None:
        m = re.match(rf"^\s*(\d+)\s*{unit}\b", f.get(key, ""))
        return int(m[1]) if m else None

    return DmiBattery(
        location=clean(f.get("Location")),
        manufacturer=clean(f.get("Manufacturer")),
        name=clean(f.get("Name")),
        # "Chemistry: Lithium Ion", or "SBDS Chemistry: LION" when Chemistry is "Unknown".
        chemistry=clean(f.get("Chemistry")) or clean(f.get("SBDS Chemistry")),
        design_capacity_mwh=milli("Design Capacity", "mWh"),
        design_voltage_mv=milli("Design Voltage", "mV"),
        serial=clean(f.get("Serial Number")) or clean(f.get("SBDS Serial Number")),
    )
