"""The rig itself: the test guest boots, runs the agent, sees every emulated disk by serial,
and blkdebug fails exactly the chosen sectors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from deuxvie import __version__
from deuxvie.devtools.vm import GuestBoot, run_guest

from .machines import USB_PATTERN, reference_pc

pytestmark = [pytest.mark.qemu, pytest.mark.root]

SCRIPT = r"""
deuxvie --version
lsblk -J -b -o NAME,SIZE,SERIAL,MODEL,TRAN,TYPE,MOUNTPOINTS
echo ----
bad=$(lsblk -dno NAME,SERIAL | awk '$2=="DVSATA0BAD" {print $1}')
good=$(lsblk -dno NAME,SERIAL | awk '$2=="DVSATA0001" {print $1}')
# 512-byte sectors 4088..4095 read fine, the 4 KiB block holding sector 4096 fails (EIO)
dd if=/dev/$bad of=/dev/null bs=4096 skip=511 count=1 iflag=direct 2>/dev/null; echo "before $?"
dd if=/dev/$bad of=/dev/null bs=4096 skip=512 count=1 iflag=direct 2>/dev/null; echo "bad-read $?"
dd if=/dev/zero of=/dev/$bad bs=4096 seek=1024 count=1 oflag=direct 2>/dev/null; echo "bad-write $?"
dd if=/dev/zero of=/dev/$good bs=4K seek=1024 count=1 oflag=direct 2>/dev/null; echo "good-write $?"
exit 3
"""


def test_guest_runs_agent_sees_disks_and_blkdebug_errors(
    guest_boot: GuestBoot, vm_dir: Path
) -> None:
    pc = reference_pc(vm_dir)
    stick_before = pc.stick.digest_outside_data()

    run = run_guest(pc.machine, guest_boot, vm_dir, "shell-cmd", shell_cmd=SCRIPT, timeout_s=600)

    assert run.exit_code == 3, run.console[-3000:]  # the guest command's own exit code
    assert run.qemu_returncode == 0  # powered off by the guest, not killed
    head, dd_lines = run.results.split("----\n")
    version_line, lsblk = head.split("\n", 1)
    assert version_line == f"deuxvie {__version__}"
    disks = {d["serial"]: d for d in json.loads(lsblk)["blockdevices"] if d["type"] == "disk"}
    assert set(disks) == {"DVNVME0001", "DVSATA0001", "DVSATA0BAD", "DVVIRTIO01", "DVUSBSTICK"}
    assert disks["DVNVME0001"]["tran"] == "nvme"
    assert disks["DVSATA0001"]["tran"] == "sata"
    assert disks["DVSATA0001"]["model"] == "DEUXVIE GOOD SATA"
    assert disks["DVUSBSTICK"]["tran"] == "usb"
    # like the written live image: live filesystem at /run/live/medium, data partition beside
    stick_mounts = {m for part in disks["DVUSBSTICK"]["children"] for m in part["mountpoints"]}
    assert stick_mounts == {"/run/live/medium", "/run/deuxvie/data"}
    assert all(int(d["size"]) == 64 * 1024 * 1024 for d in disks.values())

    assert dd_lines.split() == ["before", "0", "bad-read", "1", "bad-write", "1", "good-write", "0"]
    sata = pc.sata.read_bytes()
    assert sata[4 * 1024 * 1024 : 4 * 1024 * 1024 + 4096] == bytes(4096)
    assert sata[4 * 1024 * 1024 + 4096 : 4 * 1024 * 1024 + 4100] != bytes(4)
    # booting with the stick mounted leaves all but its data partition byte-identical
    assert pc.stick.digest_outside_data() == stick_before
    assert pc.usb.read_bytes()[-len(USB_PATTERN) * 100 :].count(USB_PATTERN) >= 99
