"""Fixtures of the whole-machine tests: the test guest (built once, cached) and disk images."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from deuxvie.devtools.vm import GuestBoot, build_test_guest


@pytest.fixture(scope="session")
def guest_boot() -> GuestBoot:
    if os.geteuid() != 0:
        pytest.skip("building the test guest needs root (debootstrap, chroot)")
    for tool in ("qemu-system-x86_64", "debootstrap", "cpio", "mkfs.ext4", "debugfs"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (make setup)")
    return build_test_guest()


@pytest.fixture
def vm_dir(tmp_path: Path) -> Path:
    """Disk images and serial logs of one test (tmp_path: pytest keeps the last runs)."""
    return tmp_path
