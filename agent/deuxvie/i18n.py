"""Operator-facing text in French (default) and English."""

from __future__ import annotations

from deuxvie.model.common import Reason


def reason(code: str, fr: str, en: str) -> Reason:
    return Reason(code=code, fr=fr, en=en)


def both(fr: str, en: str) -> str:
    """One line for screens shown to French workshops that also serve English speakers."""
    return f"{fr} / {en}"
