"""Batteries: /sys/class/power_supply, dmidecode type 22 as a fallback."""

from __future__ import annotations

from deuxvie.host import Host
from deuxvie.model.common import Outcome
from deuxvie.model.dmi import DmiInfo
from deuxvie.model.inventory import Battery
from deuxvie.parsers import ParseError
from deuxvie.parsers.power_supply import battery_from_uevent

PS = "/sys/class/power_supply"


def probe_batteries(host: Host, dmi: Outcome[DmiInfo]) -> Outcome[tuple[Battery, ...]]:
    found: list[Battery] = []
    errors: list[str] = []
    names = host.listdir(PS) if host.exists(PS) else []
    for name in names:
        base = f"{PS}/{name}"
        if host.read_text_or(f"{base}/type") != "Battery":
            continue
        # scope=Device marks a peripheral's battery (wireless mouse, pen): not the PC's.
        if host.read_text_or(f"{base}/scope") == "Device":
            continue
        try:
            found.append(battery_from_uevent(name, host.read_text(f"{base}/uevent")))
        except (OSError, ParseError) as exc:
            errors.append(f"{name}: {exc}")
    if found:
        return Outcome.ok(tuple(found))
    dmi_batts = dmi.value.batteries if dmi.value else ()
    if dmi_batts:
        # SMBIOS knows the design capacity only: health stays unknown.
        return Outcome.ok(
            tuple(
                Battery(
                    name=b.location or f"DMI{i}",
                    source="dmidecode",
                    manufacturer=b.manufacturer,
                    model=b.name,
                    technology=b.chemistry,
                    serial=b.serial,
                    design_wh=round(b.design_capacity_mwh / 1000.0, 2)
                    if b.design_capacity_mwh
                    else None,
                    full_wh=None,
                    now_wh=None,
                    cycle_count=None,
                    health_pct=None,
                )
                for i, b in enumerate(dmi_batts)
            )
        )
    if errors:
        return Outcome.failed("; ".join(errors))
    return Outcome.absent("no battery")
