"""Whole-machine inventories replayed from bundles, compared with reviewed golden JSON.

Regenerate a golden file after a deliberate change with DEUXVIE_REGEN_GOLDEN=1, then review
the diff like code.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from deuxvie.cli import main
from deuxvie.host import LocalHost, ReplayHost
from deuxvie.inventory import collect
from deuxvie.model import ProbeStatus, jsonable
from deuxvie.model.inventory import DiskKind

BUNDLES = Path(__file__).resolve().parents[1] / "data" / "bundles"


def _golden(name: str, data: dict[str, Any]) -> dict[str, Any]:
    path = BUNDLES / f"{name}.golden.json"
    if os.environ.get("DEUXVIE_REGEN_GOLDEN") == "1":
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
    result: dict[str, Any] = json.loads(path.read_text())
    return result


def test_laptop_bundle_replays_to_golden() -> None:
    inv = collect(ReplayHost(BUNDLES / "laptop-t440"))
    data = jsonable(inv)
    assert data == _golden("laptop-t440", data)

    system = inv.system.value
    assert system is not None
    assert (system.vendor, system.product, system.version) == (
        "LENOVO",
        "20B7S2GS0W",
        "ThinkPad T440",
    )
    assert system.chassis_type == "Notebook"
    assert system.serial is None  # masked "--" in the capture: unknown, not "--"
    fw = inv.firmware.value
    assert fw is not None and fw.boot_mode == "uefi" and fw.secure_boot is True
    assert fw.tpm_version == "2.0"
    mem = inv.memory.value
    assert mem is not None and mem.total_bytes == 8 * 2**30 and mem.source == "dmidecode"
    assert [m.size_bytes for m in mem.modules] == [4 * 2**30, 4 * 2**30]

    disks = {d.name: d for d in inv.disks.value or ()}
    assert set(disks) == {"sda", "sdb", "nvme0n1"}  # the live system's loop0 is left out
    sda, nvme, usb = disks["sda"], disks["nvme0n1"], disks["sdb"]
    assert sda.kind is DiskKind.SATA_SSD and sda.serial == "S3YZNB0KB00864E"
    assert sda.by_id == "/dev/disk/by-id/ata-Samsung_SSD_860_EVO_500GB_S3YZNB0KB00864E"
    assert sda.smart.value is not None and sda.smart.value.smart_passed is True
    assert nvme.kind is DiskKind.NVME and nvme.serial == "BTNH93710FS91P0B"
    assert nvme.smart.value is not None and nvme.smart.value.nvme is not None
    assert usb.kind is DiskKind.USB and usb.is_boot_medium and usb.removable
    assert usb.smart.status is ProbeStatus.FAILED and "Unknown USB bridge" in (
        usb.smart.reason or ""
    )
    assert not sda.in_use and not nvme.in_use

    (screen,) = inv.screens.value or ()
    assert screen.connector == "card0-eDP-1" and screen.internal
    assert screen.edid is not None and screen.edid.manufacturer == "AUO"
    assert screen.edid.preferred is not None
    assert (screen.edid.preferred.width, screen.edid.preferred.height) == (1600, 900)

    (bat,) = inv.batteries.value or ()
    assert bat.health_pct == 82.5 and bat.cycle_count == 412 and bat.source == "sysfs"
    macs = {n.name: n.mac for n in inv.network.value or ()}
    assert macs == {"enp0s25": "68:f7:28:5e:0b:11", "wlp3s0": "5c:51:4f:9a:3c:27"}
    assert [g.slot for g in inv.gpus.value or ()] == ["00:02.0"]

    # Functions (issue #12), read by hand from the bundle's captures.
    fi = inv.functions.value
    assert fi is not None and fi.errors == ()
    assert [(k.name, k.bus, k.internal) for k in fi.keyboards] == [
        ("AT Translated Set 2 keyboard", "i8042", True)]
    assert [p.name for p in fi.pointing] == ["SynPS/2 Synaptics TouchPad", "TPPS/2 IBM TrackPoint"]
    assert fi.lid  # "Lid Switch", SW_LID
    # ThinkPad Extra Buttons, Power/Sleep Button, Video Bus: keys, but not keyboards.
    assert {d.name for d in fi.inputs if d.kind == "other"} >= {"ThinkPad Extra Buttons",
                                                                 "Power Button", "Video Bus"}
    pch = next(c for c in fi.sound_cards if c.id == "PCH")
    assert (pch.index, pch.playback, pch.capture) == (1, (0,), (0,))
    hdmi = next(c for c in fi.sound_cards if c.id == "HDMI")
    assert hdmi.playback == (3, 7, 8) and hdmi.capture == ()
    # video1 is the UVC metadata node (Device Caps: Metadata Capture): not a second camera.
    assert [(w.node, w.driver) for w in fi.webcams] == [("/dev/video0", "uvcvideo")]
    wifi = [r for r in fi.radios if r.kind == "wifi"]
    assert [(r.name, r.driver, r.soft_blocked, r.firmware_errors) for r in wifi] == [
        ("wlp3s0", "iwlwifi", False, ())]
    assert [(r.name, r.driver) for r in fi.radios if r.kind == "bluetooth"] == [("hci0", "btusb")]
    assert [(e.name, e.carrier, e.speed_mbps) for e in fi.ethernet] == [("enp0s25", True, 1000)]
    assert [(b.bus, b.ports, b.driver) for b in fi.usb_buses] == [(1, 15, "xhci_hcd"),
                                                                  (2, 4, "xhci_hcd")]
    assert "1-8: 04f2:b39a Integrated Camera" in fi.usb_buses[0].devices
    assert [(b.name, b.brightness, b.max_brightness) for b in fi.backlights] == [
        ("intel_backlight", 468, 937)]
    assert [(f.chip, f.rpm) for f in fi.fans] == [("thinkpad", 2650)]
    assert {(p.name, p.online, p.status) for p in fi.power} == {("AC", True, None),
                                                                ("BAT0", None, "Charging")}
    assert fi.optical == ()


def test_dev_vm_bundle_replays_to_golden() -> None:
    """Recorded on the development VM with `deuxvie capture` (no DMI, virtio disk, no screen)."""
    inv = collect(ReplayHost(BUNDLES / "dev-vm"))
    data = jsonable(inv)
    assert data == _golden("dev-vm", data)
    assert inv.system.status is ProbeStatus.ABSENT
    assert inv.screens.status is ProbeStatus.ABSENT
    assert inv.batteries.status is ProbeStatus.ABSENT
    (vda,) = inv.disks.value or ()
    assert vda.kind is DiskKind.VIRTUAL and vda.transport == "virtio"  # from SUBSYSTEMS
    assert vda.is_boot_medium and "/" in vda.mounted
    fi = inv.functions.value  # recorded on the same VM: no input, sound, radio or USB
    assert fi is not None and fi.inputs == () and fi.sound_cards == () and fi.usb_buses == ()
    assert [(e.name, e.driver, e.carrier) for e in fi.ethernet] == [("eth0", "virtio_net", True)]


def test_hotplug_pci_disk_is_not_removable(tmp_path: Path) -> None:
    """util-linux marks disks behind hot-pluggable PCI slots HOTPLUG (virtio-blk, NVMe in
    QEMU): that must not make the PC's own disk look like a USB stick."""
    bundle = tmp_path / "b"
    shutil.copytree(BUNDLES / "laptop-t440", bundle)
    lsblk = bundle / "cmd" / "lsblk.out"
    lsblk.write_text(lsblk.read_text().replace('"hotplug": false', '"hotplug": true'))
    disks = {d.name: d for d in collect(ReplayHost(bundle)).disks.value or ()}
    assert not disks["nvme0n1"].removable and not disks["sda"].removable
    assert disks["sdb"].removable  # the USB stick


def test_missing_tools_leave_unknowns(tmp_path: Path) -> None:
    bundle = tmp_path / "b"
    shutil.copytree(BUNDLES / "laptop-t440", bundle)
    commands = [
        {"argv": e["argv"], "error": "not_found"}
        if e["argv"][0] in ("dmidecode", "smartctl", "lspci")
        else e
        for e in json.loads((bundle / "commands.json").read_text())
    ]
    (bundle / "commands.json").write_text(json.dumps(commands))
    inv = collect(ReplayHost(bundle))
    assert inv.gpus.status is ProbeStatus.FAILED and "lspci" in (inv.gpus.reason or "")
    mem = inv.memory.value
    assert mem is not None and mem.source == "meminfo"  # fallback, says which source
    disks = inv.disks.value or ()
    assert disks and all(d.smart.status is ProbeStatus.FAILED for d in disks)
    assert all(d.power_on_hours is None for d in disks)  # unknown, never 0
    system = inv.system.value
    assert system is not None and system.product == "20B7S2GS0W"  # sysfs still answers


def test_live_inventory_on_this_machine_does_not_crash() -> None:
    inv = collect(LocalHost())
    assert inv.cpu.status is ProbeStatus.OK
    assert inv.memory.value is not None and (inv.memory.value.total_bytes or 0) > 0
    for outcome in (inv.system, inv.screens, inv.batteries, inv.disks, inv.gpus):
        assert outcome.status in set(ProbeStatus)
        if outcome.status is not ProbeStatus.OK:
            assert outcome.reason


def test_cli_inventory_json_and_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inventory", "--replay", str(BUNDLES / "laptop-t440"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["system"]["value"]["product"] == "20B7S2GS0W"
    assert main(["inventory", "--replay", str(BUNDLES / "laptop-t440")]) == 0
    table = capsys.readouterr().out
    assert "Samsung SSD 860 EVO 500GB" in table and "inconnu" in table
    assert "support de démarrage" in table
    assert main(["inventory", "--replay", str(BUNDLES / "nope")]) == 2
    assert "not a deuxvie bundle" in capsys.readouterr().err
