"""`deuxvie wipe` inside the virtual donated PC; the host then reads the disk images back."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from deuxvie.devtools.vm import GuestBoot, run_guest

from .machines import BAD_READ, BAD_WRITE, all_zero, reference_pc

pytestmark = [
    pytest.mark.qemu,
    pytest.mark.root,
    pytest.mark.skipif(
        importlib.util.find_spec("deuxvie.commands.wipe") is None,
        reason="`deuxvie wipe` is not on this branch yet",
    ),
]

# Devices by serial (kernel names swap between boots, QEMU-RIG.md). The boot stick (mounted
# at /run/live/medium as live-boot does) is asked for too: it must be refused, byte for byte.
WIPE_SCRIPT = r"""
dev() { echo /dev/$(lsblk -dno NAME,SERIAL | awk -v s="$1" '$2==s {print $1}'); }
deuxvie wipe --yes --json --journal-dir /tmp/journal \
  "$(dev DVNVME0001)" "$(dev DVSATA0001)" "$(dev DVSATA0BAD)" "$(dev DVUSBSTICK)"
"""


def _covers(errors: list[dict[str, Any]], offset: int) -> bool:
    return any(e["offset_bytes"] <= offset < e["offset_bytes"] + e["length_bytes"] for e in errors)


def test_wipe_nvme_purge_sata_clear_and_blkdebug_failure(
    guest_boot: GuestBoot, vm_dir: Path
) -> None:
    pc = reference_pc(vm_dir)
    stick_before = pc.stick.digest_outside_data()
    virtio_before = hashlib.sha256(pc.virtio.read_bytes()).hexdigest()

    run = run_guest(pc.machine, guest_boot, vm_dir, "shell-cmd", shell_cmd=WIPE_SCRIPT,
                    timeout_s=900)  # fmt: skip

    assert run.exit_code == 1, run.console[-3000:]  # one disk FAILED: the command says so
    records = {r["media"]["serial"]: r for r in json.loads(run.results)}
    nvme, sata, bad = records["DVNVME0001"], records["DVSATA0001"], records["DVSATA0BAD"]

    # NVMe: policy prefers Purge, QEMU's NVMe supports Format with Secure Erase Settings
    assert nvme["status"] == "ERASED", nvme["reasons"]
    assert nvme["category"] == "Purge"
    assert nvme["technique"].startswith("nvme-format-ses")
    assert any("format" in argv for argv in nvme["commands"]), nvme["commands"]
    assert nvme["verification_coverage_pct"] == 100.0
    assert all_zero(pc.nvme)

    # good SATA (no ATA Security/Sanitize in QEMU): Clear by overwrite, fully verified
    assert sata["status"] == "ERASED", sata["reasons"]
    assert sata["category"] == "Clear"
    assert sata["bytes_verified"] == 64 * 1024 * 1024
    if sata["pattern"] in ("zero", "zeros", "0x00"):
        assert all_zero(pc.sata)
    else:  # a random pattern: at least the donor data is gone from every MiB
        image = pc.sata.read_bytes()
        assert b"donor data" not in image

    # blkdebug disk: FAILED, both injected offsets listed, never certified
    assert bad["status"] == "FAILED"
    assert _covers(bad["errors"], BAD_WRITE.offset_bytes), bad["errors"]
    assert _covers(bad["errors"], BAD_READ.offset_bytes), bad["errors"]

    # the boot medium: refused, and untouched byte for byte; the virtio disk was not asked for
    stick = records["DVUSBSTICK"]
    assert stick["status"] == "SKIPPED"
    assert "wipe.boot_medium" in {r["code"] for r in stick["reasons"]}
    assert pc.stick.digest_outside_data() == stick_before
    assert hashlib.sha256(pc.virtio.read_bytes()).hexdigest() == virtio_before
