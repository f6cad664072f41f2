"""DMI/SMBIOS: sysfs (always readable, no tool) and the full dmidecode dump."""

from __future__ import annotations

from deuxvie.host import Host, HostError
from deuxvie.model.common import Outcome
from deuxvie.model.dmi import DmiInfo
from deuxvie.model.inventory import SystemInfo
from deuxvie.parsers import ParseError
from deuxvie.parsers.dmidecode import clean, parse_dmidecode

DMI_SYSFS = "/sys/class/dmi/id"

# SMBIOS 3.x, section 7.4.1 "System Enclosure or Chassis Types": sysfs gives the number.
CHASSIS_TYPES = {
    1: "Other", 2: "Unknown", 3: "Desktop", 4: "Low Profile Desktop", 5: "Pizza Box",
    6: "Mini Tower", 7: "Tower", 8: "Portable", 9: "Laptop", 10: "Notebook",
    11: "Hand Held", 12: "Docking Station", 13: "All in One", 14: "Sub Notebook",
    15: "Space-saving", 16: "Lunch Box", 17: "Main Server Chassis", 18: "Expansion Chassis",
    19: "SubChassis", 20: "Bus Expansion Chassis", 21: "Peripheral Chassis",
    22: "RAID Chassis", 23: "Rack Mount Chassis", 24: "Sealed-case PC", 25: "Multi-system",
    26: "Compact PCI", 27: "Advanced TCA", 28: "Blade", 29: "Blade Enclosure", 30: "Tablet",
    31: "Convertible", 32: "Detachable", 33: "IoT Gateway", 34: "Embedded PC",
    35: "Mini PC", 36: "Stick PC",
}  # fmt: skip


def probe_dmidecode(host: Host) -> Outcome[DmiInfo]:
    try:
        res = host.run(["dmidecode"], timeout_s=30)
    except HostError as exc:
        return Outcome.failed(f"dmidecode: {exc}")
    if res.returncode != 0 or "No SMBIOS nor DMI entry point found" in res.error_text:
        msg = (res.error_text or res.text).strip().splitlines()
        return Outcome.absent(f"dmidecode: {msg[-1] if msg else 'no DMI tables'}")
    try:
        return Outcome.ok(parse_dmidecode(res.stdout))
    except ParseError as exc:
        return Outcome.failed(str(exc))


def probe_system(host: Host, dmi: Outcome[DmiInfo]) -> Outcome[SystemInfo]:
    """sysfs first (the kernel's copy of SMBIOS, readable without dmidecode); dmidecode
    fills what sysfs lacks (sysfs hides product_serial from non-root, for instance)."""
    if not host.exists(DMI_SYSFS) and dmi.value is None:
        return Outcome.absent("no DMI tables (/sys/class/dmi/id missing, dmidecode found none)")

    def sysfs(name: str) -> str | None:
        return clean(host.read_text_or(f"{DMI_SYSFS}/{name}"))

    chassis_num = sysfs("chassis_type")
    chassis: str | None = None
    if chassis_num is not None and chassis_num.isdigit():
        chassis = CHASSIS_TYPES.get(int(chassis_num))
    d = dmi.value

    def pick(own: str | None, fallback: str | None) -> str | None:
        return own if own is not None else clean(fallback)

    return Outcome.ok(
        SystemInfo(
            vendor=pick(sysfs("sys_vendor"), d.system.manufacturer if d else None),
            product=pick(sysfs("product_name"), d.system.product if d else None),
            version=pick(sysfs("product_version"), d.system.version if d else None),
            serial=pick(sysfs("product_serial"), d.system.serial if d else None),
            uuid=pick(sysfs("product_uuid"), d.system.uuid if d else None),
            sku=pick(sysfs("product_sku"), d.system.sku if d else None),
            family=pick(sysfs("product_family"), d.system.family if d else None),
            chassis_type=pick(chassis, d.chassis.type if d else None),
            asset_tag=pick(sysfs("chassis_asset_tag"), d.chassis.asset_tag if d else None),
            bios_vendor=pick(sysfs("bios_vendor"), d.bios.vendor if d else None),
            bios_version=pick(sysfs("bios_version"), d.bios.version if d else None),
            bios_date=pick(sysfs("bios_date"), d.bios.date if d else None),
        )
    )
