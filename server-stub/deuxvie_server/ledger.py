"""Intake ledger ("bilan des dons"): where each donated machine ended up.

A device's state is derived from its latest graded report: the grade verdict and the
suggestion code written by the grading policy (deuxvie.model.grade.Grade.suggestion:
"refurbish as is / replace disk / replace battery / add RAM / recycle"). Codes are matched
by keyword so a policy can refine them ("suggest.replace_battery") without a server change.
"""

from __future__ import annotations

RECEIVED = "received"  # a report exists but carries no grade (run interrupted)
REFURBISHED = "refurbished"
TO_REPAIR = "to_repair"
RECYCLED = "recycled"

STATES = (RECEIVED, REFURBISHED, TO_REPAIR, RECYCLED)
REPAIR_WORDS = ("replace", "repair", "add", "upgrade", "remplacer")


def ledger_state(verdict: str | None, suggestion_code: str | None) -> str:
    if verdict is None:
        return RECEIVED
    code = (suggestion_code or "").lower()
    if verdict == "FAIL" or "recycl" in code:
        return RECYCLED
    if any(word in code for word in REPAIR_WORDS):
        return TO_REPAIR
    return REFURBISHED
