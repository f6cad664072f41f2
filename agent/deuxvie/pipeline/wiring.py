"""The real step implementations: thin adapters from the pipeline's `StepFn(ctx)` shape to
the modules of each area (inventory, diagnostics, wipe, grading, report, certificate,
label). A module not present in this build leaves its step None, which the run shows as
"not available" (untested for a test) — never a made-up result.

Interfaces used (the areas' public functions):
- deuxvie.inventory.collect(host) -> Inventory
- deuxvie.grading.policy.load_policy(path | None) -> Policy
- deuxvie.grading.smart_eval.evaluate_smart(facts, policy) -> (SmartVerdict, reasons)
- deuxvie.grading.grade.grade(inventory, diagnostics, erasure, policy) -> Grade
- deuxvie.certificate.pdf.render_certificate(report, None, lang, server) -> bytes
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from typing import Any

from deuxvie.config import Config
from deuxvie.i18n import reason
from deuxvie.pipeline.steps import StepContext, StepName, StepOutput, Steps, StepState


def module_available(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # parent package missing
        return False


def _load_policy(config: Config) -> Any:
    from deuxvie.grading.policy import load_policy

    return load_policy(config.policy_file)


# ---- inventory -------------------------------------------------------------------------


def inventory_step(ctx: StepContext) -> StepOutput:
    inventory_mod = importlib.import_module("deuxvie.inventory")
    inv = inventory_mod.collect(ctx.host)
    ctx.data.inventory = inv
    found = []
    if inv.system.value is not None:
        found.append(" ".join(x for x in (inv.system.value.vendor, inv.system.value.product) if x))
    disks = inv.disks.value or ()
    failed = [
        name
        for name in ("system", "cpu", "memory", "disks")
        if getattr(inv, name).status == "failed"
    ]
    fr = f"{', '.join(found) or 'machine'} : {len(disks)} disque(s)"
    en = f"{', '.join(found) or 'machine'}: {len(disks)} disk(s)"
    if failed:
        fr += f" ; non lu : {', '.join(failed)}"
        en += f"; not read: {', '.join(failed)}"
    return StepOutput(StepState.DONE, (reason("inventory.summary", fr, en),), problem=bool(failed))


# ---- SMART: shown per disk; the grade evaluates the same facts from the inventory --------


def smart_step(ctx: StepContext) -> StepOutput:
    from deuxvie.grading.grade import internal_disks
    from deuxvie.grading.smart_eval import SmartVerdict, evaluate_smart

    inv = ctx.data.inventory
    if inv is None or inv.disks.value is None:
        return StepOutput(
            StepState.UNTESTED, (reason("smart.no_disks", "disques inconnus", "disks unknown"),)
        )
    policy = _load_policy(ctx.data.config)
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


# ---- grade -----------------------------------------------------------------------------


def grade_step(ctx: StepContext) -> StepOutput:
    from deuxvie.grading.grade import grade

    data = ctx.data
    assert data.inventory is not None  # the orchestrator always sets one
    g = grade(data.inventory, data.diagnostics, data.erasure, _load_policy(data.config))
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


# ---- certificate -----------------------------------------------------------------------


def certificate_step(ctx: StepContext) -> StepOutput:
    from deuxvie.certificate.pdf import render_certificate

    data = ctx.data
    if not isinstance(data.report, dict):
        return StepOutput(
            StepState.SKIPPED,
            (reason("certificate.no_report", "pas de rapport signé", "no signed report"),),
        )
    pdf = render_certificate(
        data.report, None, data.config.language, data.config.server_url or "http://localhost"
    )
    out_dir = data.config.certificates_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{data.report.get('asset_id') or data.report['uuid']}.pdf"
    _atomic_write(path, pdf)
    data.certificate_path = path
    return StepOutput(StepState.DONE, (reason("certificate.saved", str(path), str(path)),))


def _atomic_write(path: Path, content: bytes) -> None:
    import os

    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(content)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


# ---- assembly --------------------------------------------------------------------------

# step -> (modules it needs, adapter)
_ADAPTERS: dict[StepName, tuple[tuple[str, ...], Any]] = {
    StepName.INVENTORY: (("deuxvie.inventory",), inventory_step),
    StepName.SMART: (("deuxvie.grading.smart_eval",), smart_step),
    StepName.GRADE: (("deuxvie.grading.grade",), grade_step),
    StepName.CERTIFICATE: (("deuxvie.certificate.pdf",), certificate_step),
}


# Where each not-yet-wired step will come from (shown to the operator as what is missing).
_EXPECTED: dict[StepName, str] = {
    StepName.SELFTEST: "deuxvie.diagnostics.selftest",
    StepName.CPU: "deuxvie.diagnostics.cpu",
    StepName.RAM: "deuxvie.diagnostics.ram",
    StepName.SURFACE: "deuxvie.diagnostics.surface",
    StepName.WIPE: "deuxvie.wipe",
    StepName.REPORT: "deuxvie.report",
    StepName.LABEL: "deuxvie.label",
    StepName.UPLOAD: "deuxvie.report",
}


def real_steps() -> tuple[Steps, dict[StepName, str]]:
    """The steps this build can run, and for the others the module that is missing."""
    chosen: dict[str, Any] = {}
    missing: dict[StepName, str] = {}
    for name in StepName:
        modules, fn = _ADAPTERS.get(name, ((_EXPECTED.get(name, f"deuxvie.{name}"),), None))
        absent = [m for m in modules if not module_available(m)]
        if fn is None or absent:
            missing[name] = ", ".join(absent) or f"{modules[0]}: not wired yet"
        else:
            chosen[name.value] = fn
    return Steps(**chosen), missing
