"""The demo's virtual donated PC, built without booting it: donor files in real ext4 and FAT
filesystems behind an MBR, read back with the filesystems' own tools; the one-screen summary
from a real report."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from deuxvie.devtools.vmdemo import (
    count_donor_marks,
    disk_with_filesystem,
    donor_files,
    summary_lines,
)

MIB = 1024 * 1024
REPORT = Path(__file__).parents[1] / "data" / "report-example.json"


def _partition(image: Path) -> tuple[int, int, int]:
    mbr = image.read_bytes()[:512]
    assert mbr[510:] == b"\x55\xaa"
    entry = mbr[446:462]
    return entry[4], int.from_bytes(entry[8:12], "little"), int.from_bytes(entry[12:16], "little")


@pytest.mark.skipif(shutil.which("debugfs") is None, reason="e2fsprogs not installed")
def test_ext4_disk_holds_the_donor_home(tmp_path: Path) -> None:
    image = tmp_path / "nvme.img"
    disk_with_filesystem(image, 32, "ext4", donor_files(tmp_path / "home", "Mme Martin"), "home")
    kind, start, sectors = _partition(image)
    assert (kind, start) == (0x83, 2048) and sectors == 30 * MIB // 512
    part = tmp_path / "p1"
    with image.open("rb") as f, part.open("wb") as out:
        f.seek(MIB)
        out.write(f.read(sectors * 512))
    listing = subprocess.run(["debugfs", "-R", "ls -p /Documents", str(part)],
                             capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "facture-2026-0042.txt" in listing and "RIB.txt" in listing
    assert count_donor_marks(image) == 4 * 64


@pytest.mark.skipif(shutil.which("mdir") is None, reason="mtools not installed")
def test_fat_disk_holds_the_windows_profile(tmp_path: Path) -> None:
    image = tmp_path / "usb.img"
    files = donor_files(tmp_path / "key", "clé oubliée", windows=True)
    disk_with_filesystem(image, 32, "fat", files, "PHOTOS")
    assert _partition(image)[0] == 0x0C
    listing = subprocess.run(
        ["mdir", "-/", "-b", "-i", f"{image}@@{MIB}", "::"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "::/AppData/Roaming/Mozilla/Firefox/profile/logins.json" in listing
    assert count_donor_marks(image) == 4 * 64
    # zeroing the partition removes every marker: what the demo counts after the wipe
    with image.open("r+b") as f:
        f.seek(MIB)
        f.write(bytes(30 * MIB))
    assert count_donor_marks(image) == 0


def test_summary_is_one_line_per_disk_then_the_grade() -> None:
    report = json.loads(REPORT.read_text())
    lines = summary_lines(report)
    assert len(lines) <= 25
    disk = next(x for x in lines if "S2R6NX0H612345A" in x)
    assert "ERASED" in disk and "Clear overwrite-zero" in disk and "412 Mo/s" in disk
    assert "classement / grade : PASS_WITH_WARNINGS" in lines
    assert "  - Batterie usée (77 %)." in lines
    assert all(len(x) <= 100 for x in lines)
