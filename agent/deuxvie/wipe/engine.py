"""Execute wipe plans: all disks at once, one worker thread each (the I/O syscalls and
memcmp release the GIL), each producing one ErasureRecord.

Status rules (DESIGN.md, Erasure): ERASED only when every addressable sector was
written (or purged by the drive) and read back as expected; any I/O error, mismatch,
firmware failure, unverified wipe or HPA/DCO left in place gives FAILED; a stop request
or a journal left "running" by a killed run gives INTERRUPTED; refusals give SKIPPED.
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from deuxvie import __version__
from deuxvie.host.base import Host, HostError
from deuxvie.host.block import BlockIO
from deuxvie.i18n import reason
from deuxvie.model.common import Reason
from deuxvie.model.erasure import (
    ErasureRecord,
    ErasureStatus,
    IoErrorRecord,
    IoOperation,
    MediaIdentity,
)
from deuxvie.parsers.errors import ParseError
from deuxvie.probes.usage import device_usage
from deuxvie.wipe import crypto_check, hpa
from deuxvie.wipe.firmware_exec import run_firmware
from deuxvie.wipe.identity import identity_key
from deuxvie.wipe.ioerrors import ErrorLog
from deuxvie.wipe.journal import Journal
from deuxvie.wipe.overwrite import write_pass
from deuxvie.wipe.patterns import Pattern, make_pattern
from deuxvie.wipe.plan import WipePlan, usage_refusals
from deuxvie.wipe.progress import Interrupted, Meter, ProgressCallback, WipeProgress
from deuxvie.wipe.verify import full_ranges, sample_ranges, verify

TOOL = f"deuxvie {__version__}"
CRYPTO_DEFAULT_SAMPLE_PCT = 1.0


@dataclass
class WipeHooks:
    """Test seams: alter the medium between write and verify, wrap the opened device
    (fault injection), and replace sleeping while polling firmware."""

    after_write: Callable[[BlockIO], None] | None = None
    wrap_block: Callable[[BlockIO], BlockIO] | None = None
    sleep: Callable[[float], None] = time.sleep
    poll_interval_s: float = 10.0


@dataclass
class _Run:
    plan: WipePlan
    media: MediaIdentity
    started: float = field(default_factory=time.time)
    commands: list[tuple[str, ...]] = field(default_factory=list)
    firmware_log: list[str] = field(default_factory=list)
    operations: list[IoOperation] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)
    errors: list[IoErrorRecord] = field(default_factory=list)
    errors_total: int = 0
    bytes_total: int = 0
    bytes_written: int = 0
    bytes_verified: int = 0
    verified_scope: int = 0  # bytes the verification covered (coverage numerator)
    samples: int = 0
    fatal: bool = False
    warn: bool = False
    size_before: int | None = None
    size_after: int | None = None
    io_seconds: float = 0.0

    def add_log(self, log: ErrorLog) -> None:
        self.errors.extend(log.records)
        self.errors_total += log.count

    def fail(self, r: Reason) -> None:
        self.fatal = True
        self.reasons.append(r)


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def _record(run: _Run, status: ErasureStatus, end: float | None = None) -> ErasureRecord:
    plan = run.plan
    end = end if end is not None else time.time()
    coverage = 100.0 * run.verified_scope / run.bytes_total if run.bytes_total else 0.0
    moved = run.bytes_written + run.verified_scope
    return ErasureRecord(
        media=run.media, status=status, category=plan.category, technique=plan.technique,
        commands=tuple(run.commands), pattern=plan.pattern, passes=plan.passes,
        verification=plan.verification, verification_coverage_pct=round(coverage, 3),
        bytes_written=run.bytes_written, bytes_verified=run.bytes_verified,
        errors=tuple(run.errors),
        throughput_bytes_per_s=(moved / run.io_seconds) if run.io_seconds > 0 else None,
        started_at=_iso(run.started), ended_at=_iso(end), tool=TOOL,
        reasons=tuple(plan.refusals) + tuple(plan.notes) + tuple(run.reasons),
        device=plan.target.device, errors_total=run.errors_total, bytes_total=run.bytes_total,
        size_before_bytes=run.size_before, size_after_bytes=run.size_after,
        duration_s=round(end - run.started, 3), verification_samples=run.samples,
        firmware_log=tuple(run.firmware_log), operations=tuple(run.operations),
    )


def _verify_ranges(plan: WipePlan, size: int, sector: int,
                   default_pct: float | None = None) -> list[tuple[int, int]]:
    if plan.verification == "full":
        return full_ranges(size)
    pct = plan.options.sample_pct
    if pct is None:
        pct = default_pct
    if pct is None:
        return []
    return sample_ranges(size, pct, sector)


def run_wipes(host: Host, plans: Sequence[WipePlan], progress_cb: ProgressCallback | None = None,
              *, journal: Journal | None = None, hooks: WipeHooks | None = None,
              stop: threading.Event | None = None) -> list[ErasureRecord]:
    """Run every plan in parallel (one worker per disk); records in the plans' order.
    `progress_cb` is called from the worker threads (keep it quick and thread-safe)."""
    journal = journal or Journal()
    hooks = hooks or WipeHooks()
    stop = stop or threading.Event()
    results: list[ErasureRecord | None] = [None] * len(plans)

    def work(i: int, plan: WipePlan) -> None:
        try:
            results[i] = execute_plan(host, plan, progress_cb, journal=journal, hooks=hooks,
                                      stop=stop)
        except Exception as exc:  # one disk's bug must not lose the other disks' records
            run = _Run(plan, plan.target.media)
            run.fail(reason("internal_error", f"erreur interne : {exc!r}",
                            f"internal error: {exc!r}"))
            results[i] = _record(run, ErasureStatus.FAILED)

    threads = [threading.Thread(target=work, args=(i, p), name=f"wipe {p.target.device}")
               for i, p in enumerate(plans)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [r for r in results if r is not None]


def execute_plan(host: Host, plan: WipePlan, progress_cb: ProgressCallback | None = None, *,
                 journal: Journal, hooks: WipeHooks | None = None,
                 stop: threading.Event | None = None) -> ErasureRecord:
    """Run one plan; always ends with a "done" progress event carrying the status."""
    record = _execute_plan(host, plan, progress_cb, journal, hooks or WipeHooks(), stop)
    if progress_cb:
        progress_cb(WipeProgress(plan.target.device, "done", plan.passes, record.bytes_total,
                                 record.bytes_total, 0.0, 0.0, record.status.value))
    return record


def _execute_plan(host: Host, plan: WipePlan, progress_cb: ProgressCallback | None,
                  journal: Journal, hooks: WipeHooks,
                  stop: threading.Event | None) -> ErasureRecord:
    run = _Run(plan, plan.target.media)
    run.bytes_total = plan.target.media.apparent_size_bytes
    key = identity_key(plan.target.media)
    if plan.refused:
        return _record(run, ErasureStatus.SKIPPED)

    previous = journal.interrupted(key)
    if previous is not None and not plan.options.restart_interrupted:
        d = previous.data
        run.bytes_written = int(d.get("bytes_written", 0))
        run.reasons.append(reason(
            "interrupted",
            f"l'effacement commencé le {d.get('started_at', '?')} a été interrompu "
            f"({run.bytes_written} octets écrits) : jamais certifié ; relancer avec --restart",
            f"the wipe started at {d.get('started_at', '?')} was interrupted "
            f"({run.bytes_written} bytes written): never certified; run again with --restart"))
        return _record(run, ErasureStatus.INTERRUPTED)

    # The usage may have changed since the plan was printed (a USB key auto-mounted...).
    try:
        usage = device_usage(host, plan.target.media.path)
    except (OSError, HostError) as exc:
        run.fail(reason("gone", f"disque introuvable : {exc}", f"disk not found: {exc}"))
        return _record(run, ErasureStatus.FAILED)
    refusals = usage_refusals(usage, plan.target.media)  # the plan's rule (wipe/safety), again
    if refusals:
        run.reasons.extend(refusals)
        return _record(run, ErasureStatus.SKIPPED)

    journal.begin(key, device=plan.target.device, path=plan.target.media.path,
                  technique=plan.technique, started_at=_iso(run.started))
    status = ErasureStatus.FAILED
    try:
        status = _execute(host, plan, run, progress_cb, journal, key, hooks, stop)
    except Interrupted:
        run.reasons.append(reason("stopped", "arrêt demandé : effacement interrompu, non certifié",
                                  "stop requested: wipe interrupted, not certified"))
        status = ErasureStatus.INTERRUPTED
    except OSError as exc:
        run.fail(reason("io_error", f"erreur d'entrée/sortie : {exc}", f"I/O error: {exc}"))
        status = ErasureStatus.FAILED
    except (HostError, ParseError) as exc:
        run.fail(reason("host_error", f"erreur : {exc}", f"error: {exc}"))
        status = ErasureStatus.FAILED
    record = _record(run, status)
    journal.finish(key, status.value, bytes_written=run.bytes_written, ended_at=record.ended_at)
    return record


def _open(host: Host, plan: WipePlan, hooks: WipeHooks) -> BlockIO:
    dev = host.open_block(plan.target.media.path, write=True)
    return hooks.wrap_block(dev) if hooks.wrap_block else dev


def _restore_hpa(host: Host, plan: WipePlan, run: _Run) -> bool:
    """Remove the HPA; True when the kernel now sees the native size."""
    assert plan.hpa_restore is not None
    media = plan.target.media
    run.commands.append(plan.hpa_restore)
    r = host.run(plan.hpa_restore, timeout_s=60)
    run.firmware_log.append(f"{' '.join(plan.hpa_restore)} -> exit {r.returncode}")
    state = hpa.parse_hdparm_n(host.run(hpa.hpa_argv(media.path), timeout_s=60).text)
    run.commands.append(hpa.hpa_argv(media.path))
    if state.hidden_sectors:
        return False
    run.media = dataclasses.replace(run.media, hpa="removed")
    # The kernel keeps the old capacity until the SCSI device is rescanned.
    name = os.path.basename(media.path)
    try:
        host.write_text(f"/sys/block/{name}/device/rescan", "1")
    except (OSError, HostError) as exc:
        run.firmware_log.append(f"rescan failed: {exc}")
    return True


def _execute(host: Host, plan: WipePlan, run: _Run, progress_cb: ProgressCallback | None,
             journal: Journal, key: str, hooks: WipeHooks,
             stop: threading.Event | None) -> ErasureStatus:
    opts = plan.options
    caps = plan.target.caps
    device = plan.target.device

    def meter(phase: str, total: int, pass_no: int = 1) -> Meter:
        return Meter(device, phase, total, progress_cb, stop, pass_no,
                     throttle_s=opts.throttle_s)

    hidden_left = False
    if caps.hpa is not None and caps.hpa.hidden_sectors:
        run.size_before = caps.hpa.visible_sectors * plan.target.media.logical_sector_bytes
        if plan.hpa_restore is None or not _restore_hpa(host, plan, run):
            hidden_left = True
    if (caps.dco_real_max_sectors is not None and caps.hpa is not None
            and caps.dco_real_max_sectors > caps.hpa.native_sectors):
        hidden_left = True

    firmware_ok: bool | None = None
    crypto_before: list[crypto_check.Digest] = []
    fw_log = ErrorLog("firmware")
    op = plan.firmware
    if op is not None:
        if op.crypto:
            before_dev = _open(host, plan, hooks)
            try:
                ranges = _verify_ranges(plan, before_dev.size_bytes,
                                        before_dev.logical_sector_bytes,
                                        CRYPTO_DEFAULT_SAMPLE_PCT)
                crypto_before = crypto_check.digest_ranges(
                    before_dev, ranges, meter("sample-before", sum(n for _, n in ranges)),
                    fw_log)
            finally:
                before_dev.close()
            run.add_log(fw_log)

        fmeter = meter("firmware", run.bytes_total)

        def fw_progress(fraction: float, detail: str) -> None:
            fmeter.update(int(fraction * run.bytes_total))

        t0 = time.monotonic()
        fw = run_firmware(host, plan, fw_progress, hooks.sleep, hooks.poll_interval_s)
        run.io_seconds += time.monotonic() - t0
        run.commands.extend(fw.commands)
        run.firmware_log.extend(fw.log)
        run.reasons.extend(fw.reasons)
        firmware_ok = fw.ok
        if fw.password_left:
            run.fatal = True

    dev = _open(host, plan, hooks)
    try:
        size = dev.size_bytes
        run.bytes_total = size
        if run.size_before is not None:
            run.size_after = size
            if not hidden_left and plan.target.caps.hpa is not None and size < (
                    plan.target.caps.hpa.native_sectors * dev.logical_sector_bytes):
                hidden_left = True
                run.reasons.append(reason(
                    "hpa_size_stale", "le noyau voit encore l'ancienne taille : redémarrer",
                    "the kernel still sees the old size: reboot"))
        overwrite = op is None or (firmware_ok is False and opts.fallback_overwrite)
        if op is not None and firmware_ok:
            t0 = time.monotonic()
            if op.crypto:
                log = ErrorLog("verify")
                total = sum(d.length for d in crypto_before)
                run.bytes_verified = crypto_check.compare_after(
                    dev, crypto_before, meter("verify", total), log, opts.io_retries)
                run.verified_scope = total
                run.samples = len(crypto_before)
                run.add_log(log)
            else:
                _verify(dev, plan, run, make_pattern("zero"), meter)
            run.io_seconds += time.monotonic() - t0
            if op.crypto and run.errors_total:
                pass
            elif not op.crypto and run.errors_total and opts.fallback_overwrite \
                    and all(e.phase == "verify" and e.message.startswith("content")
                            for e in run.errors):
                # The drive reported success but the data says otherwise (QEMU-RIG.md:
                # hdparm exits 0 on an aborted erase): overwrite instead.
                run.reasons.append(reason(
                    "firmware_unverified",
                    "le disque annonce un effacement mais les données restent : écrasement",
                    "the drive reported an erase but data remains: overwriting"))
                run.errors.clear()
                run.errors_total = 0
                run.bytes_verified = run.verified_scope = 0  # the overwrite verifies anew
                overwrite = True
        if op is not None and overwrite:
            run.warn = True
            run.reasons.append(reason(
                "fallback_overwrite", "méthode du disque en échec : écrasement logiciel (Clear)",
                "drive method failed: software overwrite instead (Clear)"))
        elif op is not None and firmware_ok is False:
            run.fatal = True
        if overwrite:
            pattern = _overwrite(dev, plan, run, journal, key, meter)
            if hooks.after_write:
                hooks.after_write(dev)
            t0 = time.monotonic()
            _verify(dev, plan, run, pattern, meter)
            run.io_seconds += time.monotonic() - t0
    finally:
        dev.close()
    return _status(plan, run, hidden_left)


def _overwrite(dev: BlockIO, plan: WipePlan, run: _Run, journal: Journal, key: str,
               meter: Callable[[str, int, int], Meter]) -> Pattern:
    opts = plan.options
    pattern_name = plan.pattern if plan.pattern and not plan.firmware else "zero"
    pattern: Pattern = make_pattern(pattern_name)
    passes = plan.passes if not plan.firmware else 1
    for p in range(1, passes + 1):
        pattern = make_pattern(pattern_name)  # a fresh key per pass
        m = meter("write", dev.size_bytes, p)
        m.cb = _journaling(journal, key, m.cb)
        m.min_interval_s = 0.5
        t0 = time.monotonic()
        try:
            res = write_pass(dev, pattern, m, block_bytes=opts.block_bytes,
                             retries=opts.io_retries)
        except Interrupted:
            run.bytes_written += m.done  # what was written before the stop request
            raise
        run.io_seconds += time.monotonic() - t0
        run.bytes_written += res.bytes_written
        run.add_log(res.errors)
        run.operations.append(IoOperation(
            "write", pattern.name, res.bytes_written, opts.block_bytes,
            getattr(dev, "direct", None), pass_no=p, passes=passes))
    return pattern


def _journaling(journal: Journal, key: str, inner: ProgressCallback | None
                ) -> ProgressCallback:
    def cb(progress: WipeProgress) -> None:
        journal.checkpoint(key, bytes_written=progress.bytes_done, pass_no=progress.pass_no)
        if inner:
            inner(progress)

    return cb


def _verify(dev: BlockIO, plan: WipePlan, run: _Run, pattern: Pattern,
            meter: Callable[[str, int], Meter]) -> None:
    ranges = _verify_ranges(plan, dev.size_bytes, dev.logical_sector_bytes)
    if not ranges:
        return
    total = sum(n for _, n in ranges)
    res = verify(dev, pattern, ranges, meter("verify", total),
                 block_bytes=plan.options.block_bytes, retries=plan.options.io_retries)
    run.bytes_verified += res.bytes_verified
    run.verified_scope = res.bytes_checked
    run.samples = len(ranges)
    run.add_log(res.errors)
    run.operations.append(IoOperation(
        "verify", pattern.name, res.bytes_checked, plan.options.block_bytes,
        getattr(dev, "direct", None), scope="full" if plan.verification == "full" else "sample",
        ranges=len(ranges)))


def _status(plan: WipePlan, run: _Run, hidden_left: bool) -> ErasureStatus:
    size = run.bytes_total
    if run.errors_total:
        run.reasons.append(reason(
            "io_errors", f"{run.errors_total} erreur(s) (voir les décalages) : non certifié",
            f"{run.errors_total} error(s) (see offsets): not certified"))
        return ErasureStatus.FAILED
    if hidden_left:
        run.reasons.append(reason("hidden_area", "zone cachée (HPA/DCO) non effacée",
                                  "hidden area (HPA/DCO) not erased"))
        return ErasureStatus.FAILED
    if run.fatal:
        return ErasureStatus.FAILED
    overwritten = plan.firmware is None or run.warn
    if overwritten and run.bytes_written < size * (plan.passes if plan.firmware is None else 1):
        run.reasons.append(reason("short_write", "tous les secteurs n'ont pas été écrits",
                                  "not every sector was written"))
        return ErasureStatus.FAILED
    if plan.verification == "none" and not (plan.firmware and plan.firmware.crypto
                                            and run.verified_scope):
        run.reasons.append(reason("unverified", "effacement non vérifié : non certifiable",
                                  "erasure not verified: not certifiable"))
        return ErasureStatus.FAILED
    if run.bytes_verified < run.verified_scope or run.verified_scope == 0:
        run.reasons.append(reason("verify_incomplete", "vérification incomplète",
                                  "verification incomplete"))
        return ErasureStatus.FAILED
    if run.verified_scope < size:
        run.reasons.append(reason(
            "sampled", f"vérification par échantillon ({run.verified_scope * 100 / size:.2f} %)",
            f"verification by sampling ({run.verified_scope * 100 / size:.2f} %)"))
        return ErasureStatus.ERASED_WITH_WARNINGS
    if run.warn:
        return ErasureStatus.ERASED_WITH_WARNINGS
    return ErasureStatus.ERASED
