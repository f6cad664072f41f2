"""Battery wear measured in diagnostics, judged in grading; diagnostics never imports the
grade (data flows diagnostics -> grading, DESIGN.md)."""

from __future__ import annotations

import ast
from pathlib import Path

from deuxvie.diagnostics.battery import battery_measurements, health_pct
from deuxvie.grading.battery import evaluate_battery
from deuxvie.grading.policy import default_policy
from deuxvie.model.diagnostics import TestStatus as St
from deuxvie.model.inventory import Battery

DIAGNOSTICS = Path(__file__).resolve().parents[2] / "agent" / "deuxvie" / "diagnostics"


def _battery(design: float | None, full: float | None, own: float | None = None,
             cycles: int | None = 100) -> Battery:
    return Battery(name="BAT0", source="sysfs", manufacturer="SMP", model="45N1041",
                   technology="Li-ion", serial="1", design_wh=design, full_wh=full,
                   now_wh=full, cycle_count=cycles, health_pct=own)


def test_health_is_measured_from_the_capacities() -> None:
    assert health_pct(_battery(48.0, 36.0)) == 75.0
    assert health_pct(_battery(48.0, 36.0, own=90.0)) == 90.0  # the battery's own figure
    assert health_pct(_battery(None, 36.0)) is None
    m = battery_measurements(_battery(48.0, 30.0, cycles=812))
    assert m == {"health_pct": 62.5, "cycle_count": 812, "design_wh": 48.0, "full_wh": 30.0}


def test_grading_judges_the_measurement() -> None:
    policy = default_policy()
    worn = evaluate_battery(_battery(48.0, 25.0), policy)  # 52 %: under the 60 % line
    assert worn.status is St.FAILED and worn.measurements["health_pct"] == 52.1
    assert evaluate_battery(_battery(48.0, 46.0, cycles=900), policy).status is St.WARNING
    assert evaluate_battery(_battery(None, None), policy).status is St.UNTESTED


def test_no_diagnostic_imports_the_grade() -> None:
    back = []
    for path in sorted(DIAGNOSTICS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                     else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            back += [f"{path.name}: {n}" for n in names if n.startswith("deuxvie.grading")]
    assert back == []
