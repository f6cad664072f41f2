"""A hand-assembled closed-world bundle for one disk, replayed by a ReplayHost whose
medium is a regular file: firmware commands are answered from recorded outputs and
their effect on the medium (zeroed, scrambled, untouched) is applied to the file, so
the engine's verification runs for real against it."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from deuxvie.host.base import CommandResult
from deuxvie.host.block import BlockIO
from deuxvie.host.bundle import ReplayHost

DATA = Path(__file__).resolve().parent.parent / "data" / "wipe"
SECTOR = 512


class FileBlock:
    """BlockIO over a regular file (cached I/O: the medium double of the replay)."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)
        self._fd = os.open(path, os.O_RDWR)
        self.size_bytes = os.fstat(self._fd).st_size
        self.logical_sector_bytes = SECTOR
        self.physical_sector_bytes = SECTOR
        self.direct = False

    def pwrite(self, buf: memoryview, offset: int) -> int:
        return os.pwrite(self._fd, buf, offset)

    def preadinto(self, buf: memoryview, offset: int) -> int:
        return os.preadv(self._fd, [buf], offset)

    def fsync(self) -> None:
        os.fsync(self._fd)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


Effect = Callable[[Path], None]


def zero(path: Path) -> None:
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        fh.write(bytes(size))


def scramble(path: Path) -> None:
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        fh.write(os.urandom(size))


def donor(path: Path, size: int) -> None:
    path.write_bytes((b"DONOR-DATA-" * (size // 11 + 1))[:size])


class MediumReplayHost(ReplayHost):
    def __init__(self, bundle: Path, image: Path,
                 effects: dict[tuple[str, ...], Effect] | None = None) -> None:
        super().__init__(bundle)
        self.image = image
        self.effects = effects or {}
        self.written: list[tuple[str, str]] = []

    def run(self, argv, *, timeout_s: float = 60.0, input_bytes: bytes | None = None
            ) -> CommandResult:
        result = super().run(argv, timeout_s=timeout_s, input_bytes=input_bytes)
        effect = self.effects.get(tuple(argv))
        if effect is not None:
            effect(self.image)
        return result

    def open_block(self, path: str, write: bool) -> BlockIO:
        return FileBlock(self.image)

    def write_text(self, path: str, text: str) -> None:
        self.written.append((path, text))


def make_bundle(root: Path, kind: str, commands: list[tuple[tuple[str, ...], int, str]],
                size_bytes: int) -> Path:
    """kind "sata" (sda, an AHCI SSD) or "nvme" (nvme0n1). commands: (argv, exit, output
    file in tests/data/wipe or "" for no output)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "manifest.json").write_text(json.dumps(
        {"format": "deuxvie-bundle/1", "created_at": "2026-11-22T00:00:00+00:00",
         "hostname": "replay", "closed_world": True}))
    name = "sda" if kind == "sata" else "nvme0n1"
    devnum = "8:0" if kind == "sata" else "259:0"
    sysdev = ("/sys/devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sda"
              if kind == "sata" else
              "/sys/devices/pci0000:00/0000:00:04.0/nvme/nvme0/nvme0n1")
    files = {
        f"/sys/class/block/{name}/dev": devnum,
        f"/sys/block/{name}/size": str(size_bytes // 512),
        f"/sys/block/{name}/ro": "0",
        f"/sys/block/{name}/queue/logical_block_size": "512",
        f"/sys/block/{name}/queue/physical_block_size": "512",
        f"/sys/block/{name}/queue/rotational": "0",
        "/sys/class/block/vda/dev": "254:0",
        "/proc/self/mountinfo": "22 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n",
        "/proc/cmdline": "BOOT_IMAGE=/vmlinuz root=/dev/vda ro\n",
    }
    if kind == "sata":
        files[f"/sys/block/{name}/device/model"] = "Samsung SSD 860"
        files[f"/sys/block/{name}/device/rev"] = "4B6Q"
        files[f"/run/udev/data/b{devnum}"] = ("E:ID_SERIAL_SHORT=S3Z1NB0K123456A\n"
                                             "E:ID_WWN=0x5002538e40a22954\n")
        by_id = "ata-Samsung_SSD_860_EVO_500GB_S3Z1NB0K123456A"
    else:
        files[f"/sys/block/{name}/device/model"] = "Samsung SSD 970 EVO Plus 500GB"
        files[f"/sys/block/{name}/device/serial"] = "S4EWNX0R123456"
        files[f"/sys/block/{name}/device/firmware_rev"] = "2B2QEXM7"
        files[f"/sys/block/{name}/wwid"] = "eui.0025385b91b0a1b2"
        files[f"/sys/block/{name}/nsid"] = "1"
        by_id = "nvme-Samsung_SSD_970_EVO_Plus_500GB_S4EWNX0R123456"
    for path, text in files.items():
        target = root / "fs" / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    fs = {"missing": [], "exists": {}, "which": {},
          "listdir": {"/sys/class/block": [name, "vda"], f"/sys/block/{name}": ["device"],
                      f"/sys/class/block/{name}/holders": [],
                      "/dev/disk/by-id": [by_id]},
          "realpath": {f"/dev/{name}": f"/dev/{name}", f"/sys/block/{name}": sysdev,
                       f"/dev/disk/by-id/{by_id}": f"/dev/{name}"}}
    (root / "fs.json").write_text(json.dumps(fs))
    (root / "cmd").mkdir(exist_ok=True)
    entries = []
    for i, (argv, rc, out) in enumerate(commands):
        ref = ""
        if out:
            ref = f"cmd/{i:04d}.out"
            (root / ref).write_bytes((DATA / out).read_bytes())
        entries.append({"argv": list(argv), "returncode": rc, "stdout": ref, "stderr": ""})
    (root / "commands.json").write_text(json.dumps(entries, indent=1))
    return root
