"""Screens: every /sys/class/drm/<card>-<connector>/edid."""

from __future__ import annotations

from deuxvie.host import Host
from deuxvie.model.common import Outcome
from deuxvie.model.inventory import Screen
from deuxvie.parsers import ParseError
from deuxvie.parsers.edid import parse_edid

DRM = "/sys/class/drm"
# Connector types that are the machine's own panel (kernel drm_connector type names).
INTERNAL_CONNECTORS = ("eDP", "LVDS", "DSI")


def probe_screens(host: Host) -> Outcome[tuple[Screen, ...]]:
    if not host.exists(DRM):
        return Outcome.absent("no DRM devices (/sys/class/drm missing: no GPU driver loaded)")
    try:
        entries = host.listdir(DRM)
    except OSError as exc:
        return Outcome.failed(f"{DRM}: {exc}")
    screens: list[Screen] = []
    for entry in entries:
        if not entry.startswith("card") or "-" not in entry:
            continue
        connector_type = entry.split("-", 1)[1]
        try:
            blob = host.read_bytes(f"{DRM}/{entry}/edid")
        except OSError:
            continue
        if not blob:
            continue  # connector without a monitor: the kernel exposes an empty file
        internal = connector_type.startswith(INTERNAL_CONNECTORS)
        try:
            screens.append(Screen(connector=entry, internal=internal, edid=parse_edid(blob)))
        except ParseError as exc:
            screens.append(
                Screen(connector=entry, internal=internal, edid=None, edid_error=str(exc))
            )
    if not screens:
        return Outcome.absent("no connected screen reports an EDID")
    return Outcome.ok(tuple(screens))
