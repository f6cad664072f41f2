"""The whole run on one machine: steps in order, states, results (see orchestrator.py)."""

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
