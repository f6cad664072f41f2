"""The whole run on one machine: steps in order, states, results (see orchestrator.py).

The names below are loaded on first use (PEP 562 `__getattr__`): `deuxvie run` imports
pipeline.steps for its screen before its first frame, and the orchestrator's models
(inventory, erasure...) must not come with it (issue 16, docs/adr/0095).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from deuxvie.pipeline.orchestrator import ConfirmWipe, Observer, Pipeline, RunOutcome
    from deuxvie.pipeline.selection import (
        SelectionPolicy,
        WipeDecision,
        disk_label,
        human_size,
        select_wipe_targets,
    )
    from deuxvie.pipeline.steps import (
        STEP_ORDER,
        ProgressEvent,
        RunData,
        StepContext,
        StepFn,
        StepName,
        StepOutput,
        StepResult,
        Steps,
        StepState,
    )

_HOMES: dict[str, str] = {
    "ConfirmWipe": "deuxvie.pipeline.orchestrator",
    "Observer": "deuxvie.pipeline.orchestrator",
    "Pipeline": "deuxvie.pipeline.orchestrator",
    "ProgressEvent": "deuxvie.pipeline.steps",
    "RunData": "deuxvie.pipeline.steps",
    "RunOutcome": "deuxvie.pipeline.orchestrator",
    "STEP_ORDER": "deuxvie.pipeline.steps",
    "SelectionPolicy": "deuxvie.pipeline.selection",
    "StepContext": "deuxvie.pipeline.steps",
    "StepFn": "deuxvie.pipeline.steps",
    "StepName": "deuxvie.pipeline.steps",
    "StepOutput": "deuxvie.pipeline.steps",
    "StepResult": "deuxvie.pipeline.steps",
    "StepState": "deuxvie.pipeline.steps",
    "Steps": "deuxvie.pipeline.steps",
    "WipeDecision": "deuxvie.pipeline.selection",
    "disk_label": "deuxvie.pipeline.selection",
    "human_size": "deuxvie.pipeline.selection",
    "select_wipe_targets": "deuxvie.pipeline.selection",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)


__all__ = [
    "STEP_ORDER",
    "ConfirmWipe",
    "Observer",
    "Pipeline",
    "ProgressEvent",
    "RunData",
    "RunOutcome",
    "SelectionPolicy",
    "StepContext",
    "StepFn",
    "StepName",
    "StepOutput",
    "StepResult",
    "StepState",
    "Steps",
    "WipeDecision",
    "disk_label",
    "human_size",
    "select_wipe_targets",
]
