"""`make bench-server`'s own arithmetic, and one tiny real run of it (never a timing
threshold: the figures are checked against each other, not against a speed)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.server import (
    OpStats,
    Phase,
    goal,
    percentile,
    phase_lines,
    run_phase,
    scale_line,
)


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 0.50) == 50.0
    assert percentile(values, 0.99) == 99.0
    assert percentile(values, 1.0) == 100.0
    assert percentile([7.0], 0.99) == 7.0
    assert percentile([], 0.99) == 0.0
    assert percentile([1.0, 2.0, 3.0], 0.0) == 1.0


def test_goal_wording() -> None:
    assert goal(1000.0, 1000) == "(goal >= 1000: met)"
    assert goal(999.9, 1000) == "(goal >= 1000: NOT MET)"
    assert goal(49.9, 50, higher_is_better=False) == "(goal < 50: met)"
    assert goal(50.0, 50, higher_is_better=False) == "(goal < 50: NOT MET)"


def _phase(name: str, reports: int, wall_s: float) -> Phase:
    ingest = OpStats()
    for i in range(reports):
        ingest.add(201, float(i + 1))  # 1..n ms
    return Phase(name=name, wall_s=wall_s, ingest=ingest,
                 cpu_s={"service": 0.4, "database": 0.1, "client": 0.1}, cores=2, load=1.5)


def test_phase_figures_and_ceiling() -> None:
    p = _phase("x", 200, 0.5)
    assert p.reports_per_s == pytest.approx(400.0)
    assert (p.p50_ms, p.p99_ms) == (100.0, 198.0)
    assert p.cpu_ms_per_report("service") == pytest.approx(2.0)
    assert p.cpu_ms_per_report("database") == pytest.approx(0.5)
    # 2 cores = 2000 ms of CPU a second; 3.0 ms a report with the client, 2.5 without
    assert p.ceiling(["service", "database", "client"]) == pytest.approx(2000 / 3.0)
    assert p.ceiling(["service", "database"]) == pytest.approx(800.0)
    lines = phase_lines(p, 1000, 50)
    assert lines[0].startswith("x: 200 reports in 0.50 s = 400.0 reports/s (goal >= 1000: "
                               "NOT MET), p50 100.0 ms, p99 198.0 ms (goal < 50: NOT MET)")
    assert "ceiling on 2 cores 667 reports/s with this client, 800 with" in lines[1]


def test_scale_ratio() -> None:
    assert scale_line(_phase("one", 100, 1.0), _phase("two", 170, 1.0)) == (
        "two services / one service: 170.0 / 100.0 reports/s = 1.70x (goal >= 1.7: met), "
        "load 1.50")


def test_tiny_real_run_two_services_mixed(tmp_path: Path) -> None:
    """Two real `deuxvie-server serve` processes on one SQLite file, the mixed load beside:
    every report stored, and the printed rate is the printed count over the printed time."""
    p = run_phase("tiny", f"sqlite:///{tmp_path / 'b.sqlite3'}", 40, 2, instances=2,
                  serve_args=["--workers", "1", "--threads", "4"], mixed=True)
    assert p.ingest.statuses == {201: 40}
    assert p.cpu_s["service"] > 0 and p.cpu_s["client"] > 0
    revoked = p.side["revoke"].statuses.get(200, 0)
    assert p.refused_after_revoke == revoked
    for op in ("certificate", "enrol", "revoke"):
        assert set(p.side[op].statuses) <= {200, 201}, (op, p.side[op].statuses)
    line = phase_lines(p, 1000, 50)[0]
    m = re.match(r"tiny: (\d+) reports in ([\d.]+) s = ([\d.]+) reports/s", line)
    assert m, line
    n, wall, rate = int(m[1]), float(m[2]), float(m[3])
    assert n == 40
    assert rate == pytest.approx(n / wall, rel=0.01 + 0.005 / wall)
