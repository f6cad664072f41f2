"""`deuxvie station-mode --replay-udev` (decisions only, no disk touched), the screens, and
the disks present at start."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from deuxvie.host.base import CommandResult, Host
from deuxvie.hotplug.screen import PlainScreen, RichScreen, SlotView, line_text
from deuxvie.hotplug.source import present_devpaths

from .events import DATA


def test_replay_cli_shows_decisions_and_touches_nothing(tmp_path: Path) -> None:
    config = tmp_path / "deuxvie.toml"
    config.write_text('language = "en"\n')
    proc = subprocess.run(
        [sys.executable, "-m", "deuxvie", "station-mode", "--config", str(config),
         "--replay-udev", str(DATA / "guest-station-4-disks.udev")],
        capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    done = [line for line in out.splitlines() if "DEUXVIE-STATION-DISK" in line]
    assert len(done) == 4 and all("status=SKIPPED" in line for line in done), out
    assert "replay: would be wiped (nothing is touched)" in out
    assert "DEUXVIE-STATION-READY station ready" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deuxvie.toml"]  # nothing written


def test_plain_screen_lines_progress_every_10_pct_and_big_status() -> None:
    buf = io.StringIO()
    screen = PlainScreen(buf, "fr", timestamps=False)
    view = SlotView(2, "/dev/sdc", "WDC WD5000LPVX", "WX31", phase="write", fraction=0.01,
                    rate_bytes_per_s=120e6, eta_s=65)
    screen.update(view)
    screen.update(SlotView(2, "/dev/sdc", "WDC WD5000LPVX", "WX31", phase="write",
                           fraction=0.05, rate_bytes_per_s=120e6, eta_s=60))  # same decile
    screen.update(SlotView(2, "/dev/sdc", "WDC WD5000LPVX", "WX31", phase="done",
                           status="ERASED"))
    lines = buf.getvalue().splitlines()
    assert lines[0] == ("disque 2 /dev/sdc | WDC WD5000LPVX | WX31 | écriture | 1 % | "
                        "120 Mo/s | ETA 1 min 05 s | EN COURS")
    assert lines[1] == "disque 2 /dev/sdc | WDC WD5000LPVX | WX31 | terminé | EFFACÉ"
    assert lines[2].strip() == "##### ##### #####  ###   #### #####"  # EFFACE
    assert len(lines) == 7
    en = line_text(SlotView(1, "/dev/vda", None, "S", phase="verify", fraction=0.5,
                            status="FAILED", note="2 I/O errors"), "en")
    assert en == "disk 1 /dev/vda | ? | S | verifying | 50 % | FAILED | 2 I/O errors"


def test_rich_screen_renders_one_row_per_disk_and_the_big_status() -> None:
    from rich.console import Console

    buf = io.StringIO()
    screen = RichScreen(buf, "fr")
    try:
        screen.update(SlotView(1, "/dev/sdb", "QEMU HARDDISK", "DVHOTSCSI1", phase="done",
                               status="FAILED"))
        screen.update(SlotView(2, "/dev/sdc", "WDC", "WX31", phase="write", fraction=0.4,
                               rate_bytes_per_s=9e7, eta_s=30))
        console = Console(file=io.StringIO(), width=120, color_system=None)
        console.print(screen.render())
        text = console.file.getvalue()  # type: ignore[attr-defined]
    finally:
        screen.close()
    assert "poste d'effacement" in text and "Modèle" in text
    assert "DVHOTSCSI1" in text and "ÉCHEC" in text and "écriture" in text and "90 Mo/s" in text
    assert "█████" in text  # the finished disk's status in large letters


LINKS = {"/sys/block/sda": "/sys/devices/pci0000:00/0000:00:02.0/ata1/host0/target0:0:0/"
                           "0:0:0:0/block/sda",
         "/sys/block/loop0": "/sys/devices/virtual/block/loop0"}


class _SysHost(Host):
    def run(self, argv: Sequence[str], *, timeout_s: float = 60.0,
            input_bytes: bytes | None = None) -> CommandResult:
        raise AssertionError("no command expected")

    def read_bytes(self, path: str) -> bytes:
        raise FileNotFoundError(path)

    def listdir(self, path: str) -> list[str]:
        assert path == "/sys/block"
        return ["loop0", "sda"]

    def exists(self, path: str) -> bool:
        return path in LINKS

    def realpath(self, path: str) -> str:
        return LINKS[path]

    def which(self, name: str) -> str | None:
        return None


def test_present_devpaths_are_udev_devpaths() -> None:
    assert present_devpaths(_SysHost()) == {
        "/devices/pci0000:00/0000:00:02.0/ata1/host0/target0:0:0/0:0:0:0/block/sda",
        "/devices/virtual/block/loop0",
    }


def test_kernel_cmdline_selects_station_mode() -> None:
    import pytest
    from deuxvie.config import Config, ConfigError, build_config

    base = Path("/run/deuxvie/data")
    assert build_config(None, base_dir=base).mode == Config().mode == "run"
    cfg = build_config(None, base_dir=base, cmdline="quiet deuxvie.mode=station -- x=1")
    assert cfg.mode == "station"
    with pytest.raises(ConfigError, match="mode"):
        build_config(None, base_dir=base, cmdline="deuxvie.mode=hotplug")
