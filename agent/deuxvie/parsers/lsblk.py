"""`lsblk -J -b -o LSBLK_COLUMNS` -> block devices (pure)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from deuxvie.parsers.errors import ParseError

LSBLK_COLUMNS = (
    "NAME,KNAME,PATH,TYPE,SIZE,MODEL,VENDOR,SERIAL,WWN,REV,TRAN,ROTA,RM,RO,"
    "LOG-SEC,PHY-SEC,MOUNTPOINTS,PKNAME,HOTPLUG,SUBSYSTEMS,FSTYPE"
)


@dataclass(frozen=True)
class BlockDevice:
    name: str
    path: str
    type: str  # disk, part, loop, rom, lvm, crypt, raid1...
    size_bytes: int
    model: str | None
    vendor: str | None
    serial: str | None
    wwn: str | None
    revision: str | None
    transport: str | None
    rotational: bool | None
    removable: bool
    read_only: bool
    hotplug: bool
    logical_sector_bytes: int | None
    physical_sector_bytes: int | None
    subsystems: str | None
    fstype: str | None
    mountpoints: tuple[str, ...]
    children: tuple[BlockDevice, ...]

    def all_mountpoints(self) -> tuple[str, ...]:
        found = list(self.mountpoints)
        for child in self.children:
            found.extend(child.all_mountpoints())
        return tuple(found)


def _str(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _int(value: Any, field: str) -> int | None:
    # util-linux < 2.33 prints numbers as JSON strings; 2.38 as numbers.
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise ParseError(f"lsblk: {field} is not a number: {value!r}") from exc


def _bool(value: Any) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    return str(value).strip() in ("1", "true")


def _device(raw: Any) -> BlockDevice:
    if not isinstance(raw, dict):
        raise ParseError("lsblk: a block device entry is not an object")
    name = _str(raw.get("name"))
    if name is None:
        raise ParseError("lsblk: a block device has no name")
    mounts = raw.get("mountpoints")
    if mounts is None:
        single = raw.get("mountpoint")
        mounts = [single] if single else []
    if not isinstance(mounts, list):
        raise ParseError(f"lsblk: {name}: mountpoints is not a list")
    children_raw = raw.get("children") or []
    if not isinstance(children_raw, list):
        raise ParseError(f"lsblk: {name}: children is not a list")
    return BlockDevice(
        name=name,
        path=_str(raw.get("path")) or f"/dev/{name}",
        type=_str(raw.get("type")) or "unknown",
        size_bytes=_int(raw.get("size"), "size") or 0,
        model=_str(raw.get("model")),
        vendor=_str(raw.get("vendor")),
        serial=_str(raw.get("serial")),
        wwn=_str(raw.get("wwn")),
        revision=_str(raw.get("rev")),
        transport=_str(raw.get("tran")),
        rotational=_bool(raw.get("rota")),
        removable=bool(_bool(raw.get("rm"))),
        read_only=bool(_bool(raw.get("ro"))),
        hotplug=bool(_bool(raw.get("hotplug"))),
        logical_sector_bytes=_int(raw.get("log-sec"), "log-sec"),
        physical_sector_bytes=_int(raw.get("phy-sec"), "phy-sec"),
        subsystems=_str(raw.get("subsystems")),
        fstype=_str(raw.get("fstype")),
        mountpoints=tuple(m for m in mounts if isinstance(m, str) and m),
        children=tuple(_device(c) for c in children_raw),
    )


def parse_lsblk(data: bytes | str) -> tuple[BlockDevice, ...]:
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ParseError(f"lsblk: not JSON: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("blockdevices"), list):
        raise ParseError("lsblk: no 'blockdevices' list")
    return tuple(_device(d) for d in doc["blockdevices"])
