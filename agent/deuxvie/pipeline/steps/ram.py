"""RAM test."""

from __future__ import annotations

from deuxvie.diagnostics.ram_test import run_ram_test
from deuxvie.pipeline.steps import StepContext, StepName, StepOutput, StepSpec
from deuxvie.pipeline.steps.common import diag_output, diag_progress, policy_for


def ram_step(ctx: StepContext) -> StepOutput:
    cfg = ctx.data.config
    res = run_ram_test(
        ctx.host,
        fraction_pct=float(cfg.ram_test_pct),
        passes=policy_for(ctx.data).diagnostics.ram_passes,
        progress=diag_progress(ctx, "ram"),
    )
    ctx.data.diagnostics.append(res)
    m = res.measurements
    size_fr, size_en = tested_size_text(int(m.get("tested_bytes") or 0))
    rate = float(m.get("throughput_gb_per_s") or 0.0)
    errs = m.get("error_count", "?")
    return diag_output(
        res,
        f"{size_fr} testés, {errs} erreur(s), {rate:.2f} Go/s".replace(".", ","),
        f"{size_en} tested, {errs} error(s), {rate:.2f} GB/s",
    )


def tested_size_text(n_bytes: int) -> tuple[str, str]:
    """(fr, en) size of the tested RAM. Below 1 GiB in MiB: the QEMU guest's 5 % of 1.5 GiB
    (77 MiB) read "0.0 GiB tested", as if nothing had been tested."""
    if n_bytes < 1 << 30:
        mib = n_bytes / (1 << 20)
        return f"{mib:.0f} Mio", f"{mib:.0f} MiB"
    gib = n_bytes / (1 << 30)
    return f"{gib:.1f} Gio", f"{gib:.1f} GiB"


SPEC = StepSpec(
    name=StepName.RAM,
    run=ram_step,
    inputs=('config',),
    outputs=('diagnostics',),
    diagnostic=True,
)
