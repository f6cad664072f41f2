"""`deuxvie inventory --json` inside the virtual donated PC describes it as QEMU built it."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from deuxvie.devtools.vm import GuestBoot, run_guest
from deuxvie.wire.glpi import glpi_inventory
from exports.glpi_check import assert_carries_inventory, glpi_schema_errors

from .machines import SMBIOS, reference_pc

pytestmark = [
    pytest.mark.qemu,
    pytest.mark.root,
    pytest.mark.skipif(
        importlib.util.find_spec("deuxvie.commands.inventory") is None,
        reason="`deuxvie inventory` is not on this branch yet",
    ),
]


def _ok(outcome: dict[str, Any]) -> Any:
    assert outcome["status"] == "ok", outcome
    return outcome["value"]


def test_inventory_of_the_reference_pc(guest_boot: GuestBoot, vm_dir: Path) -> None:
    pc = reference_pc(vm_dir)

    run = run_guest(pc.machine, guest_boot, vm_dir, "inventory", timeout_s=600)

    assert run.exit_code == 0, run.console[-3000:]
    inv = json.loads(run.results)
    system = _ok(inv["system"])
    assert system["vendor"] == SMBIOS.manufacturer
    assert system["product"] == SMBIOS.product
    assert system["version"] == SMBIOS.version
    assert system["serial"] == SMBIOS.serial
    assert system["uuid"].lower() == SMBIOS.uuid

    # QEMU's VGA EDID: maker RHT, "QEMU Monitor", the resolution the rig asked for
    screens = _ok(inv["screens"])
    edids = [s["edid"] for s in screens if s["edid"]]
    assert len(edids) == 1, screens
    assert edids[0]["manufacturer"] == "RHT"
    assert edids[0]["preferred"]["width"] == 1920
    assert edids[0]["preferred"]["height"] == 1080

    disks = {d["serial"]: d for d in _ok(inv["disks"])}
    assert {"DVNVME0001", "DVSATA0001", "DVSATA0BAD", "DVVIRTIO01", "DVUSBSTICK"} <= set(disks)
    assert all(disks[s]["size_bytes"] == 64 * 1024 * 1024 for s in disks if s.startswith("DV"))
    assert disks["DVNVME0001"]["kind"] == "nvme"
    assert disks["DVSATA0001"]["transport"] == "sata"
    assert disks["DVSATA0001"]["model"] == "DEUXVIE GOOD SATA"
    assert disks["DVUSBSTICK"]["kind"] == "usb"
    assert disks["DVUSBSTICK"]["is_boot_medium"] is True
    assert not any(disks[s]["is_boot_medium"] for s in disks if s != "DVUSBSTICK")
    assert disks["DVVIRTIO01"]["kind"] == "virtual"  # lsblk reports no transport for virtio
    # smartctl really ran on the emulated NVMe and SATA disks; virtio has no SMART at all
    assert disks["DVNVME0001"]["smart"]["status"] == "ok"
    assert disks["DVSATA0001"]["smart"]["status"] == "ok"
    assert disks["DVVIRTIO01"]["smart"]["status"] != "ok"

    # the same inventory as GLPI native inventory (issue 18): valid, with every serial
    glpi = glpi_inventory({"inventory": inv})
    assert glpi_schema_errors(glpi) == []
    assert_carries_inventory(glpi, inv)
    assert glpi["content"]["bios"]["ssn"] == SMBIOS.serial
    assert {s["serial"] for s in glpi["content"]["storages"]} >= {
        "DVNVME0001", "DVSATA0001", "DVSATA0BAD", "DVVIRTIO01"}
    assert glpi["content"]["monitors"][0]["manufacturer"] == "RHT"
