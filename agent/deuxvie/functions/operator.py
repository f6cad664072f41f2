"""The operator of the guided checks: where they talk (French first, bold, then English),
where they listen (input events of the PC's own keyboard), and how an answer becomes a
result that says who gave it."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TextIO

from deuxvie.functions.layouts import KEY_D, KEY_ENTER, KEY_ESC, KEY_S
from deuxvie.host.evdev import InputEvent
from deuxvie.i18n import reason
from deuxvie.model.common import Reason
from deuxvie.model.functions import CheckMethod, FunctionResult, FunctionStatus

S = FunctionStatus
ATT = CheckMethod.ATTENDED


class Events(Protocol):
    def next_event(self, timeout_s: float) -> InputEvent | None: ...

    def next_key(self, timeout_s: float) -> int | None: ...


@dataclass
class Operator:
    """Where the guided checks talk (a text stream) and listen (input events)."""

    name: str
    events: Events
    out: TextIO = field(default_factory=lambda: sys.stderr)
    lang: str = "fr"
    answer_timeout_s: float = 120.0
    idle_timeout_s: float = 60.0  # keyboard check: no key for this long ends it
    fill_screen: Callable[[int], None] | None = None  # paints the panel (framebuffer)

    def say(self, fr: str, en: str) -> None:
        # French first, English below: one workshop, two languages (DEVELOPERS.md).
        self.out.write(f"\x1b[1m{fr}\x1b[0m\n{en}\n")
        self.out.flush()

    def answer(self, timeout_s: float | None = None) -> str | None:
        """"ok" (Entrée), "defect" (D), "skip" (S or Échap), None on timeout."""
        deadline = time.monotonic() + (timeout_s or self.answer_timeout_s)
        while (left := deadline - time.monotonic()) > 0:
            key = self.events.next_key(left)
            if key is None:
                return None
            if (a := key_answer(key)) is not None:
                return a
        return None


def key_answer(key: int | None) -> str | None:
    """The answer one key gives: Entrée "ok", D "defect", S or Échap "skip", else None."""
    return {KEY_ENTER: "ok", KEY_D: "defect", KEY_S: "skip", KEY_ESC: "skip"}.get(
        key if key is not None else -1)


def answered(fid: str, status: FunctionStatus, op: Operator, evidence: Mapping[str, Any],
         *reasons: Reason) -> FunctionResult:
    return FunctionResult(fid, status, ATT, dict(evidence), reasons, answered_by=op.name)


def skipped(fid: str, op: Operator, why: str | None) -> FunctionResult:
    if why is None:
        return answered(fid, S.UNTESTED, op, {"answer": None}, reason(
            f"{fid}.no_answer", "Pas de réponse de l'opérateur", "No answer from the operator"))
    return answered(fid, S.UNTESTED, op, {"answer": "skip"}, reason(
        f"{fid}.skipped", "Impossible à tester selon l'opérateur",
        "The operator could not test it"))


def from_answer(fid: str, op: Operator, answer: str | None, evidence: Mapping[str, Any],
                defect: Reason) -> FunctionResult:
    """The operator's final answer as the result: OK passes, D fails with `defect`, S or
    no answer leaves it UNTESTED (never a pass)."""
    if answer in ("skip", None):
        return answered(fid, S.UNTESTED, op, evidence, *skipped(fid, op, answer).reasons)
    if answer == "defect":
        return answered(fid, S.FAILED, op, evidence, defect)
    return answered(fid, S.PASSED, op, evidence)
