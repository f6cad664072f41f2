"""CPU stress test."""

from __future__ import annotations

from deuxvie.diagnostics.cpu_stress import run_cpu_stress
from deuxvie.pipeline.steps import StepContext, StepName, StepOutput, StepSpec
from deuxvie.pipeline.steps.common import diag_output, diag_progress, policy_for
from deuxvie.probes.sensors import sample_fans


def cpu_step(ctx: StepContext) -> StepOutput:
    cfg = ctx.data.config
    inv = ctx.data.inventory
    # fans sampled during the stress: a fan at 0 rpm under load fails the "fans" function
    fans = inv.functions.value.fans if inv is not None and inv.functions.value else ()
    host = ctx.host
    # The stick's tests.cpu_stress_s wins over the policy's duration: it is the run's choice.
    res = run_cpu_stress(
        ctx.host,
        duration_s=float(cfg.cpu_stress_s),
        progress=diag_progress(ctx, "cpu"),
        sample_fans=(lambda: sample_fans(host, fans)) if fans else None,
        **policy_for(ctx.data).cpu.stress_limits(),
    )
    ctx.data.diagnostics.append(res)
    m = res.measurements
    temp = m.get("max_temperature_c")
    t_fr = f", {temp:.0f} °C max" if isinstance(temp, int | float) else ", température non lue"
    t_en = f", {temp:.0f} °C max" if isinstance(temp, int | float) else ", temperature not read"
    n, ops = m.get("logical_cpus"), m.get("ops_per_s") or 0
    return diag_output(
        res,
        f"{n} cœurs logiques, {ops:.0f} opérations/s, {m.get('errors')} erreur(s){t_fr}",
        f"{n} logical CPUs, {ops:.0f} ops/s, {m.get('errors')} error(s){t_en}",
    )


SPEC = StepSpec(
    name=StepName.CPU,
    run=cpu_step,
    inputs=('config',),
    outputs=('diagnostics',),
    diagnostic=True,
)
