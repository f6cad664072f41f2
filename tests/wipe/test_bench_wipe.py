"""The wipe bench's own arithmetic (issue #16): every ratio it prints must be the ratio of
the times it printed beside it. Run on tiny loop devices (the loop, CPU and N-disks sections)
and on given guest timings (the device-limited section); never a timing threshold."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from bench import wipe, wipe_cpu, wipe_device
from bench.ratios import Ratio, parse_tables, ratio_table
from bench.station import bench as station_bench

from .conftest import MIB, Loop

pytestmark = pytest.mark.root


def _close(printed: str, expected: float) -> bool:
    # times are printed with 4 significant digits, ratios with 2 decimals
    return abs(float(printed) - expected) <= 0.005 + 0.002 * abs(expected)


def _ratios(table: list[list[str]]) -> dict[str, str]:
    return {row[0]: row[1] for row in table}


def test_ratio_verdicts_and_goal_text() -> None:
    rows = parse_tables(ratio_table([
        Ratio("a", 0.99, (">=", 0.97)), Ratio("b", 0.5, (">=", 0.97)),
        Ratio("c", 1.2, ("<=", 1.5), load=3.25), Ratio("d", None, ("<=", 0.1)),
        Ratio("e", 0.5, (">=", 0.98), "CPU-limited: x"),
    ]))[0]
    assert [r[1:4] for r in rows] == [
        ["0.99", ">= 0.97", "met"], ["0.50", ">= 0.97", "NOT met"], ["1.20", "<= 1.5", "met"],
        ["n/a", "<= 0.1", "not measured"], ["0.50", ">= 0.98", "NOT met (n/a: CPU-limited: x)"],
    ]
    assert rows[2][4] == "3.25"


def test_loop_section_ratios_are_those_of_the_printed_times(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root for loop devices")
    size = 8 * MIB
    times, loads = wipe.bench_backing("tiny", tmp_path, size, 1, with_nwipe=False)
    lines = wipe.report("tiny", size, times, loads)
    table, ratios = parse_tables(lines)
    t = {row[0]: float(row[1]) for row in table}
    assert set(t) == set(times)
    for name, seconds in t.items():  # MB/s from the printed time
        row = next(r for r in table if r[0] == name)
        assert abs(float(row[2]) - size / seconds / 1e6) <= 0.5 + 0.002 * size / seconds / 1e6
    r = _ratios(ratios)
    assert _close(r["zero pass / dd write"], t["dd write (oflag=direct)"] / t["deuxvie zero pass"])
    assert _close(r["random pass / zero pass"], t["deuxvie zero pass"] / t["deuxvie random pass"])
    assert _close(r["zero verify / dd read"],
                  t["dd read (iflag=direct)"] / t["deuxvie zero verify"])
    assert not list(tmp_path.iterdir())  # backing file removed, loop detached


def test_cpu_section_per_gib_and_ratios(make_loop: Callable[..., Loop]) -> None:
    loop = make_loop(size=16 * MIB, fill=False)
    with tempfile.TemporaryDirectory() as journal:
        result = wipe_cpu.measure(loop.path, 16 * MIB, 1, journal)
    lines = wipe_cpu.report(result)
    table, ratios = parse_tables(lines)
    cpu = {row[0]: float(row[1]) for row in table}
    per = {row[0]: float(row[2]) for row in table if row[2] != "-"}
    for name, value in per.items():  # 16 MiB = 1/64 GiB
        assert value == pytest.approx(cpu[name] * 64, rel=2e-3, abs=1e-3), name
    assert cpu[wipe_cpu.STARTUP] > 0  # a Python start-up is never free
    r = _ratios(ratios)
    assert _close(r["CPU zero+verify / dd, in process"],
                  per[wipe_cpu.ZERO_IN] / per[wipe_cpu.DD])
    assert _close(r["CPU-s/GiB random+verify, subprocess (start-up included)"],
                  per[wipe_cpu.RANDOM_CLI])


def test_disks_section_aggregate_ratio(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root for loop devices")
    res = station_bench(2, 8, 1, tmp_path)
    lines = wipe.disks_report([(res, 1.5)])
    table, ratios = parse_tables(lines)
    assert table == [["2", "8", table[0][2], table[0][3], "1.50"]]
    engine_s, dd_s = float(table[0][2]), float(table[0][3])
    r = _ratios(ratios)
    assert _close(r["2 disks: engine aggregate / 2 x dd"], dd_s / engine_s)
    # every ETA check the run kept is about one of the two disks and a real phase
    assert {c.phase for c in res.eta_checks} <= {"write", "verify"}
    assert all(0.25 <= c.fraction <= 0.75 and c.actual_s > 0 for c in res.eta_checks)


def _guest_raw(wall: dict[str, float], size: int) -> dict:
    return {"wall_s": {k: [v] for k, v in wall.items()},
            "cpu_s": {k: [0.5] for k in wall}, "size_bytes": size}


def test_device_section_from_given_guest_timings() -> None:
    size = 300 * 1_000_000
    hdd = {"dd write": 2.0, "zero pass": 2.02, "zero verify": 2.01, "dd read": 2.0,
           "random pass": 2.05, "random verify": 2.1}  # 150 MB/s: at the throttle
    slow = {k: v * 10 for k, v in hdd.items()}  # 15 MB/s against 520 and 2,000: CPU-limited
    raw = {"classes": {"HDD": _guest_raw(hdd, size), "SATA SSD": _guest_raw(slow, size),
                       "NVMe": _guest_raw(slow, size)},
           "parallel": {"disks": 4, "size_bytes": 128 * MIB, "engine_s": 4.0, "dd_s": 3.9,
                        "rounds": 1,
                        "eta": [["/dev/sda", "write", 0.5, 2.2, 2.0],
                                ["/dev/sdb", "write", 0.48, 1.9, 2.0],
                                ["/dev/sda", "verify", 0.5, 1.0, 1.0]]}}
    lines = wipe_device.report(raw, 2.0)
    tables = parse_tables(lines)
    hdd_times, hdd_ratios = tables[0], _ratios(tables[1])
    t = {row[0]: float(row[1]) for row in hdd_times}
    assert [row[2] for row in hdd_times][:2] == ["150", "149"]
    assert _close(hdd_ratios["HDD: zero pass / dd write"], t["dd write"] / t["zero pass"])
    assert _close(hdd_ratios["HDD: random pass / zero pass"], t["zero pass"] / t["random pass"])
    assert _close(hdd_ratios["HDD: zero+verify / dd write+read"],
                  (t["dd write"] + t["dd read"]) / (t["zero pass"] + t["zero verify"]))
    text = "\n".join(lines)
    assert "HDD: CPU-limited" not in text
    assert "SATA SSD: CPU-limited: dd reaches 3 % of the 520 MB/s throttle" in text
    assert "NVMe: CPU-limited: dd reaches 1 % of the 2000 MB/s throttle" in text
    assert tables[-1][0] == ["/dev/sda", "write", "50 %", "2.20", "2.00", "10 %"]
    par = _ratios(tables[-2])
    assert par["4 HDD-class disks: engine aggregate / 4 x dd"] == f"{3.9 / 4.0:.2f}"
    assert par["4 HDD-class disks: worst ETA error at half-way, write (2 disks)"] == "0.10"
    assert par["4 HDD-class disks: worst ETA error at half-way, verify (1 disks)"] == "0.00"
