"""Inventory: what the machine is, every raw tool output kept as the report's evidence."""

from __future__ import annotations

import datetime as dt

from deuxvie.host.bundle import RecordingHost
from deuxvie.i18n import reason
from deuxvie.inventory import collect
from deuxvie.pipeline.steps import StepContext, StepName, StepOutput, StepSpec, StepState


def inventory_step(ctx: StepContext) -> StepOutput:
    cfg = ctx.data.config
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    # Every command output and file the inventory read is kept as the report's raw
    # evidence (DESIGN.md: the service can re-parse it later).
    evidence = cfg.data_dir / "evidence" / stamp
    host = RecordingHost(ctx.host, evidence)
    ctx.data.evidence_dir = evidence
    inv = collect(host)
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


SPEC = StepSpec(
    name=StepName.INVENTORY,
    run=inventory_step,
    inputs=('config',),
    outputs=('inventory', 'evidence_dir'),
    diagnostic=False,
)
