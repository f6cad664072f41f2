"""/sys/class/power_supply/BAT*/uevent -> Battery (pure).

Linux reports either energy_* (µWh) or charge_* (µAh) depending on the firmware
(psutil issue #966 reads energy_now then charge_now for the same reason); charge is
converted with voltage_min_design (µV) to compare with design capacity in Wh.
"""

from __future__ import annotations

from deuxvie.model.inventory import Battery
from deuxvie.parsers.errors import ParseError


def parse_uevent(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.startswith("POWER_SUPPLY_"):
            values[key.removeprefix("POWER_SUPPLY_").lower()] = value.strip()
    if not values:
        raise ParseError("power_supply uevent: no POWER_SUPPLY_ lines")
    return values


def _num(values: dict[str, str], key: str) -> int | None:
    raw = values.get(key)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        return None


def battery_from_uevent(name: str, text: str) -> Battery:
    v = parse_uevent(text)
    design = full = now = None
    if _num(v, "energy_full_design") is not None:
        design, full, now = (
            _num(v, "energy_full_design"),
            _num(v, "energy_full"),
            _num(v, "energy_now"),
        )
        to_wh = 1e-6
        factor: float | None = to_wh
    else:
        volts = _num(v, "voltage_min_design") or _num(v, "voltage_now")
        design, full, now = (
            _num(v, "charge_full_design"),
            _num(v, "charge_full"),
            _num(v, "charge_now"),
        )
        factor = (volts * 1e-6) * 1e-6 if volts else None

    def wh(raw: int | None) -> float | None:
        return round(raw * factor, 2) if raw is not None and factor else None

    health = None
    if design and full is not None and design > 0:
        health = round(100.0 * full / design, 1)
    cycles = _num(v, "cycle_count")
    return Battery(
        name=name,
        source="sysfs",
        manufacturer=v.get("manufacturer") or None,
        model=v.get("model_name") or None,
        technology=v.get("technology") or None,
        serial=v.get("serial_number") or None,
        design_wh=wh(design),
        full_wh=wh(full),
        now_wh=wh(now),
        # Some firmwares report 0 cycles for "not counted" (ThinkPad EC before first cycle
        # is rare; most zeros mean unsupported): keep 0 as reported, grading decides.
        cycle_count=cycles,
        health_pct=health,
    )
