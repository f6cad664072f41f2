"""Validation against GLPI's published schema (tests/data/glpi/inventory.schema.json) and the
facts a GLPI document must carry from an inventory, shared by the export tests and the QEMU
inventory test."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "data" / "glpi" / "inventory.schema.json"


def glpi_schema_errors(document: dict[str, Any]) -> list[str]:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(document)]


def _ok(outcome: dict[str, Any]) -> Any:
    return outcome["value"] if outcome["status"] == "ok" else None


def assert_carries_inventory(document: dict[str, Any], inventory: dict[str, Any]) -> None:
    """Serials, RAM modules, disks and monitors of `inventory` (jsonable form) are in the
    GLPI document, field by field."""
    content = document["content"]
    system = _ok(inventory["system"])
    if system:
        bios = content["bios"]
        assert bios["smanufacturer"] == system["vendor"]
        assert bios["smodel"] == system["product"]
        assert bios.get("ssn") == system["serial"]
        assert content["hardware"].get("uuid") == system["uuid"]
    else:
        assert "bios" not in content or "ssn" not in content["bios"]

    memory = _ok(inventory["memory"])
    modules = memory["modules"] if memory else []
    got = content.get("memories", [])
    assert [(m.get("caption"), m.get("capacity"), m.get("model"), m.get("serialnumber"))
            for m in got] == [
        (m["locator"], m["size_bytes"] // 2**20, m["part_number"], m["serial"]) for m in modules
    ]
    if memory and memory["total_bytes"]:
        assert content["hardware"]["memory"] == memory["total_bytes"] // 2**20

    disks = [d for d in _ok(inventory["disks"]) or [] if not d["is_boot_medium"]]
    storages = content.get("storages", [])
    assert [(s.get("serial"), s.get("model"), s["disksize"]) for s in storages] == [
        (d["serial"], d["model"], d["size_bytes"] // 10**6) for d in disks
    ]

    screens = [s for s in _ok(inventory["screens"]) or [] if s["edid"]]
    monitors = content.get("monitors", [])
    assert [(m["manufacturer"], m.get("serial")) for m in monitors] == [
        (s["edid"]["manufacturer"],
         s["edid"]["serial_text"] or (str(s["edid"]["serial_number"])
                                      if s["edid"]["serial_number"] else None))
        for s in screens
    ]

    batteries = _ok(inventory["batteries"]) or []
    assert [b.get("serial") for b in content.get("batteries", [])] == [
        b["serial"] for b in batteries
    ]
    nics = _ok(inventory["network"]) or []
    assert [n["mac"] for n in content.get("networks", [])] == [n["mac"].lower() for n in nics]
