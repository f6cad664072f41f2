"""Run the steps in order; a failing step never stops the run.

Rules (DESIGN.md "a failing command never crashes the run"):
- each step's exception is recorded as FAILED with its text, and the next step runs;
- a diagnostic that cannot run is UNTESTED (never done, never a pass);
- the wipe is decided here, not in the engine: disks chosen by a pure function
  (selection.py), then ONE confirmation in attended mode, none in unattended mode;
- every disk of the donated PC that was not erased gets an unerased record (SKIPPED,
  FAILED or INTERRUPTED), so the grade and the certificate can never miss it;
- Ctrl-C stops the current step; the remaining tests and the wipe are skipped, but the
  grade, the report and the certificate are still made (they say INTERRUPTED).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from deuxvie.config import Config
from deuxvie.host.base import Host
from deuxvie.i18n import reason
from deuxvie.model.common import Outcome
from deuxvie.model.erasure import ErasureStatus
from deuxvie.model.inventory import DiskInfo, Inventory
from deuxvie.pipeline.selection import (
    SelectionPolicy,
    WipeDecision,
    select_wipe_targets,
    unerased_record,
)
from deuxvie.pipeline.steps import (
    DIAGNOSTIC_STEPS,
    FINISHING_STEPS,
    STEP_ORDER,
    ProgressEvent,
    RunData,
    StepContext,
    StepName,
    StepOutput,
    StepResult,
    Steps,
    StepState,
)

log = logging.getLogger(__name__)

# Attended mode: shown the decisions, returns True to wipe the selected disks.
ConfirmWipe = Callable[[Sequence[WipeDecision]], bool]


class Observer(Protocol):
    def step_changed(self, result: StepResult) -> None: ...

    def progress(self, event: ProgressEvent) -> None: ...


class NullObserver:
    def step_changed(self, result: StepResult) -> None:
        pass

    def progress(self, event: ProgressEvent) -> None:
        pass


@dataclass(frozen=True)
class RunOutcome:
    results: tuple[StepResult, ...]
    data: RunData
    interrupted: bool
    started_at: str
    ended_at: str
    duration_s: float

    def result(self, name: StepName) -> StepResult:
        return next(r for r in self.results if r.name == name)


NOT_AVAILABLE = reason(
    "step.not_available",
    "étape pas encore disponible dans cette version de deuxvie",
    "step not available in this build of deuxvie",
)
INTERRUPTED = reason("run.interrupted", "interrompu par l'opérateur", "interrupted by the operator")


def failed_inventory(why: str) -> Inventory:
    """An inventory that says, field by field, that nothing could be collected."""
    return Inventory(
        system=Outcome.failed(why),
        firmware=Outcome.failed(why),
        cpu=Outcome.failed(why),
        memory=Outcome.failed(why),
        disks=Outcome.failed(why),
        screens=Outcome.failed(why),
        batteries=Outcome.failed(why),
        network=Outcome.failed(why),
        gpus=Outcome.failed(why),
        notes=(f"inventory failed: {why}",),
    )


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Pipeline:
    def __init__(
        self,
        host: Host,
        config: Config,
        steps: Steps,
        *,
        observer: Observer | None = None,
        confirm: ConfirmWipe | None = None,
        preconfirmed: bool = False,
        selection: SelectionPolicy | None = None,
        extra_disks: Sequence[DiskInfo] = (),
        only_extra_disks: bool = False,
        guided: Any = None,
    ) -> None:
        """`confirm` is asked once before any wipe in attended mode (config.unattended
        false and not `preconfirmed`); without it an attended run wipes nothing.
        `extra_disks` are added to the inventory's disks, or replace them with
        `only_extra_disks` (the demo: its loop devices are the virtual PC's disks, the dev
        machine's own disk is not part of it). `guided(functions inventory, automatic
        results, functions policy) -> results` runs the attended function checks."""
        self.host = host
        self.config = config
        self.steps = steps
        self.observer: Observer = observer or NullObserver()
        self.confirm = confirm
        self.preconfirmed = preconfirmed
        self.selection = selection or SelectionPolicy(allow_removable=config.wipe_removable)
        self.extra_disks = tuple(extra_disks)
        self.only_extra_disks = only_extra_disks
        self.data = RunData(config=config, guided=guided)
        self.results: dict[StepName, StepResult] = {
            name: StepResult(name, StepState.PENDING) for name in STEP_ORDER
        }

    # ---- public -------------------------------------------------------------------

    def run(self) -> RunOutcome:
        started, t0 = _now(), time.monotonic()
        for name in STEP_ORDER:
            self.observer.step_changed(self.results[name])
        for name in STEP_ORDER:
            try:
                self._run_step(name)
            except KeyboardInterrupt:
                # Ctrl-C landed outside the step itself (while its state was being drawn):
                # same outcome as inside it.
                self.data.interrupted = True
                if self.results[name].state in (StepState.PENDING, StepState.RUNNING):
                    self._set(
                        StepResult(
                            name,
                            StepState.FAILED,
                            (INTERRUPTED,),
                            True,
                            ended_at=_now(),
                            error="KeyboardInterrupt",
                        )
                    )
        return RunOutcome(
            results=tuple(self.results[n] for n in STEP_ORDER),
            data=self.data,
            interrupted=self.data.interrupted,
            started_at=started,
            ended_at=_now(),
            duration_s=time.monotonic() - t0,
        )

    # ---- one step -----------------------------------------------------------------

    def _set(self, result: StepResult) -> None:
        self.results[result.name] = result
        self.observer.step_changed(result)

    def _progress(self, event: ProgressEvent) -> None:
        try:
            self.observer.progress(event)
        except Exception:  # a drawing bug must not kill a wipe in progress
            log.exception("progress display failed")

    def _run_step(self, name: StepName) -> None:
        if self.data.interrupted and name not in FINISHING_STEPS:
            if name == StepName.WIPE:
                # decided but not started: the donor's disks still get their SKIPPED records
                self.data.wipe_decisions = select_wipe_targets(self._disks(), self.selection)
                self.data.wipe_targets = ()
            self._finish_without_running(name, StepOutput(StepState.SKIPPED, (INTERRUPTED,)))
            return
        pre = self._precheck(name)
        if pre is not None:
            self._finish_without_running(name, pre)
            return
        fn = self.steps.get(name)
        if fn is None:
            state = StepState.UNTESTED if name in DIAGNOSTIC_STEPS else StepState.SKIPPED
            self._finish_without_running(name, StepOutput(state, (NOT_AVAILABLE,)))
            return

        started, t0 = _now(), time.monotonic()
        self._set(StepResult(name, StepState.RUNNING, started_at=started))
        ctx = StepContext(self.host, self.data, name, self._progress)
        error: str | None = None
        try:
            out = fn(ctx)
        except KeyboardInterrupt:
            self.data.interrupted = True
            out = StepOutput(StepState.FAILED, (INTERRUPTED,), problem=True)
            error = "KeyboardInterrupt"
        except Exception as exc:
            log.exception("step %s crashed", name)
            error = f"{type(exc).__name__}: {exc}"
            out = StepOutput(
                StepState.FAILED,
                (reason("step.crashed", f"erreur : {error}", f"error: {error}"),),
                problem=True,
            )
        out = self._after(name, out, error)
        self._set(
            StepResult(
                name,
                out.state,
                out.reasons,
                out.problem,
                started_at=started,
                ended_at=_now(),
                duration_s=time.monotonic() - t0,
                error=error,
            )
        )

    def _finish_without_running(self, name: StepName, out: StepOutput) -> None:
        out = self._after(name, out, None)
        now = _now()
        self._set(StepResult(name, out.state, out.reasons, out.problem, now, now, 0.0))

    # ---- what is decided around the steps -------------------------------------------

    def _precheck(self, name: StepName) -> StepOutput | None:
        """Steps the configuration switched off, and the wipe's own gate."""
        cfg = self.config
        off: tuple[bool, str, str] | None = None
        if name == StepName.SELFTEST and cfg.selftest == "none":
            off = (True, "autotest SMART désactivé (tests.selftest)", "self-test off")
        elif name == StepName.CPU and cfg.cpu_stress_s == 0:
            off = (True, "test CPU désactivé (tests.cpu_stress_s)", "CPU test off")
        elif name == StepName.RAM and cfg.ram_test_pct == 0:
            off = (True, "test mémoire désactivé (tests.ram_test_pct)", "RAM test off")
        elif name == StepName.UPLOAD and not cfg.server_url:
            off = (
                False,
                "aucun serveur configuré : rapport gardé sur la clé",
                "no server configured: report kept on the stick",
            )
        if off is not None:
            untested, fr, en = off
            # A test switched off is still a function nobody tested.
            state = StepState.UNTESTED if untested else StepState.SKIPPED
            return StepOutput(state, (reason(f"{name}.off", fr, en),))
        if name == StepName.WIPE:
            return self._decide_wipe()
        return None

    def _disks(self) -> tuple[DiskInfo, ...]:
        inv = self.data.inventory
        if inv is None or inv.disks.value is None:
            return self.extra_disks
        return inv.disks.value

    def _decide_wipe(self) -> StepOutput | None:
        inv = self.data.inventory
        if (inv is None or inv.disks.value is None) and not self.extra_disks:
            why = inv.disks.reason if inv is not None else None
            return StepOutput(
                StepState.FAILED,
                (
                    reason(
                        "wipe.no_inventory",
                        f"liste des disques inconnue : rien n'a été effacé ({why})",
                        f"disk list unknown: nothing was wiped ({why})",
                    ),
                ),
                problem=True,
            )
        decisions = select_wipe_targets(self._disks(), self.selection)
        self.data.wipe_decisions = decisions
        targets = tuple(d.disk for d in decisions if d.wipe)
        if not targets:
            self.data.wipe_targets = ()
            return StepOutput(
                StepState.SKIPPED,
                (reason("wipe.none", "aucun disque à effacer", "no disk to wipe"),),
                problem=any(d.donor_disk for d in decisions),
            )
        attended = not self.config.unattended and not self.preconfirmed
        if attended:
            ok = self.confirm(decisions) if self.confirm is not None else False
            if not ok:
                self.data.wipe_targets = ()
                refused = reason(
                    "wipe.refused",
                    "effacement refusé par l'opérateur",
                    "wipe refused by the operator",
                )
                for disk in targets:
                    self.data.erasure.append(
                        unerased_record(disk, ErasureStatus.SKIPPED, (refused,))
                    )
                return StepOutput(StepState.SKIPPED, (refused,), problem=True)
        self.data.wipe_targets = targets
        return None

    def _after(self, name: StepName, out: StepOutput, error: str | None) -> StepOutput:
        if name == StepName.INVENTORY:
            self._after_inventory(error or "; ".join(r.en for r in out.reasons))
        elif name == StepName.WIPE:
            self._after_wipe(out, error)
        return out

    def _after_inventory(self, why: str) -> None:
        if self.data.inventory is None:
            self.data.inventory = failed_inventory(why or "no inventory")
        if self.extra_disks:
            inv = self.data.inventory
            own = () if self.only_extra_disks else tuple(inv.disks.value or ())
            known = {d.path for d in own}
            merged = own + tuple(d for d in self.extra_disks if d.path not in known)
            self.data.inventory = dataclasses.replace(inv, disks=Outcome.ok(merged))

    def _after_wipe(self, out: StepOutput, error: str | None) -> None:
        """Every donor disk ends with a record; a target the engine gave no record for is
        INTERRUPTED (Ctrl-C) or FAILED (crash, missing engine): never silently passed."""
        recorded = {r.media.path for r in self.data.erasure}
        targets = {d.path for d in self.data.wipe_targets}
        for decision in self.data.wipe_decisions:
            disk = decision.disk
            if disk.path in recorded or not decision.donor_disk:
                continue
            if not decision.wipe:
                status, why = ErasureStatus.SKIPPED, decision.reasons
            elif disk.path not in targets or out.state in (StepState.SKIPPED, StepState.UNTESTED):
                # never started: refused, interrupted before the wipe, no engine in this build
                status, why = ErasureStatus.SKIPPED, out.reasons
            elif self.data.interrupted:
                status, why = ErasureStatus.INTERRUPTED, (INTERRUPTED,)
            else:
                status = ErasureStatus.FAILED
                why = (
                    reason(
                        "wipe.no_record",
                        f"aucun résultat d'effacement ({error or out.state})",
                        f"no erasure result ({error or out.state})",
                    ),
                    *out.reasons,
                )
            self.data.erasure.append(unerased_record(disk, status, why))
