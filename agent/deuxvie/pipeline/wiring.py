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
- deuxvie.probes.usage.device_usage, deuxvie.wipe.identity.probe_media/probe_capabilities,
  deuxvie.wipe.plan.plan_wipe, deuxvie.wipe.engine.run_wipes(host, plans, cb, journal, stop)
- deuxvie.station.store.StationStore(dir): info(), sign_and_spool(report)
- deuxvie.report.build.build_report(...), deuxvie.wire.validate_report(report)
- deuxvie.label.render.render_label_png(report, size, server, lang) -> bytes
- deuxvie.report.upload.sync_spool(spool, sent, rejected, server) -> SyncSummary
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import importlib.util
import os
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from deuxvie.config import Config
from deuxvie.i18n import ERASURE_WORDS, pick, reason
from deuxvie.model.erasure import ErasureRecord, ErasureStatus
from deuxvie.pipeline.asset import next_asset_id
from deuxvie.pipeline.selection import unerased_record
from deuxvie.pipeline.steps import (
    ProgressEvent,
    StepContext,
    StepName,
    StepOutput,
    Steps,
    StepState,
)


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
    from deuxvie.host.bundle import RecordingHost

    inventory_mod = importlib.import_module("deuxvie.inventory")
    cfg = ctx.data.config
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    # Every command output and file the inventory read is kept as the report's raw
    # evidence (DESIGN.md: the service can re-parse it later).
    evidence = cfg.data_dir / "evidence" / stamp
    host = RecordingHost(ctx.host, evidence)
    ctx.data.evidence_dir = evidence
    inv = inventory_mod.collect(host)
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
    pdf = render_certificate(data.report, None, data.config.language, _server(data))
    out_dir = data.config.certificates_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{data.report.get('asset_id') or data.report['uuid']}.pdf"
    _atomic_write(path, pdf)
    data.certificate_path = path
    return StepOutput(StepState.DONE, (reason("certificate.saved", str(path), str(path)),))


def _atomic_write(path: Path, content: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(content)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


# ---- machine diagnostics (CPU stress, RAM test) -------------------------------------------


def _diag_progress(ctx: StepContext, target: str) -> Any:
    def cb(fraction: float, message: str) -> None:
        ctx.progress(
            ProgressEvent(
                ctx.step, target, fraction=fraction, message=message, finished=fraction >= 1.0
            )
        )

    return cb


def _diag_output(result: Any, fr: str, en: str) -> StepOutput:
    """A DiagnosticResult as a step: untested stays untested, a fault is shown in red."""
    from deuxvie.model.diagnostics import TestStatus

    if result.status == TestStatus.UNTESTED:
        return StepOutput(StepState.UNTESTED, tuple(result.reasons))
    summary = reason(f"{result.name}.summary", fr, en)
    return StepOutput(
        StepState.DONE,
        (*result.reasons, summary) if result.status != TestStatus.PASSED else (summary,),
        problem=result.status == TestStatus.FAILED,
    )


def cpu_step(ctx: StepContext) -> StepOutput:
    from deuxvie.diagnostics.cpu_stress import run_cpu_stress

    cfg = ctx.data.config
    # The stick's tests.cpu_stress_s wins over the policy's duration: it is the run's choice.
    res = run_cpu_stress(
        ctx.host,
        duration_s=float(cfg.cpu_stress_s),
        progress=_diag_progress(ctx, "cpu"),
        **_load_policy(cfg).cpu.stress_limits(),
    )
    ctx.data.diagnostics.append(res)
    m = res.measurements
    temp = m.get("max_temperature_c")
    t_fr = f", {temp:.0f} °C max" if isinstance(temp, int | float) else ", température non lue"
    t_en = f", {temp:.0f} °C max" if isinstance(temp, int | float) else ", temperature not read"
    n, ops = m.get("logical_cpus"), m.get("ops_per_s") or 0
    return _diag_output(
        res,
        f"{n} cœurs logiques, {ops:.0f} opérations/s, {m.get('errors')} erreur(s){t_fr}",
        f"{n} logical CPUs, {ops:.0f} ops/s, {m.get('errors')} error(s){t_en}",
    )


def ram_step(ctx: StepContext) -> StepOutput:
    from deuxvie.diagnostics.ram_test import run_ram_test

    cfg = ctx.data.config
    res = run_ram_test(
        ctx.host,
        fraction_pct=float(cfg.ram_test_pct),
        passes=_load_policy(cfg).diagnostics.ram_passes,
        progress=_diag_progress(ctx, "ram"),
    )
    ctx.data.diagnostics.append(res)
    m = res.measurements
    size_fr, size_en = tested_size_text(int(m.get("tested_bytes") or 0))
    rate = float(m.get("throughput_gb_per_s") or 0.0)
    errs = m.get("error_count", "?")
    return _diag_output(
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


# ---- per-disk diagnostics (self-test, surface scan) -----------------------------------------


def _per_disk(ctx: StepContext, run_one: Any, what_fr: str, what_en: str) -> StepOutput:
    """Run `run_one(disk, progress) -> DiagnosticResult` on every internal disk at once
    (each drive works on its own; a 2-disk PC waits for one self-test, not two)."""
    from concurrent.futures import ThreadPoolExecutor

    from deuxvie.grading.grade import internal_disks
    from deuxvie.model.diagnostics import TestStatus

    inv = ctx.data.inventory
    disks = internal_disks(inv) if inv is not None else ()
    if not disks:
        why = reason(f"{ctx.step}.no_disk", "aucun disque interne", "no internal disk")
        return StepOutput(StepState.UNTESTED, (why,))
    with ThreadPoolExecutor(max_workers=len(disks), thread_name_prefix=str(ctx.step)) as pool:
        futures = [pool.submit(run_one, d, _diag_progress(ctx, d.name)) for d in disks]
        results = [f.result() for f in futures]
    ctx.data.diagnostics.extend(results)
    words = {
        TestStatus.PASSED: ("OK", "OK"),
        TestStatus.WARNING: ("avertissement", "warning"),
        TestStatus.FAILED: ("ÉCHEC", "FAILED"),
        TestStatus.UNTESTED: ("non testé", "untested"),
    }
    fr = ", ".join(f"{d.name} {words[r.status][0]}" for d, r in zip(disks, results, strict=True))
    en = ", ".join(f"{d.name} {words[r.status][1]}" for d, r in zip(disks, results, strict=True))
    reasons = (reason(f"{ctx.step}.summary", f"{what_fr} : {fr}", f"{what_en}: {en}"),)
    reasons += tuple(x for r in results for x in r.reasons)
    if all(r.status == TestStatus.UNTESTED for r in results):
        return StepOutput(StepState.UNTESTED, reasons)
    return StepOutput(
        StepState.DONE, reasons, problem=any(r.status == TestStatus.FAILED for r in results)
    )


# How often a running self-test is polled (a seam for tests; the drive needs minutes anyway).
SELFTEST_POLL_INTERVAL_S = 15.0


def selftest_step(ctx: StepContext) -> StepOutput:
    from deuxvie.diagnostics.selftest import run_selftest
    from deuxvie.grading.grade import disk_key

    cfg = ctx.data.config
    limit = _load_policy(cfg).diagnostics.selftest_time_limit_s(cfg.selftest)

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

    return _per_disk(ctx, one, "autotest", "self-test")


def surface_step(ctx: StepContext) -> StepOutput:
    from deuxvie.diagnostics.surface import run_surface_scan
    from deuxvie.grading.grade import disk_key

    diag = _load_policy(ctx.data.config).diagnostics

    def one(disk: Any, progress: Any) -> Any:
        return run_surface_scan(
            disk.path,
            target=disk_key(disk),
            progress=progress,
            **diag.surface_options(),
        )

    return _per_disk(ctx, one, "lecture", "read scan")


# ---- wipe ------------------------------------------------------------------------------

_PHASES = {
    "firmware": ("micrologiciel", "firmware"),
    "write": ("écriture", "writing"),
    "verify": ("vérification", "verifying"),
    "done": ("terminé", "done"),
}


def wipe_options(cfg: Config) -> Any:
    """The engine's options from the stick's config (a seam for tests: throttle_s)."""
    from deuxvie.wipe.plan import Method, WipeOptions

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
    from deuxvie.probes.usage import device_usage
    from deuxvie.wipe.engine import run_wipes
    from deuxvie.wipe.identity import probe_capabilities, probe_media
    from deuxvie.wipe.journal import Journal
    from deuxvie.wipe.plan import WipeTarget, plan_wipe
    from deuxvie.wipe.progress import WipeProgress
    from deuxvie.wipe.smart_after import reread_smart

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


# ---- report: build, validate, sign, spool ------------------------------------------------


def _server(data: Any) -> str:
    # The label and certificate need a URL prefix for the QR even offline (facts.OFFLINE_SERVER)
    from deuxvie.certificate.facts import OFFLINE_SERVER

    return str(data.server_url or data.config.server_url or OFFLINE_SERVER)


def resolve_server(config: Config) -> Config:
    """The service URL: the config's, else the one the station enrolled with."""
    if config.server_url:
        return config
    try:
        from deuxvie.station.store import StationError, StationStore

        server = StationStore(config.station_dir).info().get("server")
    except (ImportError, StationError, OSError, ValueError):
        return config
    return dataclasses.replace(config, server_url=server) if server else config


UNSET = "(non renseigné / not set)"


def report_step(ctx: StepContext) -> StepOutput:
    from deuxvie import wire
    from deuxvie.report.build import EvidenceTooLarge, ReportContext, build_report
    from deuxvie.report.image import image_hash, image_identity
    from deuxvie.station.store import StationError, StationStore

    data = ctx.data
    cfg = data.config
    store = StationStore(cfg.station_dir)
    notes = []
    if not store.key_path.exists() and not store.info_path.exists():
        # A stick without a station yet: make the key now, so this machine's report is
        # signed and spooled; `deuxvie station enrol` + `deuxvie sync` deliver it later.
        created = store.init()
        notes.append(
            reason(
                "report.station_created",
                f"station {created['station_id']} créée sur la clé : à enrôler "
                "(deuxvie station enrol) avant l'envoi",
                f"station {created['station_id']} created on the stick: enrol it "
                "(deuxvie station enrol) before upload",
            )
        )
    try:
        info = store.info()
    except StationError as exc:
        return StepOutput(
            StepState.FAILED,
            (
                reason(
                    "report.no_station",
                    f"station non initialisée ({exc}) : deuxvie station init",
                    f"station not initialised ({exc}): deuxvie station init",
                ),
            ),
            problem=True,
        )
    image = image_identity(ctx.host)
    context = ReportContext(
        image=image,
        image_hash=image_hash(image),
        station_id=info["station_id"],
        key_id=info["key_id"],
        # The schema wants both non-empty; a stick without them still gets its report,
        # saying plainly that nobody filled them in.
        operator=cfg.operator or UNSET,
        organisation=cfg.organisation or UNSET,
        donor_id=cfg.donor_id,
        donor_name=cfg.donor_name,
        lot_id=cfg.lot_id,
        asset_id=next_asset_id(cfg.data_dir, cfg.asset_prefix),
    )
    inventory = data.inventory
    assert inventory is not None  # the orchestrator always sets one

    def build(evidence: Path | None) -> dict[str, Any]:
        return build_report(
            inventory=inventory,
            diagnostics=data.diagnostics,
            erasure=data.erasure,
            grade=data.grade,
            context=context,
            evidence_dir=evidence,
        )

    try:
        report = build(data.evidence_dir)
    except EvidenceTooLarge as exc:
        report = build(None)
        notes.append(
            reason(
                "report.evidence_dropped",
                f"preuves brutes omises : {exc}",
                f"raw evidence left out: {exc}",
            )
        )
    wire.validate_report(report)
    data.report = report
    data.report_id = report["uuid"]
    data.spool_path = store.sign_and_spool(report)
    data.server_url = cfg.server_url or info.get("server")
    if data.server_url:
        from deuxvie.certificate.facts import certificate_url

        data.report_url = certificate_url(report, data.server_url)
    text = f"{report['asset_id']} · {report['uuid']}"
    return StepOutput(StepState.DONE, (reason("report.signed", text, text), *notes))


# ---- label: always saved on the stick, printed when a printer is configured ---------------


def label_step(ctx: StepContext) -> StepOutput:
    from deuxvie.label.render import render_label_png

    data = ctx.data
    cfg = data.config
    if not isinstance(data.report, dict):
        why = reason("label.no_report", "pas de rapport : pas d'étiquette", "no report: no label")
        data.label_status = why
        return StepOutput(StepState.SKIPPED, (why,), problem=True)
    png = render_label_png(data.report, cfg.label_size, _server(data), cfg.language)
    name = f"{data.report.get('asset_id') or data.report['uuid']}.png"
    cfg.labels_dir.mkdir(parents=True, exist_ok=True)
    path = cfg.labels_dir / name
    _atomic_write(path, png)
    data.label_path = path
    if not cfg.printer:
        data.label_status = reason(
            "label.saved", f"enregistrée ({path}), pas d'imprimante", f"saved ({path}), no printer"
        )
        return StepOutput(StepState.DONE, (data.label_status,))
    from deuxvie.label.config import PrinterConfig
    from deuxvie.label.printers import print_label

    kind, _, target = cfg.printer.partition(":")
    spec = cfg.printer
    if kind == "file":
        dest = Path(target) if Path(target).is_absolute() else cfg.data_dir / target
        if dest.is_dir() or target.endswith("/"):
            dest = dest / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        spec = f"file:{dest}"
    printer = PrinterConfig.from_spec(
        spec, size=cfg.label_size, server=_server(data), lang=cfg.language
    )
    try:
        job = print_label(data.report, printer, ctx.host)
    except Exception as exc:  # PrintError, OSError, a printer that is off...
        data.label_status = reason(
            "label.print_failed",
            f"enregistrée ({path}) mais non imprimée : {exc}",
            f"saved ({path}) but not printed: {exc}",
        )
        return StepOutput(StepState.FAILED, (data.label_status,), problem=True)
    where = f"{job.transport}:{job.target}"
    data.label_status = (
        reason("label.file", f"écrite dans {job.target}", f"written to {job.target}")
        if kind == "file"
        else reason("label.printed", f"imprimée ({where})", f"printed ({where})")
    )
    return StepOutput(StepState.DONE, (data.label_status,))


# ---- upload ------------------------------------------------------------------------------


def upload_step(ctx: StepContext) -> StepOutput:
    from deuxvie.report.upload import sync_spool
    from deuxvie.station.store import StationStore

    data = ctx.data
    if data.spool_path is None:
        why = reason("upload.no_report", "aucun rapport à envoyer", "no report to send")
        data.upload_status = why
        return StepOutput(StepState.SKIPPED, (why,), problem=True)
    store = StationStore(data.config.station_dir)
    summary = sync_spool(store.spool_dir, store.sent_dir, store.rejected_dir, _server(data),
                         service_key=store.service_key())
    mine = data.spool_path.name
    if mine in summary.delivered:
        others = len(summary.delivered) - 1
        extra_fr = f" (+{others} en attente envoyés)" if others else ""
        extra_en = f" (+{others} queued sent)" if others else ""
        data.upload_status = reason(
            "upload.sent", f"rapport envoyé{extra_fr}", f"report sent{extra_en}"
        )
        return StepOutput(StepState.DONE, (data.upload_status,))
    for name, status, message in summary.rejected:
        if name == mine:
            data.upload_status = reason(
                "upload.rejected",
                f"refusé par le service (HTTP {status}) : {message}",
                f"refused by the service (HTTP {status}): {message}",
            )
            return StepOutput(StepState.FAILED, (data.upload_status,), problem=True)
    data.upload_status = reason(
        "upload.offline",
        f"service injoignable ({summary.error}) : rapport gardé sur la clé, "
        "envoi plus tard (deuxvie sync)",
        f"service unreachable ({summary.error}): report kept on the stick, "
        "sent later (deuxvie sync)",
    )
    return StepOutput(StepState.SKIPPED, (data.upload_status,))


# ---- assembly --------------------------------------------------------------------------

# step -> (modules it needs, adapter)
_ADAPTERS: dict[StepName, tuple[tuple[str, ...], Any]] = {
    StepName.INVENTORY: (("deuxvie.inventory",), inventory_step),
    StepName.SMART: (("deuxvie.grading.smart_eval",), smart_step),
    StepName.GRADE: (("deuxvie.grading.grade",), grade_step),
    StepName.CERTIFICATE: (("deuxvie.certificate.pdf",), certificate_step),
    StepName.SELFTEST: (("deuxvie.diagnostics.selftest",), selftest_step),
    StepName.SURFACE: (("deuxvie.diagnostics.surface",), surface_step),
    StepName.CPU: (("deuxvie.diagnostics.cpu_stress",), cpu_step),
    StepName.RAM: (("deuxvie.diagnostics.ram_test",), ram_step),
    StepName.WIPE: (("deuxvie.wipe.engine", "deuxvie.probes.usage"), wipe_step),
    StepName.REPORT: (("deuxvie.report.build", "deuxvie.station.store"), report_step),
    StepName.LABEL: (("deuxvie.label.render",), label_step),
    StepName.UPLOAD: (("deuxvie.report.upload", "deuxvie.station.store"), upload_step),
}


# Where each not-yet-wired step will come from (shown to the operator as what is missing).
_EXPECTED: dict[StepName, str] = {
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
