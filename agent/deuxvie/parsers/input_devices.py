"""/proc/bus/input/devices -> InputDevice (pure).

Each block is `I:` (bus/vendor/product), `N:` name, `P:` phys, `S:` sysfs, `H:` handlers and
`B:` capability bitmaps. Bitmaps are printed as unsigned longs, most significant first
(drivers/input/input.c input_seq_print_bitmap); deuxvie runs on x86-64, so 64 bits a word.
Classification follows udev's input_id builtin (src/udev/udev-builtin-input_id.c): a
keyboard has the first 32 key codes but KEY_RESERVED; a mouse has REL_X/REL_Y and
BTN_LEFT (or a tablet ABS_X/ABS_Y); a touchpad ABS_X/ABS_Y with BTN_TOOL_FINGER.
"""

from __future__ import annotations

from deuxvie.model.functions import InputDevice
from deuxvie.parsers.errors import ParseError

WORD_BITS = 64
# include/uapi/linux/input.h BUS_* values.
_BUS = {0x03: "usb", 0x05: "bluetooth", 0x06: "virtual", 0x11: "i8042", 0x18: "i2c",
        0x19: "host", 0x01: "pci", 0x10: "isa"}
EV_KEY, EV_REL, EV_ABS, EV_SW = 1, 2, 3, 5
BTN_LEFT, BTN_TOOL_FINGER, BTN_TOUCH = 0x110, 0x145, 0x14A
SW_LID = 0


def bitmap(text: str) -> set[int]:
    """Set bits of one `B:` bitmap ("120013" or "402000000 3803078f800d001 ...")."""
    bits: set[int] = set()
    words = text.split()
    for i, word in enumerate(reversed(words)):
        try:
            value = int(word, 16)
        except ValueError as exc:
            raise ParseError(f"input bitmap: not hex: {word!r}") from exc
        n = 0
        while value:
            if value & 1:
                bits.add(i * WORD_BITS + n)
            value >>= 1
            n += 1
    return bits


def _kind(caps: dict[str, set[int]]) -> str:
    ev, key = caps.get("EV", set()), caps.get("KEY", set())
    rel, absolute = caps.get("REL", set()), caps.get("ABS", set())
    if EV_SW in ev and SW_LID in caps.get("SW", set()):
        return "switch"
    if EV_KEY in ev and set(range(1, 32)) <= key:
        return "keyboard"
    if EV_REL in ev and {0, 1} <= rel and BTN_LEFT in key:
        return "pointing"
    if EV_ABS in ev and {0, 1} <= absolute and (BTN_TOOL_FINGER in key or BTN_LEFT in key
                                              or BTN_TOUCH in key):
        return "pointing"
    return "other"


def _fields(line: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in line.split():
        k, sep, v = part.partition("=")
        if sep:
            out[k] = v
    return out


def parse_input_devices(text: str | bytes) -> tuple[InputDevice, ...]:
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    devices: list[InputDevice] = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = [ln for ln in block.splitlines() if ln.strip()]
        if not lines:
            continue
        head: dict[str, str] = {}
        caps: dict[str, set[int]] = {}
        name = phys = sysfs = None
        handlers: tuple[str, ...] = ()
        for line in lines:
            tag, sep, rest = line.partition(": ")
            if not sep:
                raise ParseError(f"input devices: unexpected line {line[:60]!r}")
            rest = rest.strip()
            if tag == "I":
                head = _fields(rest)
            elif tag == "N":
                name = rest.removeprefix("Name=").strip('"')
            elif tag == "P":
                phys = rest.removeprefix("Phys=") or None
            elif tag == "S":
                sysfs = rest.removeprefix("Sysfs=") or None
            elif tag == "H":
                handlers = tuple(rest.removeprefix("Handlers=").split())
            elif tag == "B":
                k, _, v = rest.partition("=")
                caps[k] = bitmap(v)
        if "Bus" not in head or name is None:
            raise ParseError("input devices: a block without I: Bus= or N: Name=")
        try:
            bus_code = int(head["Bus"], 16)
        except ValueError as exc:
            raise ParseError(f"input devices: bus {head['Bus']!r}") from exc
        kind = _kind(caps)
        devices.append(InputDevice(
            name=name, bus=_BUS.get(bus_code, "other"), vendor=head.get("Vendor"),
            product=head.get("Product"), phys=phys, sysfs=sysfs, handlers=handlers,
            kind="other" if kind == "switch" else kind, key_count=len(caps.get("KEY", ())),
            lid_switch=kind == "switch"))
    # An empty file is a machine with no input device at all (a headless VM).
    return tuple(devices)
