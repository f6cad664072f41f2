"""Grade: PASS / FAIL with reasons, from everything the run found."""

from __future__ import annotations

from deuxvie.grading.grade import grade
from deuxvie.i18n import reason
from deuxvie.pipeline.steps import StepContext, StepName, StepOutput, StepSpec, StepState
from deuxvie.pipeline.steps.common import policy_for


def grade_step(ctx: StepContext) -> StepOutput:
    data = ctx.data
    assert data.inventory is not None  # the orchestrator always sets one
    g = grade(
        data.inventory, data.diagnostics, data.erasure, policy_for(data),
        functions=data.functions,
    )
    data.grade = g
    main = g.reasons[0] if g.reasons else g.suggestion
    return StepOutput(
        StepState.DONE,
        (
            reason(
                "grade.summary", f"{g.verdict.value} — {main.fr}", f"{g.verdict.value} — {main.en}"
            ),
        ),
        problem=g.verdict == "FAIL",
    )


SPEC = StepSpec(
    name=StepName.GRADE,
    run=grade_step,
    inputs=('config', 'inventory', 'diagnostics', 'functions', 'erasure'),
    outputs=('grade',),
    diagnostic=False,
)
