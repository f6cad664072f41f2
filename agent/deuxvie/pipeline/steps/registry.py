"""The real steps in run order: one line per step module. A new step is one module in this
package declaring its `SPEC`, and one line here (its name in `StepName`, its words in
deuxvie/i18n.py STEP_NAMES); tests/pipeline/test_steps_conformance.py checks every entry."""

from __future__ import annotations

from deuxvie.pipeline.steps import (
    Steps,
    StepSpec,
    certificate,
    cpu,
    functions,
    grade,
    inventory,
    label,
    ram,
    report,
    selftest,
    smart,
    surface,
    upload,
    wipe,
)

REGISTRY: tuple[StepSpec, ...] = (
    inventory.SPEC,
    smart.SPEC,
    selftest.SPEC,
    cpu.SPEC,
    functions.SPEC,
    ram.SPEC,
    surface.SPEC,
    wipe.SPEC,
    grade.SPEC,
    report.SPEC,
    certificate.SPEC,
    label.SPEC,
    upload.SPEC,
)


def real_steps() -> Steps:
    """Every step wired to its real implementation."""
    return Steps(**{spec.name.value: spec.run for spec in REGISTRY})
