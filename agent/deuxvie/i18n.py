"""Operator-facing words in French (default) and English: the one home of the status words,
verdicts and test names the screen, the certificate and the label share, so the same
status never reads "NON EFFACÉ" on the screen and "IGNORÉ" on the certificate.

A pair is always (fr, en) and `pick(pair, lang)` is the only way to choose one.
Only the two certifiable statuses use the word EFFACÉ/ERASED (tests hold this line).
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

VERDICT_WORDS: dict[str, tuple[str, str]] = {
    "PASS": ("PASS", "PASS"),
    "PASS_WITH_WARNINGS": ("PASS avec réserves", "PASS with warnings"),
    "FAIL": ("FAIL", "FAIL"),
}
NOT_GRADED = ("NON ÉVALUÉ", "NOT GRADED")

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


def pick(pair: tuple[str, str], lang: str) -> str:
    """The French (lang "fr") or English word of a (fr, en) pair."""
    return pair[0] if lang == "fr" else pair[1]


def reason(code: str, fr: str, en: str) -> Reason:
    return Reason(code=code, fr=fr, en=en)


def both(fr: str, en: str) -> str:
    """One line for screens shown to French workshops that also serve English speakers."""
    return f"{fr} / {en}"


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
