"""The station bench's arithmetic, on tiny loop devices (never a timing threshold)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.station import MIB, Result, bench, report_lines, summarise


def test_summary_arithmetic() -> None:
    r = summarise(3, 8 * MIB, {"station": [2.0, 1.0, 4.0], "dd": [3.0, 2.0, 9.0]})
    assert (r.station_s, r.dd_s, r.rounds) == (2.0, 3.0, 3)
    assert r.moved_bytes == 2 * 3 * 8 * MIB
    assert r.station_mb_s == pytest.approx(48 * MIB / 2.0 / 1e6)
    assert r.dd_mb_s == pytest.approx(48 * MIB / 3.0 / 1e6)
    assert r.ratio == pytest.approx(1.5)
    assert report_lines(r)[-1] == "ratio dd time / station time (target >= 1): 1.50"


@pytest.mark.root
def test_bench_runs_on_tiny_loops(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root for loop devices")
    r = bench(disks=2, size_mib=8, rounds=1, directory=tmp_path)
    assert isinstance(r, Result) and r.disks == 2 and r.size_bytes == 8 * MIB
    assert r.station_s > 0 and r.dd_s > 0
    assert r.ratio == pytest.approx(r.dd_s / r.station_s)
    lines = report_lines(r)
    assert lines[0] == "2 disks x 8 MiB, 1 round(s), medians"
    assert not list(tmp_path.iterdir())  # backing files removed (loops detached first)
