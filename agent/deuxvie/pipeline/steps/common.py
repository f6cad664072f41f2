"""Helpers the real steps share: the policy, the service URL for QR codes, atomic
writes, progress and output of the diagnostics, per-disk fan-out.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from deuxvie.certificate.facts import OFFLINE_SERVER
from deuxvie.grading.grade import internal_disks
from deuxvie.grading.policy import Policy, load_policy
from deuxvie.i18n import TEST_STATUS_WORDS, pick, reason
from deuxvie.model.diagnostics import TestStatus
from deuxvie.pipeline.steps import ProgressEvent, RunData, StepContext, StepOutput, StepState


def policy_for(data: RunData) -> Policy:
    """The grading policy of the run (the stick's policy.file, else the shipped one), read
    once: every step of a run judges by the same policy even if the file changes meanwhile,
    and a policy that does not parse fails the first step that needs it, not each one."""
    if data.policy is None:
        data.policy = load_policy(data.config.policy_file)
    return data.policy


def server_url(data: Any) -> str:
    # The label and certificate need a URL prefix for the QR even offline (facts.OFFLINE_SERVER)
    return str(data.server_url or data.config.server_url or OFFLINE_SERVER)


def atomic_write(path: Path, content: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(content)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def diag_progress(ctx: StepContext, target: str) -> Any:
    def cb(fraction: float, message: str) -> None:
        ctx.progress(
            ProgressEvent(
                ctx.step, target, fraction=fraction, message=message, finished=fraction >= 1.0
            )
        )

    return cb


def diag_output(result: Any, fr: str, en: str) -> StepOutput:
    """A DiagnosticResult as a step: untested stays untested, a fault is shown in red."""
    if result.status == TestStatus.UNTESTED:
        return StepOutput(StepState.UNTESTED, tuple(result.reasons))
    summary = reason(f"{result.name}.summary", fr, en)
    return StepOutput(
        StepState.DONE,
        (*result.reasons, summary) if result.status != TestStatus.PASSED else (summary,),
        problem=result.status == TestStatus.FAILED,
    )


def per_disk(ctx: StepContext, run_one: Any, what_fr: str, what_en: str) -> StepOutput:
    """Run `run_one(disk, progress) -> DiagnosticResult` on every internal disk at once
    (each drive works on its own; a 2-disk PC waits for one self-test, not two)."""


    inv = ctx.data.inventory
    disks = internal_disks(inv) if inv is not None else ()
    if not disks:
        why = reason(f"{ctx.step}.no_disk", "aucun disque interne", "no internal disk")
        return StepOutput(StepState.UNTESTED, (why,))
    with ThreadPoolExecutor(max_workers=len(disks), thread_name_prefix=str(ctx.step)) as pool:
        futures = [pool.submit(run_one, d, diag_progress(ctx, d.name)) for d in disks]
        results = [f.result() for f in futures]
    ctx.data.diagnostics.extend(results)
    pairs = list(zip(disks, results, strict=True))
    fr, en = (", ".join(f"{d.name} {pick(TEST_STATUS_WORDS[r.status], lang)}" for d, r in pairs)
              for lang in ("fr", "en"))
    reasons = (reason(f"{ctx.step}.summary", f"{what_fr} : {fr}", f"{what_en}: {en}"),)
    reasons += tuple(x for r in results for x in r.reasons)
    if all(r.status == TestStatus.UNTESTED for r in results):
        return StepOutput(StepState.UNTESTED, reasons)
    return StepOutput(
        StepState.DONE, reasons, problem=any(r.status == TestStatus.FAILED for r in results)
    )



