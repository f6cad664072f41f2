"""Colours and icons of the operator screens. Their words (steps, states, labels, status
words, verdicts) are in deuxvie.i18n, shared with the certificate and the label."""

from __future__ import annotations

from deuxvie.model.grade import Verdict
from deuxvie.pipeline.steps import StepState

# One character per state, ASCII-safe variants for serial consoles.
STATE_ICONS: dict[StepState, tuple[str, str]] = {
    StepState.PENDING: ("·", "."),
    StepState.RUNNING: ("▶", ">"),
    StepState.DONE: ("✔", "+"),
    StepState.FAILED: ("✘", "x"),
    StepState.SKIPPED: ("–", "-"),
    StepState.UNTESTED: ("?", "?"),
}

STATE_STYLES: dict[StepState, str] = {
    StepState.PENDING: "dim",
    StepState.RUNNING: "bold cyan",
    StepState.DONE: "green",
    StepState.FAILED: "bold red",
    StepState.SKIPPED: "yellow",
    StepState.UNTESTED: "yellow",
}

VERDICT_STYLES: dict[Verdict, str] = {
    Verdict.PASS: "bold green",
    Verdict.PASS_WITH_WARNINGS: "bold yellow",
    Verdict.FAIL: "bold red",
}
