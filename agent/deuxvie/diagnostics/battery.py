"""Battery wear: health % (full / design capacity) and cycle count, from the inventory.

Nothing to run on the machine: the inventory already read /sys/class/power_supply (or
dmidecode type 22); this only judges the numbers against the policy.
"""

from __future__ import annotations

from collections.abc import Sequence

from deuxvie.diagnostics.common import Progress, no_progress, status_from_reasons, utc_now
from deuxvie.grading.policy import Policy
from deuxvie.i18n import reason
from deuxvie.model.common import Reason
from deuxvie.model.diagnostics import DiagnosticResult, TestStatus
from deuxvie.model.inventory import Battery


def evaluate_battery(battery: Battery, policy: Policy) -> DiagnosticResult:
    bp = policy.battery
    health = battery.health_pct
    if health is None and battery.design_wh and battery.full_wh is not None:
        health = 100.0 * battery.full_wh / battery.design_wh
    measurements = {
        "health_pct": None if health is None else round(health, 1),
        "cycle_count": battery.cycle_count,
        "design_wh": battery.design_wh,
        "full_wh": battery.full_wh,
    }
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
