"""SMART: shown per disk; the grade evaluates the same facts from the inventory."""

from __future__ import annotations

from deuxvie.grading.grade import internal_disks
from deuxvie.grading.smart_eval import SmartVerdict, evaluate_smart
from deuxvie.i18n import reason
from deuxvie.pipeline.steps import StepContext, StepName, StepOutput, StepSpec, StepState
from deuxvie.pipeline.steps.common import policy_for


def smart_step(ctx: StepContext) -> StepOutput:
    inv = ctx.data.inventory
    if inv is None or inv.disks.value is None:
        return StepOutput(
            StepState.UNTESTED, (reason("smart.no_disks", "disques inconnus", "disks unknown"),)
        )
    policy = policy_for(ctx.data)
    verdicts: list[str] = []
    worst_fail = False
    tested = 0
    for disk in internal_disks(inv):
        if disk.smart.value is None:
            verdicts.append(f"{disk.name} ?")
            continue
        verdict, _ = evaluate_smart(disk.smart.value, policy)
        tested += verdict != SmartVerdict.UNKNOWN
        worst_fail = worst_fail or verdict == SmartVerdict.FAIL
        verdicts.append(f"{disk.name} {verdict.value}")
    text = ", ".join(verdicts) or "—"
    if not tested:
        return StepOutput(
            StepState.UNTESTED,
            (reason("smart.none", f"aucune donnée SMART ({text})", f"no SMART data ({text})"),),
        )
    return StepOutput(StepState.DONE, (reason("smart.summary", text, text),), problem=worst_fail)


SPEC = StepSpec(
    name=StepName.SMART,
    run=smart_step,
    inputs=('config', 'inventory'),
    outputs=(),
    diagnostic=True,
)
