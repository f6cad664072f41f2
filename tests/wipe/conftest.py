"""Loop devices over sparse files, created and detached per test (only the one we got)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

MIB = 1024 * 1024


def _root_or_skip() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root for loop devices")


class Loop:
    def __init__(self, path: str, backing: Path) -> None:
        self.path = path
        self.backing = backing

    @property
    def name(self) -> str:
        return os.path.basename(self.path)

    def digest(self) -> str:
        return hashlib.sha256(self.backing.read_bytes()).hexdigest()


def fill_donor_data(path: Path, size: int) -> None:
    """Non-zero, non-random 'donor data' so that a skipped write is visible."""
    block = (b"DONOR-DATA-" * 400000)[:MIB]
    with open(path, "r+b") as fh:
        for off in range(0, size, MIB):
            fh.write(block[: min(MIB, size - off)])


@pytest.fixture
def make_loop(tmp_path: Path) -> Iterator[Callable[..., Loop]]:
    _root_or_skip()
    made: list[str] = []

    def make(size: int = 64 * MIB, sector: int = 512, fill: bool = True,
             read_only: bool = False, name: str = "disk") -> Loop:
        backing = tmp_path / f"{name}-{len(made)}.img"
        with open(backing, "wb") as fh:
            fh.truncate(size)
        if fill:
            fill_donor_data(backing, size)
        argv = ["losetup", "--find", "--show", f"--sector-size={sector}"]
        if read_only:
            argv.append("--read-only")
        dev = subprocess.run([*argv, str(backing)], check=True, capture_output=True,
                             text=True).stdout.strip()
        made.append(dev)
        return Loop(dev, backing)

    yield make
    for dev in made:
        with contextlib.suppress(subprocess.CalledProcessError):
            subprocess.run(["losetup", "-d", dev], check=True, capture_output=True)
