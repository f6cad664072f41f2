"""The rig itself: the test guest boots, runs the agent, and sees every emulated disk."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from deuxvie import __version__
from deuxvie.devtools.vm import GuestBoot, Machine, run_guest

from .machines import USB_PATTERN, reference_pc

pytestmark = [pytest.mark.qemu, pytest.mark.root]


def test_guest_runs_agent_and_sees_disks_by_serial(guest_boot: GuestBoot, vm_dir: Path) -> None:
    pc = reference_pc(vm_dir)
    usb_before = hashlib.sha256(pc.usb.read_bytes()).hexdigest()

    run = run_guest(pc.machine, guest_boot, vm_dir, "version", timeout_s=600)

    assert run.exit_code == 0, run.console[-3000:]
    assert run.qemu_returncode == 0  # powered off by the guest, not killed
    version_line, lsblk = run.results.split("\n", 1)
    assert version_line == f"deuxvie {__version__}"
    disks = {d["serial"]: d for d in json.loads(lsblk)["blockdevices"] if d["type"] == "disk"}
    assert set(disks) == {"DVNVME0001", "DVSATA0001", "DVSATA0BAD", "DVVIRTIO01", "DVUSBSTICK"}
    assert disks["DVNVME0001"]["tran"] == "nvme"
    assert disks["DVSATA0001"]["tran"] == "sata"
    assert disks["DVSATA0001"]["model"] == "DEUXVIE GOOD SATA"
    assert disks["DVUSBSTICK"]["tran"] == "usb"
    assert disks["DVUSBSTICK"]["mountpoints"] == ["/run/live/medium"]  # like live-boot
    assert all(int(d["size"]) == 64 * 1024 * 1024 for d in disks.values())
    # booting with the stick mounted read-only leaves it byte-identical
    assert hashlib.sha256(pc.usb.read_bytes()).hexdigest() == usb_before
    assert pc.usb.read_bytes()[-len(USB_PATTERN) * 100 :].count(USB_PATTERN) >= 99


def test_shell_cmd_sees_blkdebug_errors_at_chosen_sector(
    guest_boot: GuestBoot, vm_dir: Path
) -> None:
    pc = reference_pc(vm_dir)
    script = r"""
bad=$(lsblk -dno NAME,SERIAL | awk '$2=="DVSATA0BAD" {print $1}')
good=$(lsblk -dno NAME,SERIAL | awk '$2=="DVSATA0001" {print $1}')
# 512-byte sectors 4088..4095 read fine, the 4 KiB block holding sector 4096 fails (EIO)
dd if=/dev/$bad of=/dev/null bs=4096 skip=511 count=1 iflag=direct 2>/dev/null; echo "before $?"
dd if=/dev/$bad of=/dev/null bs=4096 skip=512 count=1 iflag=direct 2>/dev/null; echo "bad-read $?"
dd if=/dev/zero of=/dev/$bad bs=4096 seek=1024 count=1 oflag=direct 2>/dev/null; echo "bad-write $?"
dd if=/dev/zero of=/dev/$good bs=4K seek=1024 count=1 oflag=direct 2>/dev/null; echo "good-write $?"
"""
    run = run_guest(pc.machine, guest_boot, vm_dir, "shell-cmd", shell_cmd=script, timeout_s=600)

    assert run.exit_code == 0, run.console[-3000:]
    lines = run.results.split()
    assert lines == ["before", "0", "bad-read", "1", "bad-write", "1", "good-write", "0"]
    sata = pc.sata.read_bytes()
    assert sata[4 * 1024 * 1024 : 4 * 1024 * 1024 + 4096] == bytes(4096)
    assert sata[4 * 1024 * 1024 + 4096 : 4 * 1024 * 1024 + 4100] != bytes(4)


def test_guest_without_disks_still_powers_off(guest_boot: GuestBoot, vm_dir: Path) -> None:
    run = run_guest(
        Machine(screen=None), guest_boot, vm_dir, "shell-cmd", shell_cmd="exit 3", timeout_s=600
    )
    assert run.exit_code == 3
    assert run.qemu_returncode == 0
