"""What every diagnostic shares: the progress callback type and small helpers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from deuxvie.model.common import Reason
from deuxvie.model.diagnostics import TestStatus

# progress(fraction 0..1, message): called from the diagnostic's own thread, often; keep
# it cheap (a progress bar, a log line).
Progress = Callable[[float, str], None]


def no_progress(fraction: float, message: str) -> None:
    """The default callback: nothing to show."""


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


_ORDER = {TestStatus.PASSED: 0, TestStatus.WARNING: 1, TestStatus.UNTESTED: 2,
          TestStatus.FAILED: 3}


def worst(statuses: Iterable[TestStatus]) -> TestStatus:
    """FAILED > UNTESTED > WARNING > PASSED; an empty list is UNTESTED."""
    items = list(statuses)
    if not items:
        return TestStatus.UNTESTED
    return max(items, key=lambda s: _ORDER[s])


def status_from_reasons(fails: list[Reason], warns: list[Reason]) -> TestStatus:
    if fails:
        return TestStatus.FAILED
    return TestStatus.WARNING if warns else TestStatus.PASSED
