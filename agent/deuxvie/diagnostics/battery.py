"""Battery wear, measured: health % (full / design capacity) and cycle count.

Nothing to run on the machine: the inventory already read /sys/class/power_supply (or
dmidecode type 22); this only turns its numbers into the measurements a result carries.
Judging them against the policy is the grade's (grading/battery.py): data flows
diagnostics -> grading, never back.
"""

from __future__ import annotations

from typing import Any

from deuxvie.model.inventory import Battery


def health_pct(battery: Battery) -> float | None:
    """The battery's own health figure, else full / design capacity (both read in Wh)."""
    if battery.health_pct is not None:
        return battery.health_pct
    if battery.design_wh and battery.full_wh is not None:
        return 100.0 * battery.full_wh / battery.design_wh
    return None


def battery_measurements(battery: Battery) -> dict[str, Any]:
    health = health_pct(battery)
    return {
        "health_pct": None if health is None else round(health, 1),
        "cycle_count": battery.cycle_count,
        "design_wh": battery.design_wh,
        "full_wh": battery.full_wh,
    }
