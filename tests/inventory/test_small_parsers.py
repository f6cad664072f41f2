"""lsblk, cpuinfo, meminfo and power_supply parsers on real-format inputs."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from deuxvie.parsers import ParseError
from deuxvie.parsers.cpuinfo import parse_cpuinfo, parse_meminfo_total
from deuxvie.parsers.lsblk import parse_lsblk
from deuxvie.parsers.power_supply import battery_from_uevent
from hypothesis import given
from hypothesis import strategies as st

BUNDLE = Path(__file__).resolve().parents[1] / "data" / "bundles" / "laptop-t440"


def test_lsblk_tree_mounts_and_types() -> None:
    devs = {d.name: d for d in parse_lsblk((BUNDLE / "cmd" / "lsblk.out").read_bytes())}
    assert devs["sda"].size_bytes == 500107862016
    assert devs["sda"].serial == "S3YZNB0KB00864E"
    assert devs["sda"].rotational is False
    assert [c.name for c in devs["sda"].children] == ["sda1", "sda2"]
    assert devs["sdb"].all_mountpoints() == ("/run/live/medium", "/mnt/deuxvie")
    assert devs["sdb"].removable and devs["sdb"].transport == "usb"
    assert devs["loop0"].read_only


def test_lsblk_old_util_linux_prints_strings() -> None:
    # util-linux 2.32 (CentOS 8 era) prints numbers and booleans as strings
    doc = {
        "blockdevices": [
            {
                "name": "sda",
                "type": "disk",
                "size": "1000204886016",
                "rota": "1",
                "rm": "0",
                "ro": "0",
                "mountpoint": None,
            }
        ]
    }
    (dev,) = parse_lsblk(json.dumps(doc))
    assert dev.size_bytes == 1000204886016 and dev.rotational is True
    assert dev.path == "/dev/sda" and dev.mountpoints == ()


@pytest.mark.parametrize(
    "bad",
    [
        b"",
        b"not json",
        b"[]",
        b'{"blockdevices": [1]}',
        b'{"blockdevices": [{"name": "x", "size": "big"}]}',
    ],
)
def test_lsblk_rejects_garbage(bad: bytes) -> None:
    with pytest.raises(ParseError):
        parse_lsblk(bad)


@given(st.binary(max_size=300))
def test_lsblk_fuzz_only_parse_error(data: bytes) -> None:
    with contextlib.suppress(ParseError):
        parse_lsblk(data)


def test_cpuinfo_haswell_laptop() -> None:
    cpu = parse_cpuinfo((BUNDLE / "fs" / "proc" / "cpuinfo").read_text(), 2900000)
    assert cpu.model_name == "Intel(R) Core(TM) i5-4300U CPU @ 1.90GHz"
    assert (cpu.sockets, cpu.cores, cpu.threads) == (1, 2, 4)
    assert cpu.max_mhz == 2900.0
    assert {"lm", "aes", "vmx", "avx2", "sse4_2", "popcnt"} <= set(cpu.flags)
    assert cpu.is_64bit


def test_cpuinfo_errors_and_meminfo() -> None:
    with pytest.raises(ParseError):
        parse_cpuinfo("garbage\n")
    assert parse_meminfo_total("MemTotal:        7881172 kB\n") == 7881172 * 1024
    with pytest.raises(ParseError):
        parse_meminfo_total("MemFree: 1 kB\n")


def test_battery_energy_and_charge_units() -> None:
    bat = battery_from_uevent(
        "BAT0", (BUNDLE / "fs/sys/class/power_supply/BAT0/uevent").read_text()
    )
    assert bat.design_wh == 23.48 and bat.full_wh == 19.37
    assert bat.health_pct == 82.5 and bat.cycle_count == 412
    assert bat.manufacturer == "SANYO" and bat.model == "45N1127"
    # charge_* in µAh (many Dell/HP firmwares): converted with voltage_min_design
    charge = battery_from_uevent(
        "BAT1",
        "POWER_SUPPLY_CHARGE_FULL_DESIGN=4400000\nPOWER_SUPPLY_CHARGE_FULL=2420000\n"
        "POWER_SUPPLY_VOLTAGE_MIN_DESIGN=10800000\nPOWER_SUPPLY_CYCLE_COUNT=0\n",
    )
    assert charge.design_wh == 47.52 and charge.health_pct == 55.0
    with pytest.raises(ParseError):
        battery_from_uevent("BAT0", "nothing here")
