"""`make test-stick`'s own parts, without booting: the QEMU line (UEFI, no -kernel), the
DEUXVIE partition found and written with mtools without mounting, the stick digest."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
from deuxvie.devtools import isorun
from deuxvie.devtools.vm import Disk, Machine

MIB = 1024 * 1024
needs_mtools = pytest.mark.skipif(
    shutil.which("mcopy") is None or shutil.which("mkfs.vfat") is None,
    reason="mtools and dosfstools are installed by make setup",
)


def _stick(path: Path) -> tuple[int, int]:
    """16 MiB of known bytes with a FAT partition labelled DEUXVIE at 4 MiB (MBR entry 3)."""
    path.write_bytes(bytes(range(256)) * (16 * MIB // 256))
    offset, size = 4 * MIB, 8 * MIB
    entry = (bytes([0, 0xFE, 0xFF, 0xFF, 0x0C, 0xFE, 0xFF, 0xFF])
             + (offset // 512).to_bytes(4, "little") + (size // 512).to_bytes(4, "little"))
    with path.open("r+b") as f:
        f.seek(446 + 2 * 16)
        f.write(entry)
        f.seek(510)
        f.write(b"\x55\xaa")
    subprocess.run(["mkfs.vfat", "-n", "DEUXVIE", f"--offset={offset // 512}", str(path),
                    str(size // 1024)], check=True, capture_output=True)  # fmt: skip
    return offset, size


@needs_mtools
def test_stick_partition_written_without_mounting(tmp_path: Path) -> None:
    stick = tmp_path / "stick.img"
    part = _stick(stick)
    before = isorun.digest_outside(stick, part)
    assert isorun.data_partition(stick) == part
    files = tmp_path / "files"
    (files / "station").mkdir(parents=True)
    (files / "deuxvie.toml").write_text("unattended = true\n")
    (files / "station" / "station.json").write_text("{}\n")
    isorun.mtools_put(stick, part[0], files)
    back = isorun.mtools_get(stick, part[0], tmp_path / "back")
    assert (back / "deuxvie.toml").read_text() == "unattended = true\n"
    assert (back / "station" / "station.json").read_text() == "{}\n"
    # only the partition changed
    assert isorun.digest_outside(stick, part) == before
    data = stick.read_bytes()
    expected = hashlib.sha256(data[: part[0]] + data[part[0] + part[1] :]).hexdigest()
    assert before == expected


def test_uefi_line_boots_the_stick_not_a_kernel(tmp_path: Path) -> None:
    for name in ("nvme", "bad", "stick"):
        (tmp_path / f"{name}.img").write_bytes(bytes(MIB))
    machine = Machine(disks=(
        Disk.nvme(tmp_path / "nvme.img", serial="N1"),
        Disk.sata(tmp_path / "bad.img", serial="B1", model="BAD", errors=(isorun.BAD_WRITE,)),
        Disk.usb(tmp_path / "stick.img", serial="S1", device_props=(("bootindex", "0"),)),
    ), service_port=4242)  # fmt: skip
    if not (isorun.OVMF_DIR / "OVMF_VARS_4M.fd").exists():
        pytest.skip("ovmf is installed by make setup")
    argv = isorun.uefi_argv(machine, tmp_path, tmp_path / "console.log")
    line = " ".join(argv)
    assert "-kernel" not in argv and "-initrd" not in argv and "-append" not in argv
    assert "OVMF_CODE_4M.fd" in line and "q35" in argv
    assert "usb-storage,bus=xhci.0,drive=d2,serial=S1,bootindex=0" in argv
    assert "file.driver=blkdebug" in line and "guestfwd=tcp:10.0.2.100:8080" in line
    assert argv.count("-serial") == 1  # the console; no results port (no test /init here)
