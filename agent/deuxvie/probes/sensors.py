"""Backlight, fans (hwmon), power supplies (AC, battery status) and optical drives."""

from __future__ import annotations

from deuxvie.host import Host
from deuxvie.model.functions import Backlight, Fan, OpticalDrive, PowerSource

BACKLIGHT = "/sys/class/backlight"
HWMON = "/sys/class/hwmon"
PS = "/sys/class/power_supply"
BLOCK = "/sys/block"
CDROM_INFO = "/proc/sys/dev/cdrom/info"


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _entries(host: Host, path: str) -> list[str]:
    return host.listdir(path) if host.exists(path) else []


def probe_backlights(host: Host) -> tuple[Backlight, ...]:
    return tuple(
        Backlight(name=n, kind=host.read_text_or(f"{BACKLIGHT}/{n}/type"),
                  brightness=_int(host.read_text_or(f"{BACKLIGHT}/{n}/brightness")),
                  max_brightness=_int(host.read_text_or(f"{BACKLIGHT}/{n}/max_brightness")))
        for n in _entries(host, BACKLIGHT))


def probe_fans(host: Host) -> tuple[Fan, ...]:
    fans: list[Fan] = []
    for hw in _entries(host, HWMON):
        base = f"{HWMON}/{hw}"
        chip = host.read_text_or(f"{base}/name") or hw
        for f in _entries(host, base):
            if f.startswith("fan") and f.endswith("_input"):
                stem = f.removesuffix("_input")
                fans.append(Fan(chip=chip, label=host.read_text_or(f"{base}/{stem}_label", stem)
                                or stem, rpm=_int(host.read_text_or(f"{base}/{f}")),
                                path=f"{base}/{f}"))
    return tuple(fans)


def sample_fans(host: Host, fans: tuple[Fan, ...]) -> dict[str, int | None]:
    """One reading of every fan by "chip/label" (the CPU stress calls it each second)."""
    return {f"{f.chip}/{f.label}": _int(host.read_text_or(f.path)) for f in fans}


def probe_power(host: Host) -> tuple[PowerSource, ...]:
    out: list[PowerSource] = []
    for n in _entries(host, PS):
        base = f"{PS}/{n}"
        kind = host.read_text_or(f"{base}/type") or "Unknown"
        if host.read_text_or(f"{base}/scope") == "Device":
            continue  # a wireless mouse's battery
        online = host.read_text_or(f"{base}/online")
        current = host.read_text_or(f"{base}/current_now") or host.read_text_or(
            f"{base}/power_now")
        out.append(PowerSource(name=n, kind=kind,
                               online=None if online is None else online == "1",
                               status=host.read_text_or(f"{base}/status"),
                               current_ua=_int(current)))
    return tuple(out)


def probe_optical(host: Host) -> tuple[OpticalDrive, ...]:
    info = host.read_text_or(CDROM_INFO, "") or ""
    writers: dict[str, bool] = {}
    names: list[str] = []
    for line in info.splitlines():
        key, _, rest = line.partition(":")
        if key.strip() == "drive name":
            names = rest.split()
        elif key.strip() == "Can write CD-R":
            writers = {n: v == "1" for n, v in zip(names, rest.split(), strict=False)}
    return tuple(
        OpticalDrive(name=b, model=host.read_text_or(f"{BLOCK}/{b}/device/model"),
                     can_write=writers.get(b))
        for b in _entries(host, BLOCK) if b.startswith("sr"))
