"""A deuxvie report (or a bare inventory) as a GLPI native inventory document.

GLPI's agent protocol (glpi-project/inventory_format, inventory.schema.json, draft-07; the
copy we validate against is tests/data/glpi/inventory.schema.json) is what GLPI's
`/front/inventory.php` endpoint accepts. The mapping works on the report's *JSON*
(`inventory` as `deuxvie.model.jsonable` writes it, `erasure`, `grade`, `uuid`), not on the
agent's dataclasses, so the coordination service can serve the same document from a stored
report without the agent's hardware code (ADR 0041, ADR 0080). Standard library only.

The schema has no free-text field for an erasure certificate: `content.hardware` is closed
(`additionalProperties: false`, no `comments` key in the 2025 schema), so the erasure outcome,
the grade and the certificate URL go to `content.hardware.description`, a free string that
GLPI keeps with the computer. Units follow the schema's titles: MB = 10^6 bytes for disks (the
GLPI agent's own convention), MiB for memory, mWh for batteries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from deuxvie.wire.identity import device_identity_hash

#: content.versionclient: GLPI shows it as the agent's name/version.
CLIENT_NAME = "deuxvie"

# storages[].interface is a closed pattern in the schema: ^(SCSI|HDC|IDE|USB|1394|SATA|SAS|ATAPI)$
# NVMe, virtio and MMC have no value there; they keep their bus in `description`.
_INTERFACE = {"sata": "SATA", "ata": "SATA", "usb": "USB", "sas": "SAS", "scsi": "SCSI"}
_DESCRIPTION = {"nvme": "NVMe", "virtio": "virtio", "mmc": "MMC"}
_CPU_MAKER = {"GenuineIntel": "Intel", "AuthenticAMD": "AMD", "HygonGenuine": "Hygon"}
_DMI_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")  # SMBIOS 2.3+: mm/dd/yyyy (DSP0134 7.1)
_VERDICT_TEXT = {
    "PASS": ("APTE", "PASS"),
    "PASS_WITH_WARNINGS": ("APTE AVEC RÉSERVES", "PASS WITH WARNINGS"),
    "FAIL": ("INAPTE", "FAIL"),
}


def _ok(outcome: Any) -> Any:
    """The value of a `{"status": "ok", "value": ...}` probe outcome, else None."""
    if isinstance(outcome, Mapping) and outcome.get("status") == "ok":
        return outcome.get("value")
    return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _put(doc: dict[str, Any], key: str, value: Any) -> None:
    """The schema types every field (string or integer): absent beats null or ""."""
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return
    if value is None:
        return
    doc[key] = value


def _mb(size_bytes: Any) -> int | None:
    return int(size_bytes) // 1_000_000 if isinstance(size_bytes, int) else None


def _mib(size_bytes: Any) -> int | None:
    return int(size_bytes) // (1024 * 1024) if isinstance(size_bytes, int) else None


def _iso_date(dmi_date: Any) -> str | None:
    """dmidecode's BIOS date (mm/dd/yyyy) as the schema's YYYY-MM-DD; anything else: None."""
    m = _DMI_DATE.match(str(dmi_date or "").strip())
    return f"{m.group(3)}-{m.group(1)}-{m.group(2)}" if m else None


def device_id(report: Mapping[str, Any]) -> str:
    """`deviceid`: GLPI keys its agent record on it. One per machine (not per run), so a
    machine seen twice updates one GLPI agent entry: the report's device identity hash."""
    identity = (report.get("device") or {}).get("identity_hash")
    if not identity:
        inv = report.get("inventory") or {}
        system = _ok(inv.get("system")) or {}
        nics = _ok(inv.get("network")) or []
        identity = device_identity_hash(
            system.get("vendor"), system.get("product"), system.get("serial"),
            system.get("chassis_type"), [str(n.get("mac", "")).lower() for n in nics],
        )
    return f"deuxvie-{str(identity)[:16]}"


def _bios(system: Mapping[str, Any], firmware: Mapping[str, Any] | None) -> dict[str, Any]:
    bios: dict[str, Any] = {}
    _put(bios, "smanufacturer", system.get("vendor"))
    _put(bios, "smodel", system.get("product"))
    _put(bios, "ssn", system.get("serial"))
    _put(bios, "skunumber", system.get("sku"))
    _put(bios, "assettag", system.get("asset_tag"))
    _put(bios, "bmanufacturer", system.get("bios_vendor"))
    _put(bios, "bversion", system.get("bios_version"))
    _put(bios, "bdate", _iso_date(system.get("bios_date")))
    if firmware:
        secure = firmware.get("secure_boot")
        if firmware.get("boot_mode") == "legacy":
            bios["secure_boot"] = "unsupported"
        elif secure is not None:
            bios["secure_boot"] = "enabled" if secure else "disabled"
    return bios


def _cpus(cpu: Mapping[str, Any]) -> list[dict[str, Any]]:
    sockets = cpu.get("sockets") or 1
    cores, threads = cpu.get("cores"), cpu.get("threads")
    entry: dict[str, Any] = {}
    _put(entry, "name", cpu.get("model_name"))
    vendor = _text(cpu.get("vendor"))
    _put(entry, "manufacturer", _CPU_MAKER.get(vendor or "", vendor))
    if isinstance(cores, int) and cores > 0:
        entry["core"] = entry["corecount"] = max(1, cores // sockets)
        if isinstance(threads, int) and threads > 0:
            entry["thread"] = max(1, threads // cores)  # threads per core (schema title)
    if isinstance(cpu.get("max_mhz"), int | float):
        entry["speed"] = int(cpu["max_mhz"])
    flags = cpu.get("flags") or []
    if flags:
        entry["arch"] = "x86_64" if "lm" in flags else "i386"
    return [dict(entry) for _ in range(int(sockets))] if entry else []


def _memories(memory: Mapping[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for slot, module in enumerate(memory.get("modules") or [], start=1):
        entry: dict[str, Any] = {"numslots": slot}
        _put(entry, "capacity", _mib(module.get("size_bytes")))
        _put(entry, "caption", module.get("locator"))
        _put(entry, "description", module.get("form_factor"))
        _put(entry, "type", module.get("type"))
        _put(entry, "manufacturer", module.get("manufacturer"))
        _put(entry, "model", module.get("part_number"))
        _put(entry, "serialnumber", module.get("serial"))
        speed = module.get("configured_speed_mts") or module.get("speed_mts")
        if speed:
            entry["speed"] = f"{speed} MT/s"
        out.append(entry)
    return out


def _storages(disks: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for disk in disks:
        if disk.get("is_boot_medium") or disk.get("kind") == "loop":
            continue  # the stick (or a loop file) is not part of the donated machine
        entry: dict[str, Any] = {"type": "disk"}
        _put(entry, "name", disk.get("name"))
        _put(entry, "model", disk.get("model"))
        _put(entry, "serial", disk.get("serial"))
        _put(entry, "firmware", disk.get("firmware"))
        _put(entry, "wwn", disk.get("wwn"))
        _put(entry, "disksize", _mb(disk.get("size_bytes")))
        bus = str(disk.get("transport") or disk.get("kind") or "").lower()
        _put(entry, "interface", _INTERFACE.get(bus))
        _put(entry, "description", _DESCRIPTION.get(bus, _INTERFACE.get(bus)))
        out.append(entry)
    return out


def _monitors(screens: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for screen in screens:
        edid = screen.get("edid")
        if not edid:
            continue  # a connector without a readable EDID says nothing about a monitor
        entry: dict[str, Any] = {}
        maker = _text(edid.get("manufacturer"))
        code = edid.get("product_code")
        _put(entry, "manufacturer", maker)
        _put(entry, "name", edid.get("name"))
        caption = " ".join(
            p for p in (_text(edid.get("name")), maker,
                        f"{code:04X}" if isinstance(code, int) else None) if p
        )
        _put(entry, "caption", caption)
        serial = _text(edid.get("serial_text"))
        if serial is None and edid.get("serial_number"):
            serial = str(edid["serial_number"])
        _put(entry, "serial", serial)
        if edid.get("week") and edid.get("year"):
            entry["description"] = f"{edid['week']}/{edid['year']}"  # the agent's week/year
        _put(entry, "type", "internal" if screen.get("internal") else "external")
        out.append(entry)
    return out


def _batteries(batteries: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for bat in batteries:
        entry: dict[str, Any] = {}
        _put(entry, "name", bat.get("model") or bat.get("name"))
        _put(entry, "manufacturer", bat.get("manufacturer"))
        _put(entry, "serial", bat.get("serial"))
        _put(entry, "chemistry", bat.get("technology"))
        if isinstance(bat.get("design_wh"), int | float):
            entry["capacity"] = round(bat["design_wh"] * 1000)
        if isinstance(bat.get("full_wh"), int | float):
            entry["real_capacity"] = round(bat["full_wh"] * 1000)
        out.append(entry)
    return out


def _networks(nics: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for nic in nics:
        entry: dict[str, Any] = {"virtualdev": False}
        _put(entry, "description", nic.get("name"))
        _put(entry, "mac", str(nic.get("mac") or "").lower())
        _put(entry, "driver", nic.get("driver"))
        kind = nic.get("kind")
        _put(entry, "type", {"ethernet": "ethernet", "wireless": "wifi"}.get(str(kind)))
        if "description" in entry:
            out.append(entry)
    return out


def _videos(gpus: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for gpu in gpus:
        entry: dict[str, Any] = {}
        _put(entry, "name", gpu.get("description"))
        _put(entry, "chipset", gpu.get("device"))
        _put(entry, "pcislot", gpu.get("slot"))
        if entry:
            out.append(entry)
    return out


def erasure_summary(
    erasure: Sequence[Mapping[str, Any]], grade: Mapping[str, Any] | None,
    certificate_url: str | None,
) -> str:
    """The free-text line GLPI keeps in hardware.description (French first, then English)."""
    parts: list[str] = []
    if grade and grade.get("verdict"):
        fr, en = _VERDICT_TEXT.get(str(grade["verdict"]), (grade["verdict"],) * 2)
        parts.append(f"deuxvie : note / grade {fr} / {en}")
    if erasure:
        disks = []
        for rec in erasure:
            media = rec.get("media") or {}
            who = media.get("serial") or media.get("model") or media.get("path") or "?"
            disks.append(f"{who} {rec.get('status')} ({rec.get('technique')}, "
                         f"{rec.get('category')}, verification {rec.get('verification')})")
        erased = sum(1 for rec in erasure if rec.get("status") == "ERASED")
        parts.append(f"effacement / erasure {erased}/{len(erasure)}: " + "; ".join(disks))
    else:
        parts.append("effacement / erasure: aucun / none")
    if certificate_url:
        parts.append(f"certificat / certificate {certificate_url}")
    return " | ".join(parts)


def glpi_inventory(
    report: Mapping[str, Any], *, certificate_url: str | None = None, version: str = "0"
) -> dict[str, Any]:
    """The GLPI native inventory (action "inventory", itemtype "Computer") of a report.

    `report` is a report payload (deuxvie.report.build) or at least `{"inventory": ...}`;
    absent sections (no DMI on a VM, no battery) are left out, as the GLPI agent does.
    """
    inv = report.get("inventory") or {}
    system = _ok(inv.get("system")) or {}
    firmware = _ok(inv.get("firmware"))
    memory = _ok(inv.get("memory")) or {}
    content: dict[str, Any] = {"versionclient": f"{CLIENT_NAME}_v{version}"}

    hardware: dict[str, Any] = {}
    name = report.get("asset_id") or system.get("serial") or device_id(report)
    _put(hardware, "name", name)
    _put(hardware, "uuid", system.get("uuid"))
    _put(hardware, "chassis_type", system.get("chassis_type"))
    _put(hardware, "memory", _mib(memory.get("total_bytes")))
    hardware["description"] = erasure_summary(
        report.get("erasure") or [], report.get("grade"), certificate_url
    )
    content["hardware"] = hardware

    bios = _bios(system, firmware)
    if bios:
        content["bios"] = bios
    sections = {
        "cpus": _cpus(_ok(inv.get("cpu")) or {}),
        "memories": _memories(memory),
        "storages": _storages(_ok(inv.get("disks")) or []),
        "monitors": _monitors(_ok(inv.get("screens")) or []),
        "batteries": _batteries(_ok(inv.get("batteries")) or []),
        "networks": _networks(_ok(inv.get("network")) or []),
        "videos": _videos(_ok(inv.get("gpus")) or []),
    }
    content.update({k: v for k, v in sections.items() if v})
    return {
        "action": "inventory",
        "deviceid": device_id(report),
        "itemtype": "Computer",
        "content": content,
    }
