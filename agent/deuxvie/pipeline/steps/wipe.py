"""Wipe: plan each selected disk, run all plans in parallel, journal on the stick."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from deuxvie.config import Config
from deuxvie.i18n import ERASURE_WORDS, pick, reason
from deuxvie.model.erasure import ErasureRecord, ErasureStatus
from deuxvie.pipeline.selection import unerased_record
from deuxvie.pipeline.steps import (
    ProgressEvent,
    StepContext,
    StepName,
    StepOutput,
    StepSpec,
    StepState,
)
from deuxvie.probes.usage import device_usage
from deuxvie.wipe.engine import run_wipes
from deuxvie.wipe.identity import probe_capabilities, probe_media
from deuxvie.wipe.journal import Journal
from deuxvie.wipe.plan import Method, WipeOptions, WipeTarget, plan_wipe
from deuxvie.wipe.progress import WipeProgress
from deuxvie.wipe.smart_after import reread_smart

_PHASES = {
    "firmware": ("micrologiciel", "firmware"),
    "write": ("écriture", "writing"),
    "verify": ("vérification", "verifying"),
    "done": ("terminé", "done"),
}


def wipe_options(cfg: Config) -> Any:
    """The engine's options from the stick's config (a seam for tests: throttle_s)."""
    return WipeOptions(
        method=Method.AUTO,
        verify=cfg.verify,
        allow_purge=cfg.wipe_method == "purge",
        restart_interrupted=cfg.wipe_restart_interrupted,
    )


def wipe_step(ctx: StepContext) -> StepOutput:
    """Plan each selected disk, then run all plans in parallel (one worker per disk).
    Ctrl-C sets the engine's stop flag and waits for the workers: their records say
    INTERRUPTED, and the interruption goes on to the orchestrator."""

    data = ctx.data
    cfg = data.config
    lang = cfg.language
    options = wipe_options(cfg)
    names = {d.path: d.name for d in data.wipe_targets}
    plans = []
    for disk in data.wipe_targets:
        try:
            usage = device_usage(ctx.host, disk.path)
            media = probe_media(ctx.host, usage)
            caps = probe_capabilities(ctx.host, media)
            plans.append(plan_wipe(WipeTarget(disk.path, media, usage, caps), options))
        except Exception as exc:  # one unreadable disk must not stop the others
            why = reason(
                "wipe.probe_failed", f"disque illisible : {exc}", f"disk unreadable: {exc}"
            )
            data.erasure.append(unerased_record(disk, ErasureStatus.FAILED, (why,)))

    def on_progress(p: WipeProgress) -> None:
        phase = _PHASES.get(p.phase, (p.phase, p.phase))
        ctx.progress(
            ProgressEvent(
                ctx.step,
                names.get(p.device, p.device),
                done_bytes=p.bytes_done,
                total_bytes=p.bytes_total,
                rate_bytes_per_s=p.bytes_per_s or None,
                eta_s=p.eta_s,
                message=phase[0] if lang == "fr" else phase[1],
                finished=p.phase == "done",
            )
        )

    # The journal lives on the stick: after a power cut, the next boot finds the disk
    # INTERRUPTED there (/var/lib is a tmpfs on the live image).
    journal = Journal(cfg.data_dir / "wipe-journal")
    stop = threading.Event()
    records: list[ErasureRecord] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            records.extend(run_wipes(ctx.host, plans, on_progress, journal=journal, stop=stop))
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=work, name="deuxvie wipes", daemon=True)
    worker.start()
    interrupted = False
    while worker.is_alive():
        try:
            worker.join(0.5)
        except KeyboardInterrupt:
            stop.set()
            interrupted = True
    start = len(data.erasure)
    data.erasure.extend(records)
    if errors:
        raise errors[0]
    if interrupted:
        raise KeyboardInterrupt
    # after the wipe and its verification: what did the disk's own health say then? (the
    # records are kept first: a Ctrl-C during the re-read loses only the SMART after)
    inventory_disks = (data.inventory.disks.value if data.inventory else None) or ()
    data.erasure[start:] = reread_smart(ctx.host, records, inventory_disks)
    counts = Counter(r.status for r in data.erasure if r.media.path in names)
    fr = ", ".join(f"{n} {pick(ERASURE_WORDS[st], 'fr')}" for st, n in counts.items())
    en = ", ".join(f"{n} {pick(ERASURE_WORDS[st], 'en')}" for st, n in counts.items())
    bad = any(not r.status.certifiable for r in data.erasure if r.media.path in names)
    return StepOutput(StepState.DONE, (reason("wipe.summary", fr, en),), problem=bad)


SPEC = StepSpec(
    name=StepName.WIPE,
    run=wipe_step,
    inputs=('config', 'inventory', 'wipe_targets'),
    outputs=('erasure',),
    diagnostic=False,
)
