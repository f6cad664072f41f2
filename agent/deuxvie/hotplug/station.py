"""The station loop: udev events in, one worker thread per hot-plugged disk.

Each worker runs the whole life of one loose disk: identity (model, serial, WWN, bus, size,
HPA/DCO through the wipe engine's probes), SMART, the wipe plan of the policy (Purge where
the drive supports it, else Clear + verify: deuxvie.wipe.plan), the engine's execute_plan
with a stop flag of its own, then its own signed "loose_disk" report, certificate PDF and
label, and the upload. A `remove` event of a running disk sets that flag: the engine stops
at its next block and the record is INTERRUPTED (forced so even if the engine had already
seen I/O errors or finished a block), the slot is free at once, and a disk plugged back is
a new slot wiped from the start (the journal's INTERRUPTED entry does not block it:
restart_interrupted).
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deuxvie.certificate.facts import OFFLINE_SERVER, certificate_url
from deuxvie.config import Config
from deuxvie.host.base import Host
from deuxvie.hotplug.report import build_loose_disk_report
from deuxvie.hotplug.screen import SlotView, StationScreen
from deuxvie.hotplug.tracker import Freed, Ignore, Start, Stop, Tracker
from deuxvie.hotplug.udev import UdevEvent
from deuxvie.i18n import pick, reason
from deuxvie.model.common import Outcome
from deuxvie.model.erasure import ErasureRecord, ErasureStatus
from deuxvie.model.smart import SmartFacts
from deuxvie.wipe.progress import WipeProgress

UNSET = "(non renseigné / not set)"
DEFAULT_LABEL_SIZE = "29x90"  # Brother die-cut 29x90 mm: fits on a 2.5" disk


@dataclass(frozen=True)
class StationOptions:
    config: Config
    label_size: str = DEFAULT_LABEL_SIZE
    rewipe: bool = False  # wipe again a serial already erased in this session
    upload: bool = True
    throttle_s: float = 0.0  # engine test hook (slows each block), never set in production


@dataclass
class DiskOutcome:
    slot: int
    device: str
    record: ErasureRecord | None = None
    report: dict[str, Any] | None = None
    certificate: Path | None = None
    label: Path | None = None
    upload: str | None = None
    refused: tuple[str, str] | None = None


@dataclass
class _Job:
    start: Start
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    view: SlotView | None = None


def _atomic_write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(content)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class Station:
    def __init__(self, host: Host, options: StationOptions, screen: StationScreen,
                 tracker: Tracker) -> None:
        self.host, self.options, self.screen, self.tracker = host, options, screen, tracker
        self.lang = options.config.language
        self.jobs: dict[int, _Job] = {}
        self.outcomes: list[DiskOutcome] = []
        self._lock = threading.Lock()  # tracker, jobs, outcomes
        self._upload_lock = threading.Lock()  # one sync_spool at a time on the spool
        self._journal: Any = None
        # test seam: what a worker does (the real pipeline by default)
        self.work: Callable[[_Job], DiskOutcome] = self._work

    # ---- events ----------------------------------------------------------------------

    def handle(self, event: UdevEvent) -> None:
        with self._lock:
            actions = self.tracker.on_event(event)
        for action in actions:
            if isinstance(action, Start):
                self._start(action)
            elif isinstance(action, Stop):
                job = self.jobs.get(action.slot)
                if job is not None:
                    job.stop.set()
                    self._show(job, phase="removed", status="INTERRUPTED",
                               note=pick(("retiré pendant l'effacement : INTERROMPU, "
                                          "jamais certifié", "pulled out mid-wipe: "
                                          "INTERRUPTED, never certified"), self.lang))
            elif isinstance(action, Freed):
                job = self.jobs.get(action.slot)
                if job is not None and job.view is not None:
                    self._show(job, phase="removed")
            elif isinstance(action, Ignore):
                self.screen.message(f"{action.devname or action.devpath} : {action.fr}",
                                    f"{action.devname or action.devpath}: {action.en}")

    def _start(self, start: Start) -> None:
        job = _Job(start)
        job.view = SlotView(start.slot, start.devname, start.model, start.serial)
        self.jobs[start.slot] = job
        self.screen.update(job.view)
        job.thread = threading.Thread(target=self._run_job, args=(job,),
                                      name=f"station disk {start.slot}", daemon=True)
        job.thread.start()

    def _run_job(self, job: _Job) -> None:
        try:
            outcome = self.work(job)
        except Exception as exc:  # one disk's bug must not stop the station
            outcome = DiskOutcome(job.start.slot, job.start.devname)
            self._show(job, phase="done", status="FAILED", note=f"{exc!r}")
            with self._lock:
                self.tracker.finished(job.start.slot, "FAILED")
        with self._lock:
            self.outcomes.append(outcome)
        line = done_line(outcome)
        self.screen.message(line, line)

    def _show(self, job: _Job, **changes: Any) -> None:
        with self._lock:
            assert job.view is not None
            # a pulled disk's line stays INTERRUPTED whatever its worker reports later
            if self.tracker.removed(job.start.slot) and job.view.status == "INTERRUPTED":
                changes.pop("status", None)
                if changes.get("phase") != "removed":
                    changes.pop("phase", None)
            job.view = dataclasses.replace(job.view, **changes)
            view = job.view
        self.screen.update(view)

    def run(self, events: Iterable[UdevEvent], *, until: Callable[[], bool] | None = None
            ) -> list[DiskOutcome]:
        """Handle events until the stream ends (a replay) or `until()` says so; then wait
        for the running disks."""
        for event in events:
            self.handle(event)
            if until is not None and until():
                break
        self.wait()
        return sorted(self.outcomes, key=lambda o: o.slot)

    def wait(self, timeout_s: float | None = None) -> None:
        for job in list(self.jobs.values()):
            if job.thread is not None:
                job.thread.join(timeout_s)

    def stop_all(self) -> None:
        for job in self.jobs.values():
            job.stop.set()

    def busy(self) -> bool:
        return any(j.thread is not None and j.thread.is_alive() for j in self.jobs.values())

    # ---- one disk --------------------------------------------------------------------

    def dry_work(self, job: _Job) -> DiskOutcome:
        """A replayed session (`--replay-udev`): the decisions only. The devices a capture
        names belong to another machine (or are another disk now): nothing is opened,
        probed or written here."""
        fr = "relecture : serait effacé (rien n'est touché)"
        en = "replay: would be wiped (nothing is touched)"
        out = DiskOutcome(job.start.slot, job.start.devname, refused=(fr, en))
        with self._lock:
            self.tracker.finished(job.start.slot, "SKIPPED")
        self._show(job, phase="done", status="SKIPPED", note=pick((fr, en), self.lang))
        return out

    def _journal_dir(self) -> Any:
        from deuxvie.wipe.journal import Journal

        if self._journal is None:
            self._journal = Journal(self.options.config.data_dir / "wipe-journal")
        return self._journal

    def _work(self, job: _Job) -> DiskOutcome:
        from deuxvie.probes.disks import probe_smart
        from deuxvie.probes.usage import device_usage
        from deuxvie.wipe.engine import execute_plan
        from deuxvie.wipe.identity import probe_capabilities, probe_media
        from deuxvie.wipe.plan import Method, WipeOptions, WipeTarget, plan_wipe

        cfg = self.options.config
        n, dev = job.start.slot, job.start.devname
        out = DiskOutcome(n, dev)
        self._show(job, phase="identity")
        usage = device_usage(self.host, dev)
        media = probe_media(self.host, usage)
        self._show(job, model=media.model or job.start.model,
                   serial=media.serial or job.start.serial)
        with self._lock:
            refusal = self.tracker.claim_serial(n, media.serial)
        if refusal is not None:
            _code, fr, en = refusal
            out.refused = (fr, en)
            self._show(job, phase="done", status="SKIPPED", note=pick((fr, en), self.lang))
            return out
        caps = probe_capabilities(self.host, media)
        self._show(job, phase="smart")
        smart: Outcome[SmartFacts] = probe_smart(self.host, dev)
        options = WipeOptions(
            method=Method.AUTO, verify=cfg.verify, allow_purge=cfg.wipe_method == "purge",
            # plugged back after a pull: wipe again from the start, as the issue asks
            restart_interrupted=True, throttle_s=self.options.throttle_s,
        )
        plan = plan_wipe(WipeTarget(dev, media, usage, caps), options)
        if plan.refused:
            why = "; ".join(r.text(self.lang) for r in plan.refusals) or "?"
            out.refused = (why, why)
            with self._lock:
                self.tracker.finished(n, "SKIPPED")
            self._show(job, phase="done", status="SKIPPED", note=why)
            return out

        def progress(p: WipeProgress) -> None:
            if p.phase == "done" or job.stop.is_set():
                return
            self._show(job, phase=p.phase, fraction=p.fraction,
                       rate_bytes_per_s=p.bytes_per_s or None, eta_s=p.eta_s)

        record = execute_plan(self.host, plan, progress, journal=self._journal_dir(),
                              stop=job.stop)
        with self._lock:
            status = self.tracker.finished(n, record.status.value)
        if status == "INTERRUPTED" and record.status is not ErasureStatus.INTERRUPTED:
            record = dataclasses.replace(record, status=ErasureStatus.INTERRUPTED, reasons=(
                *record.reasons,
                reason("hotplug.removed", "disque retiré pendant l'effacement : jamais certifié",
                       "disk pulled out during the wipe: never certified")))
        removed = status == "INTERRUPTED" and job.stop.is_set()
        smart_after = None if removed else probe_smart(self.host, dev).value
        record = dataclasses.replace(record, smart_before=smart.value, smart_after=smart_after)
        out.record = record
        self._show(job, phase="report", status=record.status.value)
        self._finish(job, out, smart)
        return out

    def _finish(self, job: _Job, out: DiskOutcome, smart: Outcome[SmartFacts]) -> None:
        """Report, certificate, label, upload; a failure of one is shown, the others go on."""
        from deuxvie import wire
        from deuxvie.certificate.pdf import render_certificate
        from deuxvie.label.render import render_label_png
        from deuxvie.pipeline.asset import next_asset_id
        from deuxvie.report.build import ReportContext
        from deuxvie.station.store import StationStore

        assert out.record is not None
        cfg = self.options.config
        store = StationStore(cfg.station_dir)
        notes: list[str] = []
        try:
            with self._lock:
                if not store.key_path.exists() and not store.info_path.exists():
                    store.init()
            info = store.info()
            context = ReportContext(
                station_id=info["station_id"], key_id=info["key_id"],
                operator=cfg.operator or UNSET, organisation=cfg.organisation or UNSET,
                donor_id=cfg.donor_id, donor_name=cfg.donor_name, lot_id=cfg.lot_id,
                asset_id=next_asset_id(cfg.data_dir, cfg.asset_prefix),
            )
            report = build_loose_disk_report(out.record, smart, context)
            wire.validate_report(report)
            store.sign_and_spool(report)
            out.report = report
        except Exception as exc:
            self._show(job, phase="done",
                       note=pick((f"rapport impossible : {exc}", f"no report: {exc}"), self.lang))
            return
        server = str(cfg.server_url or info.get("server") or OFFLINE_SERVER)
        name = str(report["asset_id"])
        try:
            out.certificate = cfg.certificates_dir / f"{name}.pdf"
            _atomic_write(out.certificate, render_certificate(report, None, self.lang, server))
        except Exception as exc:
            out.certificate = None
            notes.append(pick((f"certificat : {exc}", f"certificate: {exc}"), self.lang))
        try:
            out.label = cfg.labels_dir / f"{name}.png"
            _atomic_write(out.label, render_label_png(report, self.options.label_size, server,
                                                      self.lang))
        except Exception as exc:
            out.label = None
            notes.append(pick((f"étiquette : {exc}", f"label: {exc}"), self.lang))
        if self.options.upload and (cfg.server_url or info.get("server")):
            out.upload = self._upload(store, server, report["uuid"])
            notes.append(out.upload)
        notes.insert(0, certificate_url(report, server))
        self._show(job, phase="done", note=" · ".join(notes))

    def _upload(self, store: Any, server: str, uuid: str) -> str:
        from deuxvie.report.upload import sync_spool

        with self._upload_lock:
            # the spool is shared: another disk's sync may have delivered this report already
            summary = sync_spool(store.spool_dir, store.sent_dir, store.rejected_dir, server,
                                 service_key=store.service_key())
        if summary.is_delivered(uuid) or any(p.name.startswith(uuid)
                                             for p in store.sent_dir.glob("*.json")):
            return pick(("envoyé", "sent"), self.lang)
        if any(name.startswith(uuid) for name, _s, _m in summary.rejected):
            return pick(("refusé par le service", "refused by the service"), self.lang)
        return pick(("gardé sur la clé (deuxvie sync)", "kept on the stick (deuxvie sync)"),
                    self.lang)


def done_line(o: DiskOutcome) -> str:
    """One machine-readable line per finished disk (serial logs, scripts, the QEMU test)."""
    status = o.record.status.value if o.record is not None else "SKIPPED"
    serial = o.record.media.serial if o.record is not None else "?"
    uuid = o.report["uuid"] if o.report else "-"
    return (f"DEUXVIE-STATION-DISK slot={o.slot} device={o.device} serial={serial} "
            f"status={status} report={uuid}")
