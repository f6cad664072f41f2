"""Every function of the PC (issue #12): automatic checks; in attended mode the guided checks
ask the operator for what a machine cannot prove alone (décret 2022-190)."""

from __future__ import annotations

from deuxvie.functions.checks import run_unattended
from deuxvie.i18n import reason
from deuxvie.pipeline.steps import StepContext, StepName, StepOutput, StepSpec, StepState
from deuxvie.pipeline.steps.common import policy_for


def functions_step(ctx: StepContext) -> StepOutput:
    data = ctx.data
    assert data.inventory is not None  # the orchestrator always sets one
    policy = policy_for(data)
    results = list(run_unattended(ctx.host, data.inventory, data.diagnostics, policy))
    fi = data.inventory.functions.value
    if data.guided is not None and not data.config.unattended and fi is not None:
        results = list(data.guided(fi, tuple(results), policy.functions))
    data.functions = results
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status.value] = counts.get(r.status.value, 0) + 1
    failed = [r.id for r in results if r.status.value == "FAILED"]
    text = ", ".join(f"{n} {k}" for k, n in counts.items())
    extra_fr = f" ; en panne : {', '.join(failed)}" if failed else ""
    extra_en = f"; failed: {', '.join(failed)}" if failed else ""
    # nothing could be checked (a host that answers nothing): untested, never "done"
    tested = any(r.status.value in ("PASSED", "FAILED") for r in results)
    return StepOutput(
        StepState.DONE if tested else StepState.UNTESTED,
        (reason("functions.summary", text + extra_fr, text + extra_en),),
        problem=bool(failed),
    )


SPEC = StepSpec(
    name=StepName.FUNCTIONS,
    run=functions_step,
    inputs=('config', 'inventory', 'diagnostics'),
    outputs=('functions',),
    diagnostic=True,
)
