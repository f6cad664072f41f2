"""Battery wear judged against the policy (DESIGN.md: WARN under 80 % of design capacity or
over 750 cycles, FAIL under 60 %). The numbers are measured by diagnostics/battery.py."""

from __future__ import annotations

from collections.abc import Sequence

from deuxvie.diagnostics.battery import battery_measurements, health_pct
from deuxvie.diagnostics.common import Progress, no_progress, status_from_reasons, utc_now
from deuxvie.grading.policy import Policy
from deuxvie.i18n import reason
from deuxvie.model.common import Reason
from deuxvie.model.diagnostics import DiagnosticResult, TestStatus
from deuxvie.model.inventory import Battery


def evaluate_battery(battery: Battery, policy: Policy) -> DiagnosticResult:
    bp = policy.battery
    health = health_pct(battery)
    measurements = battery_measurements(battery)
    now = utc_now()
    if health is None:
        return DiagnosticResult(
            name="battery", target=battery.name, status=TestStatus.UNTESTED,
            measurements=measurements, started_at=now, ended_at=now,
            reasons=(reason(
                "battery.health_unknown",
                f"Usure de la batterie {battery.name} inconnue (capacités non lues)",
                f"Wear of battery {battery.name} unknown (capacities not readable)",
            ),),
        )
    fails: list[Reason] = []
    warns: list[Reason] = []
    if health < bp.health_fail_below_pct:
        fails.append(reason(
            "battery.worn_out",
            f"Batterie à {health:.0f} % de sa capacité d'origine (moins de "
            f"{bp.health_fail_below_pct:.0f} %) : à remplacer",
            f"Battery at {health:.0f} % of its design capacity (below "
            f"{bp.health_fail_below_pct:.0f} %): replace it",
        ))
    elif health < bp.health_warn_below_pct:
        warns.append(reason(
            "battery.worn",
            f"Batterie usée : {health:.0f} % de sa capacité d'origine",
            f"Worn battery: {health:.0f} % of its design capacity",
        ))
    if battery.cycle_count is not None and battery.cycle_count > bp.cycles_warn_above:
        warns.append(reason(
            "battery.cycles_high",
            f"{battery.cycle_count} cycles de charge (plus de {bp.cycles_warn_above})",
            f"{battery.cycle_count} charge cycles (more than {bp.cycles_warn_above})",
        ))
    return DiagnosticResult(
        name="battery", target=battery.name, status=status_from_reasons(fails, warns),
        measurements=measurements, reasons=tuple(fails + warns), started_at=now, ended_at=now,
    )


def run_battery(batteries: Sequence[Battery], policy: Policy,
                progress: Progress = no_progress) -> list[DiagnosticResult]:
    out = []
    for i, b in enumerate(batteries):
        progress(i / max(1, len(batteries)), f"battery {b.name}")
        out.append(evaluate_battery(b, policy))
    progress(1.0, "battery done")
    return out
