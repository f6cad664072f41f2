"""The machine's verdict."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from deuxvie.model.common import Reason


class Verdict(enum.StrEnum):
    PASS = "PASS"
    PASS_WITH_WARNINGS = "PASS_WITH_WARNINGS"
    FAIL = "FAIL"


@dataclass(frozen=True)
class ComponentGrade:
    component: str  # "disk:<serial>", "battery:BAT0", "ram", "cpu", "screen", ...
    status: str  # "pass" | "warn" | "fail" | "untested"
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Grade:
    verdict: Verdict
    suggestion: Reason  # refurbish as is / replace disk / replace battery / add RAM / recycle
    reasons: tuple[Reason, ...]
    components: tuple[ComponentGrade, ...]
    untested: tuple[str, ...]
    windows11_ready: bool | None
    windows11_reasons: tuple[Reason, ...]
    policy_name: str
    # Functions deuxvie cannot test itself (screen, keyboard...): the operator checks them.
    manual_checks: tuple[str, ...] = ()
