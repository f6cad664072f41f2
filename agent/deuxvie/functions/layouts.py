"""Keyboard layouts of the guided keyboard check: Linux key codes (include/uapi/linux/
input-event-codes.h, physical positions) with the label each layout prints on the key.

The keys are the main block every laptop has: no numeric pad, no Insert/Home/End/Page keys
(many laptops reach them through Fn, which the kernel never sees), no SysRq (it would talk
to the kernel's magic SysRq handler). AZERTY (fr) is an ISO keyboard: it has the <> key
(KEY_102ND) that US QWERTY (en, ANSI) lacks.
"""

from __future__ import annotations

KEY_ESC, KEY_ENTER, KEY_D, KEY_S = 1, 28, 32, 31

_COMMON: dict[int, str] = {
    1: "Échap", 14: "⌫", 15: "Tab", 28: "Entrée", 29: "Ctrl", 42: "Maj", 54: "Maj",
    56: "Alt", 57: "Espace", 58: "Verr.Maj", 97: "Ctrl", 100: "AltGr", 103: "↑", 105: "←",
    106: "→", 108: "↓", 111: "Suppr", 125: "⊞",
    **{59 + i: f"F{i + 1}" for i in range(10)}, 87: "F11", 88: "F12",
}
_EN_NAMES = {1: "Esc", 14: "Bksp", 28: "Enter", 42: "Shift", 54: "Shift", 57: "Space",
             58: "Caps", 100: "AltGr", 111: "Del"}

AZERTY: dict[int, str] = {
    **_COMMON,
    41: "²", 2: "&", 3: "é", 4: '"', 5: "'", 6: "(", 7: "-", 8: "è", 9: "_", 10: "ç", 11: "à",
    12: ")", 13: "=",
    16: "A", 17: "Z", 18: "E", 19: "R", 20: "T", 21: "Y", 22: "U", 23: "I", 24: "O", 25: "P",
    26: "^", 27: "$",
    30: "Q", 31: "S", 32: "D", 33: "F", 34: "G", 35: "H", 36: "J", 37: "K", 38: "L", 39: "M",
    40: "ù", 43: "*",
    86: "<", 44: "W", 45: "X", 46: "C", 47: "V", 48: "B", 49: "N", 50: ",", 51: ";", 52: ":",
    53: "!",
}
QWERTY: dict[int, str] = {
    **_COMMON, **_EN_NAMES,
    41: "`", **{2 + i: str((i + 1) % 10) for i in range(10)}, 12: "-", 13: "=",
    16: "Q", 17: "W", 18: "E", 19: "R", 20: "T", 21: "Y", 22: "U", 23: "I", 24: "O", 25: "P",
    26: "[", 27: "]",
    30: "A", 31: "S", 32: "D", 33: "F", 34: "G", 35: "H", 36: "J", 37: "K", 38: "L", 39: ";",
    40: "'", 43: "\\",
    44: "Z", 45: "X", 46: "C", 47: "V", 48: "B", 49: "N", 50: "M", 51: ",", 52: ".", 53: "/",
}
LAYOUTS = {"fr": AZERTY, "en": QWERTY}

ROWS: tuple[tuple[int, ...], ...] = (
    (1, *range(59, 69), 87, 88, 111),
    (41, *range(2, 14), 14),
    (15, *range(16, 28), 28),
    (58, *range(30, 41), 43),
    (42, 86, *range(44, 54), 54),
    (29, 125, 56, 57, 100, 97, 105, 103, 108, 106),
)


def layout_keys(layout: str) -> dict[int, str]:
    if layout not in LAYOUTS:
        raise ValueError(f"unknown keyboard layout {layout!r} (known: {', '.join(LAYOUTS)})")
    return LAYOUTS[layout]


def draw(layout: str, pressed: set[int]) -> str:
    """The on-screen keyboard: pressed keys lit (reverse video), the others in brackets."""
    keys = layout_keys(layout)
    lines = []
    for row in ROWS:
        cells = []
        for code in row:
            if code not in keys:
                continue
            label = keys[code]
            cells.append(f"\x1b[7m {label} \x1b[0m" if code in pressed else f"[{label}]")
        lines.append(" ".join(cells))
    return "\n".join(lines)
