"""Guided USB port walk: the operator plugs one stick into each port in turn; the agent
watches sysfs for it to enumerate on each root-hub port and lists the ports never seen.

Only a device enumerating proves a port (its pins, its power, its controller lane); the
automatic check only sees that the root hubs exist. A connector is a USB 2 port plus, on
xHCI, its SuperSpeed `peer` (the same hole): a stick seen on either proves it. Ports ACPI
calls "hardwired" (the webcam, the Bluetooth module inside) or "not used" are not asked;
a device already there at the start (the boot stick, a USB keyboard) already proves its
port. Polling sysfs rather than a udev monitor keeps the check on the injected `Host`
(replayable, testable) and half a second is quick enough for a person plugging a stick.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from deuxvie.functions.layouts import KEY_ENTER, KEY_ESC, KEY_S
from deuxvie.functions.operator import Operator, answered, skipped
from deuxvie.host import Host
from deuxvie.i18n import reason
from deuxvie.model.functions import FunctionResult, FunctionStatus, UsbPort
from deuxvie.probes.usb import probe_usb_ports, root_port, usb_device_names

S = FunctionStatus
INTERNAL = ("hardwired", "not used")


def connectors(ports: Sequence[UsbPort]) -> list[tuple[str, ...]]:
    """External connectors, each the sorted names of its ports ("1-3", "2-3"), in port
    order. A connector is external unless every one of its ports is internal by ACPI."""
    by_name = {p.name: p for p in ports}
    groups: dict[str, set[str]] = {}
    for p in ports:
        group = {p.name} | ({p.peer} if p.peer in by_name else set())
        for name in list(group):
            group |= groups.get(name, set())
        for name in group:
            groups[name] = group
    seen: set[frozenset[str]] = set()
    out: list[tuple[str, ...]] = []
    for p in ports:
        g = frozenset(groups[p.name])
        if g in seen:
            continue
        seen.add(g)
        if all(by_name[n].connect_type in INTERNAL for n in g):
            continue
        out.append(tuple(sorted(g, key=lambda n: tuple(int(x) for x in n.split("-")))))
    return out


def _label(conn: tuple[str, ...]) -> str:
    return "/".join(conn)


def check_usb_ports(op: Operator, host: Host, *, poll_s: float = 0.5,
                    clock: Callable[[], float] = time.monotonic) -> FunctionResult:
    known = usb_device_names(host)  # before the ports: a stick plugged meanwhile is new
    ports = probe_usb_ports(host)
    conns = connectors(ports)
    if not conns:
        return answered("usb", S.UNTESTED, op, {"ports": [p.name for p in ports]}, reason(
            "usb.no_external_port", "Aucun port USB externe trouvé (ACPI : tous internes)",
            "No external USB port found (ACPI: all internal)"))
    by_port = {n: c for c in conns for n in c}
    at_start = {by_port[root_port(d)] for d in known if root_port(d) in by_port}
    seen: dict[tuple[str, ...], str] = {c: "present at start" for c in at_start}
    op.say(f"PORTS USB : branchez la clé dans chaque port, l'un après l'autre "
           f"({len(conns)} ports, {len(at_start)} déjà occupés). "
           "Entrée = fini, S = impossible.",
           f"USB PORTS: plug the stick into each port in turn ({len(conns)} ports, "
           f"{len(at_start)} already in use). Enter = done, S = cannot test.")

    def board() -> None:
        marks = "  ".join(f"[{'x' if c in seen else ' '}] {_label(c)}" for c in conns)
        op.out.write(f"{marks}\n")
        op.out.flush()

    board()
    answer: str | None = None
    deadline = clock() + op.answer_timeout_s
    while len(seen) < len(conns):
        if clock() > deadline:
            break
        key = op.events.next_key(poll_s)
        if key == KEY_ENTER:
            answer = "done"
            break
        if key in (KEY_S, KEY_ESC):
            answer = "skip"
            break
        now = usb_device_names(host)
        for dev in sorted(now - known):
            conn = by_port.get(root_port(dev))
            if conn is not None and conn not in seen:
                seen[conn] = dev
                deadline = clock() + op.answer_timeout_s  # each stick buys more time
                # the rig (and a workshop script) waits for this line before unplugging
                op.say(f"Port USB {_label(conn)} : clé vue ({dev})",
                       f"deuxvie-guided: usb port {_label(conn)} seen ({dev})")
                board()
        known = now
    never = [_label(c) for c in conns if c not in seen]
    ev = {"ports": [_label(c) for c in conns], "seen": {_label(c): d for c, d in seen.items()},
          "never_seen": never, "answer": answer}
    if not never:
        return answered("usb", S.PASSED, op, ev)
    if answer == "done":
        return answered("usb", S.FAILED, op, ev, reason(
            "usb.ports_dead", f"Ports USB sans réaction : {', '.join(never)}",
            f"USB ports that never saw the stick: {', '.join(never)}"))
    gave_up = skipped("usb", op, "skip" if answer == "skip" else None)
    return answered("usb", S.UNTESTED, op, ev, *gave_up.reasons)
