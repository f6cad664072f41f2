"""Surface scan: every sector of every internal disk read once, before the wipe."""

from __future__ import annotations

from typing import Any

from deuxvie.diagnostics.surface import run_surface_scan
from deuxvie.grading.grade import disk_key
from deuxvie.pipeline.steps import StepContext, StepName, StepOutput, StepSpec
from deuxvie.pipeline.steps.common import per_disk, policy_for


def surface_step(ctx: StepContext) -> StepOutput:
    diag = policy_for(ctx.data).diagnostics

    def one(disk: Any, progress: Any) -> Any:
        return run_surface_scan(
            ctx.host,
            disk.path,
            target=disk_key(disk),
            progress=progress,
            **diag.surface_options(),
        )

    return per_disk(ctx, one, "lecture", "read scan")


SPEC = StepSpec(
    name=StepName.SURFACE,
    run=surface_step,
    inputs=('config', 'inventory'),
    outputs=('diagnostics',),
    diagnostic=True,
)
