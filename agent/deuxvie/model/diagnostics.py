"""Results of diagnostics (SMART, self-test, CPU, RAM, surface, battery)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from deuxvie.model.common import Reason


class TestStatus(enum.StrEnum):
    PASSED = "passed"
    WARNING = "warning"
    FAILED = "failed"
    UNTESTED = "untested"  # never a pass (décret 2022-190: every function tested)


@dataclass(frozen=True)
class DiagnosticResult:
    name: str  # "smart", "selftest", "cpu_stress", "ram", "surface", "battery"
    target: str | None  # disk serial / battery name / None for the machine
    status: TestStatus
    measurements: dict[str, Any] = field(default_factory=dict)
    reasons: tuple[Reason, ...] = ()
    started_at: str | None = None
    ended_at: str | None = None
