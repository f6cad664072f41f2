"""Operator-facing names of the functions and their statuses (French first)."""

from __future__ import annotations

from typing import Any

FUNCTION_NAMES: dict[str, tuple[str, str]] = {
    "screen": ("Écran", "Screen"),
    "backlight": ("Rétroéclairage", "Backlight"),
    "keyboard": ("Clavier", "Keyboard"),
    "pointing": ("Pavé tactile / souris", "Touchpad / mouse"),
    "audio_out": ("Haut-parleurs", "Speakers"),
    "audio_in": ("Microphone", "Microphone"),
    "webcam": ("Webcam", "Webcam"),
    "wifi": ("Wi-Fi", "Wi-Fi"),
    "ethernet": ("Ethernet", "Ethernet"),
    "bluetooth": ("Bluetooth", "Bluetooth"),
    "usb": ("Ports USB", "USB ports"),
    "battery_charge": ("Charge de la batterie", "Battery charging"),
    "fans": ("Ventilateurs", "Fans"),
    "optical": ("Lecteur optique", "Optical drive"),
}

STATUS_WORDS: dict[str, tuple[str, str]] = {
    "PASSED": ("OK", "passed"),
    "FAILED": ("EN PANNE", "FAILED"),
    "UNTESTED": ("non testé", "untested"),
    "ABSENT": ("absent", "absent"),
}

METHOD_WORDS: dict[str, tuple[str, str]] = {
    "inventory": ("inventaire", "inventory"),
    "automatic": ("automatique", "automatic"),
    "attended": ("avec l'opérateur", "with the operator"),
}


def _pick(pair: tuple[str, str] | None, lang: str, fallback: str) -> str:
    return fallback if pair is None else (pair[0] if lang == "fr" else pair[1])


def function_rows(functions: list[dict[str, Any]], lang: str) -> list[tuple[str, str, str]]:
    """(name, status word, detail) per function of a report's `functions` array."""
    rows = []
    for f in functions:
        fid, status, method = str(f.get("id")), str(f.get("status")), str(f.get("method"))
        reasons = f.get("reasons") or []
        detail = "; ".join(str(r.get(lang) or r.get("en") or "") for r in reasons
                           if isinstance(r, dict))
        how = _pick(METHOD_WORDS.get(method), lang, method)
        who = f.get("answered_by")
        if who:
            how += f" ({who})"
        rows.append((_pick(FUNCTION_NAMES.get(fid), lang, fid),
                     _pick(STATUS_WORDS.get(status), lang, status),
                     f"{how}" + (f" — {detail}" if detail else "")))
    return rows
