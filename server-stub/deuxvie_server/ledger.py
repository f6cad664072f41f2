"""Intake ledger ("bilan des dons"): where each donated machine stands.

A report's state is derived from its grade: the suggestion code written by the grading
policy (deuxvie.grading.grade._suggestion: suggest.refurbish, suggest.replace_disk,
suggest.add_ram, suggest.repair, suggest.recycle, suggest.wipe_again,
suggest.complete_tests, suggest.inspect). Codes are matched by keyword so a policy can
refine them without a server change (ADR 0044).
"""

from __future__ import annotations

RECEIVED = "received"  # a report without a grade (run interrupted)
IN_AUDIT = "in_audit"  # graded, but no decision yet: tests to finish, wipe again, inspect
REFURBISHED = "refurbished"
TO_REPAIR = "to_repair"
RECYCLED = "recycled"

STATES = (RECEIVED, IN_AUDIT, REFURBISHED, TO_REPAIR, RECYCLED)
DECIDED = (REFURBISHED, TO_REPAIR, RECYCLED)
REPAIR_WORDS = ("replace", "repair", "add_", "upgrade")
PENDING_WORDS = ("wipe_again", "complete", "inspect")


def ledger_state(verdict: str | None, suggestion_code: str | None) -> str:
    if verdict is None:
        return RECEIVED
    code = (suggestion_code or "").lower()
    if "recycl" in code:
        return RECYCLED
    if any(word in code for word in REPAIR_WORDS):
        return TO_REPAIR
    if any(word in code for word in PENDING_WORDS) or verdict == "FAIL":
        # A FAIL is not a recycling decision by itself: the policy says recycle when it is.
        return IN_AUDIT
    return REFURBISHED
