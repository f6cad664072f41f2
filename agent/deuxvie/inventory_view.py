"""The inventory as a readable table (French or English). Unknown shows as unknown."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from deuxvie.model.common import Outcome, ProbeStatus
from deuxvie.model.inventory import Inventory

T = TypeVar("T")

WORDS = {
    "fr": {
        "unknown": "inconnu", "absent": "absent", "failed": "échec",
        "system": "Système", "firmware": "Micrologiciel", "cpu": "Processeur",
        "memory": "Mémoire", "disks": "Disques", "screens": "Écrans",
        "batteries": "Batteries", "network": "Réseau", "gpus": "Cartes graphiques",
        "title": "Inventaire", "boot": "support de démarrage", "in_use": "utilisé",
        "slots": "emplacements", "empty": "vides", "health": "santé", "cycles": "cycles",
        "hours": "h de fonctionnement", "internal": "interne", "external": "externe",
        "yes": "oui", "no": "non",
    },
    "en": {
        "unknown": "unknown", "absent": "absent", "failed": "failed",
        "system": "System", "firmware": "Firmware", "cpu": "CPU",
        "memory": "Memory", "disks": "Disks", "screens": "Screens",
        "batteries": "Batteries", "network": "Network", "gpus": "GPUs",
        "title": "Inventory", "boot": "boot medium", "in_use": "in use",
        "slots": "slots", "empty": "empty", "health": "health", "cycles": "cycles",
        "hours": "power-on hours", "internal": "internal", "external": "external",
        "yes": "yes", "no": "no",
    },
}  # fmt: skip


def _gib(n: int | None) -> str:
    return "?" if n is None else f"{n / 2**30:.1f} GiB"


def _gb(n: int | None) -> str:
    return "?" if n is None else f"{n / 1e9:.1f} GB"


def _v(value: Any, w: dict[str, str]) -> str:
    if isinstance(value, bool):
        return w["yes"] if value else w["no"]
    return w["unknown"] if value is None or value == "" else str(value)


def _rows(outcome: Outcome[T], w: dict[str, str], render: Callable[[T], list[str]]) -> list[str]:
    if outcome.status is ProbeStatus.OK and outcome.value is not None:
        return render(outcome.value)
    word = w["absent"] if outcome.status is ProbeStatus.ABSENT else w["failed"]
    return [f"{word}: {outcome.reason or ''}".rstrip(": ")]


def render_inventory(inv: Inventory, lang: str = "fr") -> Table:
    w = WORDS.get(lang, WORDS["fr"])
    table = Table(title=w["title"], show_lines=True, show_header=False, expand=False)
    table.add_column("", style="bold")
    table.add_column("")

    def add(key: str, lines: list[str]) -> None:
        # escape(): "[sata_ssd]" or "[0x058f:0x6387]" must print, not be read as rich markup
        table.add_row(w[key], escape("\n".join(lines)) if lines else w["absent"])

    add(
        "system",
        _rows(
            inv.system,
            w,
            lambda s: [
                f"{_v(s.vendor, w)} {_v(s.product, w)} ({_v(s.chassis_type, w)})",
                f"S/N {_v(s.serial, w)}  UUID {_v(s.uuid, w)}",
                f"BIOS {_v(s.bios_vendor, w)} {_v(s.bios_version, w)} {_v(s.bios_date, w)}",
            ],
        ),
    )
    add(
        "firmware",
        _rows(
            inv.firmware,
            w,
            lambda f: [
                f"{f.boot_mode.upper()}  Secure Boot: {_v(f.secure_boot, w)}  "
                f"TPM: {_v(f.tpm_version if f.tpm_present else None, w)}",
            ],
        ),
    )
    add(
        "cpu",
        _rows(
            inv.cpu,
            w,
            lambda c: [
                f"{_v(c.model_name, w)}",
                f"{_v(c.sockets, w)} × {_v(c.cores, w)}c/{_v(c.threads, w)}t, "
                f"{_v(c.max_mhz, w)} MHz, {' '.join(c.flags)}",
            ],
        ),
    )
    add(
        "memory",
        _rows(
            inv.memory,
            w,
            lambda m: [
                f"{_gib(m.total_bytes)} ({m.source})"
                + (f", {m.slots} {w['slots']}, {m.empty_slots} {w['empty']}" if m.slots else ""),
                *[
                    f"  {_v(x.locator, w)}: {_gib(x.size_bytes)} {_v(x.type, w)} "
                    f"{_v(x.speed_mts, w)} MT/s {_v(x.manufacturer, w)} {_v(x.part_number, w)}"
                    for x in m.modules
                ],
            ],
        ),
    )
    add(
        "disks",
        _rows(
            inv.disks,
            w,
            lambda ds: [
                f"{d.name} [{d.kind.value}] {_v(d.model, w)} "
                f"S/N {_v(d.serial, w)} {_gb(d.size_bytes)}"
                + (f", {d.power_on_hours} {w['hours']}" if d.power_on_hours is not None else "")
                + (f" — {w['boot']}" if d.is_boot_medium else "")
                + (f" — {w['in_use']}" if (d.mounted or d.holders) and not d.is_boot_medium else "")
                + ("" if d.smart.value else f"\n    {d.smart.reason}")
                for d in ds
            ],
        ),
    )
    add(
        "screens",
        _rows(
            inv.screens,
            w,
            lambda ss: [
                f"{s.connector} ({w['internal'] if s.internal else w['external']}): "
                + (
                    f'{s.edid.manufacturer} {_v(s.edid.name, w)} {_v(s.edid.diagonal_in, w)}" '
                    + (
                        f"{s.edid.preferred.width}x{s.edid.preferred.height}"
                        if s.edid.preferred
                        else ""
                    )
                    if s.edid
                    else _v(s.edid_error, w)
                )
                for s in ss
            ],
        ),
    )
    add(
        "batteries",
        _rows(
            inv.batteries,
            w,
            lambda bs: [
                f"{b.name}: {_v(b.manufacturer, w)} {_v(b.model, w)} {w['health']} "
                f"{_v(b.health_pct, w)} %, {w['cycles']} {_v(b.cycle_count, w)} ({b.source})"
                for b in bs
            ],
        ),
    )
    add(
        "network",
        _rows(
            inv.network, w, lambda ns: [f"{n.name} {n.mac} {n.kind} {_v(n.driver, w)}" for n in ns]
        ),
    )
    add("gpus", _rows(inv.gpus, w, lambda gs: [g.description for g in gs]))
    return table


def print_inventory(inv: Inventory, lang: str = "fr", console: Console | None = None) -> None:
    (console or Console()).print(render_inventory(inv, lang))
