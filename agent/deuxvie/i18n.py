"""Operator-facing words in French (default) and English: the one home of the status words,
verdicts and test names the screen, the certificate and the label share, so the same
status never reads "NON EFFACÉ" on the screen and "IGNORÉ" on the certificate.

A pair is always (fr, en) and `pick(pair, lang)` is the only way to choose one.
Only the two certifiable statuses use the word EFFACÉ/ERASED (tests hold this line).
The operator screens' words live here too (steps, states, screen labels, durations and
rates): ui/styles.py keeps only their colours and icons.
"""

from __future__ import annotations

import re

from deuxvie.model.common import Reason

# Statuses of the certificate beyond ErasureStatus (deuxvie.certificate.facts):
INCONSISTENT = "INCONSISTENT"  # the record contradicts its own claim
NO_DISK = "NO_DISK"  # the report holds no erasure record at all

ERASURE_WORDS: dict[str, tuple[str, str]] = {
    "ERASED": ("EFFACÉ", "ERASED"),
    "ERASED_WITH_WARNINGS": ("EFFACÉ avec réserves", "ERASED with warnings"),
    "FAILED": ("ÉCHEC de l'effacement", "Erasure FAILED"),
    "INTERRUPTED": ("INTERROMPU, non certifié", "INTERRUPTED, not certified"),
    "SKIPPED": ("IGNORÉ, aucun effacement", "SKIPPED, no erasure done"),
    INCONSISTENT: ("NON CERTIFIÉ, rapport incohérent", "NOT CERTIFIED, inconsistent record"),
    NO_DISK: ("Aucun disque interne traité", "No internal disk processed"),
}

# The short status word of a disk on a screen cell (the station screen): each stands, word
# for word, inside the certificate's ERASURE_WORDS above.
ERASURE_STATUS: dict[str, tuple[str, str]] = {
    "ERASED": ("EFFACÉ", "ERASED"),
    "ERASED_WITH_WARNINGS": ("EFFACÉ avec réserves", "ERASED with warnings"),
    "FAILED": ("ÉCHEC", "FAILED"),
    "INTERRUPTED": ("INTERROMPU", "INTERRUPTED"),
    "SKIPPED": ("IGNORÉ", "SKIPPED"),
}

# A diagnostic's status (model.diagnostics.TestStatus values) in a step's summary line.
TEST_STATUS_WORDS: dict[str, tuple[str, str]] = {
    "passed": ("OK", "OK"),
    "warning": ("avertissement", "warning"),
    "failed": ("ÉCHEC", "FAILED"),
    "untested": ("non testé", "untested"),
}

VERDICT_WORDS: dict[str, tuple[str, str]] = {
    "PASS": ("PASS", "PASS"),
    "PASS_WITH_WARNINGS": ("PASS avec réserves", "PASS with warnings"),
    "FAIL": ("FAIL", "FAIL"),
}
NOT_GRADED = ("NON ÉVALUÉ", "NOT GRADED")

# A grade component's status (model.grade.ComponentGrade.status) in `deuxvie grade`.
COMPONENT_WORDS: dict[str, tuple[str, str]] = {
    "pass": ("OK", "OK"),
    "warn": ("ATTENTION", "WARNING"),
    "fail": ("ÉCHEC", "FAIL"),
    "untested": ("NON TESTÉ", "UNTESTED"),
}

# What a verdict means for the machine (the screen's subtitle under the big word).
VERDICT_MEANING: dict[str, tuple[str, str]] = {
    "PASS": ("Bon pour le reconditionnement", "Fit for refurbishing"),
    "PASS_WITH_WARNINGS": (
        "Bon pour le reconditionnement, avec réserves",
        "Fit for refurbishing, with warnings",
    ),
    "FAIL": ("À réparer ou à recycler", "Repair or recycle"),
}

# The grade's test names (deuxvie.grading.grade items "NAME" or "NAME:DISK").
TEST_WORDS: dict[str, tuple[str, str]] = {
    "smart": ("santé SMART", "SMART health"),
    "selftest": ("autotest", "self-test"),
    "surface": ("lecture de surface", "surface scan"),
    "erasure": ("effacement", "erasure"),
    "cpu_stress": ("test du processeur", "CPU stress test"),
    "ram": ("test de la mémoire", "memory test"),
    "battery": ("test de la batterie", "battery test"),
}


# The PC functions (issue #12: deuxvie.functions), their statuses and how each was checked.
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

FUNCTION_STATUS_WORDS: dict[str, tuple[str, str]] = {
    "PASSED": ("OK", "passed"),
    "FAILED": ("EN PANNE", "FAILED"),
    "UNTESTED": ("non testé", "untested"),
    "ABSENT": ("absent", "absent"),
}

FUNCTION_METHOD_WORDS: dict[str, tuple[str, str]] = {
    "inventory": ("inventaire", "inventory"),
    "automatic": ("automatique", "automatic"),
    "attended": ("avec l'opérateur", "with the operator"),
}


def pick(pair: tuple[str, str], lang: str) -> str:
    """The French (lang "fr") or English word of a (fr, en) pair."""
    return pair[0] if lang == "fr" else pair[1]


def reason(code: str, fr: str, en: str) -> Reason:
    return Reason(code=code, fr=fr, en=en)


def both(fr: str, en: str) -> str:
    """One line for screens shown to French workshops that also serve English speakers."""
    return f"{fr} / {en}"


def both_words(pair: tuple[str, str]) -> str:
    """A status word in both languages, once where they say the same ("PASS", "OK")."""
    return pair[0] if pair[0] == pair[1] else both(*pair)


def item_words(name: str, disk: str | None = None) -> tuple[str, str]:
    """'santé SMART du disque Samsung SSD 860 (sda)' for a grade item, in words."""
    fr, en = TEST_WORDS.get(name, (name, name))
    if disk:
        return f"{fr} du disque {disk}", f"{en} of disk {disk}"
    return fr, en


# French typography (Imprimerie nationale, "Lexique des règles typographiques"): a no-break
# space before ":" and a narrow no-break space before ";", "!", "?", so a colon never starts
# a line; thousands grouped by a narrow no-break space; decimal comma.
NBSP = "\u00a0"
NNBSP = "\u202f"
_BEFORE_COLON = re.compile(r" :(?=\s|$)")
_BEFORE_PUNCT = re.compile(r" ([;!?])(?=\s|$)")


def typography(text: str, lang: str) -> str:
    """`text` with French spacing rules applied when lang is "fr" (else unchanged)."""
    if lang != "fr":
        return text
    text = _BEFORE_COLON.sub(NBSP + ":", text)
    return _BEFORE_PUNCT.sub(NNBSP + r"\1", text)


def number(value: float, lang: str, decimals: int = 0) -> str:
    """1234567.8 -> '1 234 567,8' (fr, narrow no-break spaces) or '1,234,567.8' (en)."""
    text = f"{value:,.{decimals}f}"
    if lang != "fr":
        return text
    return text.replace(",", NNBSP).replace(".", ",")


# --- The operator screens (ui/, hotplug/screen.py) ---------------------------------------

# Steps of a run (pipeline.steps.StepName values): every registered step has its words here
# (tests/pipeline/test_steps_conformance.py).
STEP_NAMES: dict[str, tuple[str, str]] = {
    "inventory": ("Inventaire", "Inventory"),
    "smart": ("Santé des disques (SMART)", "Disk health (SMART)"),
    "selftest": ("Autotest des disques", "Disk self-test"),
    "cpu": ("Test du processeur", "CPU stress test"),
    "functions": ("Fonctions du PC", "PC functions"),
    "ram": ("Test de la mémoire", "Memory test"),
    "surface": ("Lecture de surface", "Surface scan"),
    "wipe": ("Effacement des disques", "Disk erasure"),
    "grade": ("Classement", "Grading"),
    "report": ("Rapport signé", "Signed report"),
    "certificate": ("Certificat d'effacement", "Erasure certificate"),
    "label": ("Étiquette", "Label"),
    "upload": ("Envoi au service", "Upload"),
}

# States of a step (pipeline.steps.StepState values).
STATE_WORDS: dict[str, tuple[str, str]] = {
    "pending": ("en attente", "pending"),
    "running": ("en cours", "running"),
    "done": ("fait", "done"),
    "failed": ("échec", "failed"),
    "skipped": ("sauté", "skipped"),
    "untested": ("non testé", "untested"),
}

SCREEN_WORDS: dict[str, tuple[str, str]] = {
    "title": ("deuxvie — diagnostic et effacement", "deuxvie — diagnostics and erasure"),
    "no_verdict": ("pas de verdict : classement indisponible", "no verdict: grading unavailable"),
    "reasons": ("Raisons", "Reasons"),
    "suggestion": ("Conseil", "Suggestion"),
    "untested": ("Non testé", "Not tested"),
    "erasure": ("Effacement", "Erasure"),
    "functions": ("Fonctions du PC", "PC functions"),
    "label": ("Étiquette", "Label"),
    "upload": ("Rapport", "Report"),
    "certificate": ("Certificat", "Certificate"),
    "problems": ("Étapes en échec", "Failed steps"),
    "interrupted": ("RUN INTERROMPU", "RUN INTERRUPTED"),
    "duration": ("Durée", "Duration"),
    "confirm_title": ("Effacement définitif", "Permanent erasure"),
    "will_wipe": ("Ces disques vont être effacés :", "These disks will be erased:"),
    "wont_wipe": ("Non effacés :", "Not erased:"),
    "question": (
        "Effacer DÉFINITIVEMENT ces {n} disque(s) ? Tapez « oui » pour confirmer : ",
        "Erase these {n} disk(s) PERMANENTLY? Type “yes” to confirm: ",
    ),
    "confirmed": ("Effacement confirmé.", "Erasure confirmed."),
    "declined": (
        "Effacement refusé : aucun disque ne sera effacé.",
        "Erasure refused: no disk will be erased.",
    ),
    "none_label": ("pas d'étiquette", "no label"),
    "not_sent": ("gardé sur la clé (envoi plus tard)", "kept on the stick (upload later)"),
}

YES = frozenset({"oui", "o", "yes", "y"})


def screen_word(key: str, lang: str) -> str:
    """A screen label of SCREEN_WORDS in the operator's language."""
    return pick(SCREEN_WORDS[key], lang)


def duration_text(seconds: float | None, lang: str = "fr") -> str:
    if seconds is None or seconds < 0:
        return "—"
    s = round(seconds)
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    if h:
        return f"{h} h {m:02d} min"
    if m:
        return f"{m} min {s:02d} s"
    return f"{s} s"


def rate_text(bytes_per_s: float | None, lang: str = "fr") -> str:
    if bytes_per_s is None:
        return ""
    unit = "Mo/s" if lang == "fr" else "MB/s"
    text = f"{bytes_per_s / 1e6:.0f}" if bytes_per_s >= 1e7 else f"{bytes_per_s / 1e6:.1f}"
    return f"{text.replace('.', ',') if lang == 'fr' else text} {unit}"
