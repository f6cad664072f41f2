"""The drives' own self-tests, on every internal disk at once."""

from __future__ import annotations

from typing import Any

from deuxvie.diagnostics.selftest import run_selftest
from deuxvie.grading.grade import disk_key
from deuxvie.pipeline.steps import StepContext, StepName, StepOutput, StepSpec
from deuxvie.pipeline.steps.common import per_disk, policy_for

# How often a running self-test is polled (a seam for tests; the drive needs minutes anyway).
SELFTEST_POLL_INTERVAL_S = 15.0


def selftest_step(ctx: StepContext) -> StepOutput:
    cfg = ctx.data.config
    limit = policy_for(ctx.data).diagnostics.selftest_time_limit_s(cfg.selftest)

    def one(disk: Any, progress: Any) -> Any:
        return run_selftest(
            ctx.host,
            disk.path,
            kind=cfg.selftest,
            target=disk_key(disk),
            nvme=disk.kind == "nvme",
            time_limit_s=limit,
            poll_interval_s=SELFTEST_POLL_INTERVAL_S,
            progress=progress,
        )

    return per_disk(ctx, one, "autotest", "self-test")


SPEC = StepSpec(
    name=StepName.SELFTEST,
    run=selftest_step,
    inputs=('config', 'inventory'),
    outputs=('diagnostics',),
    diagnostic=True,
)
