"""The reference virtual donated PC of the whole-machine tests (disk sizes stated in README)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from deuxvie.devtools.vm import (
    BootStick,
    Disk,
    InjectedError,
    Machine,
    Smbios,
    create_boot_stick,
    create_image,
)

MIB = 1024 * 1024
SMBIOS = Smbios(
    manufacturer="LENOVO",
    product="20L5CTO1WW",
    version="ThinkPad T480",
    serial="PF1DEUXV",
    uuid="4c4c4544-0042-3510-8051-b4c04f4a4d32",
    family="ThinkPad T480",
)
# blkdebug: reads of sector 4096 (2 MiB) and writes of sector 8192 (4 MiB) fail with EIO
BAD_READ = InjectedError(sector_512=4096, event="read_aio")
BAD_WRITE = InjectedError(sector_512=8192, event="write_aio")
USB_PATTERN = b"deuxvie boot stick: must never be written\n"


@dataclass(frozen=True)
class ReferencePc:
    machine: Machine
    nvme: Path
    sata: Path
    bad: Path
    virtio: Path
    usb: Path
    stick: BootStick


def reference_pc(
    workdir: Path, size_mib: int = 64, data_files: Path | None = None, **machine_kw: object
) -> ReferencePc:
    """NVMe, good SATA, SATA with blkdebug errors, virtio, and the USB boot stick (ISO 9660
    partition mounted at /run/live/medium in the guest, ext4 DEUXVIE data partition made from
    `data_files`, known bytes elsewhere)."""
    paths = {n: workdir / f"{n}.img" for n in ("nvme", "sata", "bad", "virtio", "usb")}
    # The internal disks hold "donor data" so an erased disk differs from a fresh image.
    create_image(paths["nvme"], size_mib * MIB, b"donor data on the NVMe\n")
    create_image(paths["sata"], size_mib * MIB, b"donor data on the SATA disk\n")
    create_image(paths["bad"], size_mib * MIB, b"donor data on the failing disk\n")
    create_image(paths["virtio"], size_mib * MIB, b"donor data on the virtio disk\n")
    stick_files = workdir / "stick-files"
    stick_files.mkdir(exist_ok=True)
    (stick_files / "README.txt").write_text("deuxvie live stick (test)\n")
    stick = create_boot_stick(paths["usb"], size_mib * MIB, USB_PATTERN, stick_files, data_files)
    disks = (
        Disk.nvme(paths["nvme"], serial="DVNVME0001"),
        Disk.sata(paths["sata"], serial="DVSATA0001", model="DEUXVIE GOOD SATA"),
        Disk.sata(
            paths["bad"],
            serial="DVSATA0BAD",
            model="DEUXVIE BAD SATA",
            errors=(BAD_READ, BAD_WRITE),
        ),
        Disk.virtio(paths["virtio"], serial="DVVIRTIO01"),
        Disk.usb(paths["usb"], serial="DVUSBSTICK"),
    )
    machine = Machine(
        disks=disks,
        smbios=SMBIOS,
        boot_stick_serial="DVUSBSTICK",
        **machine_kw,  # type: ignore[arg-type]
    )
    return ReferencePc(machine, paths["nvme"], paths["sata"], paths["bad"], paths["virtio"],
                       paths["usb"], stick)  # fmt: skip


def all_zero(path: Path) -> bool:
    """Every byte of a guest's disk image reads zero (checked from the host, 1 MiB at a
    time)."""
    zero = bytes(1024 * 1024)
    with path.open("rb") as f:
        while chunk := f.read(len(zero)):
            if chunk != zero[: len(chunk)]:
                return False
    return True
