"""The vocabulary of a run: step names and states, what a step gets and gives back.

A step implementation is one callable `StepFn(ctx) -> StepOutput`. The orchestrator knows
nothing of SMART or overwrite patterns. The real steps are one module each in this package
(like sos's plugins: one small module per subsystem, declared metadata, one conformance
test over all of them), each declaring a `StepSpec`; `registry.REGISTRY` lists them in run
order. Tests pass fakes.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only: kept off the path to the first frame (issue 16)
    from deuxvie.config import Config
    from deuxvie.host.base import Host
    from deuxvie.model.common import Reason
    from deuxvie.model.diagnostics import DiagnosticResult
    from deuxvie.model.erasure import ErasureRecord
    from deuxvie.model.functions import FunctionResult
    from deuxvie.model.grade import Grade
    from deuxvie.model.inventory import DiskInfo, Inventory


class StepName(enum.StrEnum):
    INVENTORY = "inventory"
    SMART = "smart"
    SELFTEST = "selftest"
    CPU = "cpu"
    FUNCTIONS = "functions"  # screen, keyboard, audio, Wi-Fi, USB... (after CPU: fans)
    RAM = "ram"
    SURFACE = "surface"
    WIPE = "wipe"
    GRADE = "grade"
    REPORT = "report"  # build, sign (DSSE) and spool: the certificate and label need its id
    CERTIFICATE = "certificate"
    LABEL = "label"
    UPLOAD = "upload"


STEP_ORDER: tuple[StepName, ...] = tuple(StepName)

# Tests of a function: when they cannot run, the function is "untested" (décret 2022-190),
# never passed and never merely skipped.
DIAGNOSTIC_STEPS = frozenset(
    {StepName.SMART, StepName.SELFTEST, StepName.CPU, StepName.FUNCTIONS, StepName.RAM,
     StepName.SURFACE}
)
# Steps that still run after the operator pressed Ctrl-C: they are quick, local, and they
# are what records the interruption (the report says INTERRUPTED, never ERASED).
FINISHING_STEPS = frozenset({StepName.GRADE, StepName.REPORT, StepName.CERTIFICATE})


class StepState(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # the step itself could not do its work (crash, interruption)
    SKIPPED = "skipped"  # not asked for (config), not possible (nothing to do), refused
    UNTESTED = "untested"  # a diagnostic that could not test: never a pass


@dataclass(frozen=True)
class StepOutput:
    """What a step implementation returns. `problem` marks a step that worked but found a
    fault (a SMART FAIL, a disk that could not be erased): the screen shows it in red."""

    state: StepState
    reasons: tuple[Reason, ...] = ()
    problem: bool = False


@dataclass(frozen=True)
class StepResult:
    name: StepName
    state: StepState
    reasons: tuple[Reason, ...] = ()
    problem: bool = False
    started_at: str | None = None
    ended_at: str | None = None
    duration_s: float | None = None
    error: str | None = None  # exception text when the step crashed


@dataclass(frozen=True)
class ProgressEvent:
    """Progress of a long step. For a wipe, one `target` per disk with bytes; for a test,
    a fraction and a message."""

    step: StepName
    target: str  # display name: "Samsung SSD 860 (S3Z1NB0K123456)" or "cpu"
    done_bytes: int | None = None
    total_bytes: int | None = None
    fraction: float | None = None  # 0..1 when bytes do not apply
    rate_bytes_per_s: float | None = None
    eta_s: float | None = None
    message: str | None = None
    finished: bool = False


@dataclass
class RunData:
    """What the steps build up, in order. Mutable on purpose: each step adds its part."""
    config: Config
    inventory: Inventory | None = None
    diagnostics: list[DiagnosticResult] = field(default_factory=list)
    functions: list[FunctionResult] = field(default_factory=list)
    wipe_decisions: tuple[Any, ...] = ()  # selection.WipeDecision
    wipe_targets: tuple[DiskInfo, ...] = ()
    erasure: list[ErasureRecord] = field(default_factory=list)
    grade: Grade | None = None
    report: Any = None  # what deuxvie.report.build_report returned
    envelope: Any = None  # the signed DSSE envelope
    report_id: str | None = None
    report_url: str | None = None  # {server}/c/{uuid}: the QR target
    server_url: str | None = None  # the service the report goes to (config, else station)
    evidence_dir: Path | None = None  # raw tool outputs recorded during the inventory
    spool_path: Path | None = None
    certificate_path: Path | None = None
    label_path: Path | None = None
    label_status: Reason | None = None
    upload_status: Reason | None = None
    # deuxvie.wire.Receipt: the service's signed proof that it stored this run's report
    # (None: not proven delivered, whatever the HTTP status said; ADR 0046)
    upload_receipt: Any = None
    interrupted: bool = False
    # Attended runs: the guided checks of the functions step (the UI pauses its display and
    # hands the console to them); None in unattended runs and tests.
    # (functions inventory, automatic results, the run's functions policy) -> all results
    guided: Callable[[Any, tuple[FunctionResult, ...], Any],
                     tuple[FunctionResult, ...]] | None = None
    policy: Any = None  # grading.policy.Policy, read once a run (steps.common.policy_for)


# What the run holds before any step (the stick's config) or decides between steps (the
# orchestrator selects the wipe targets before the wipe step): a step may read these
# without an earlier step producing them.
RUN_GIVEN = frozenset({"config", "wipe_decisions", "wipe_targets", "interrupted"})


StepFn = Callable[["StepContext"], StepOutput]


@dataclass(frozen=True)
class StepSpec:
    """One real step, declared by its module: its name, the RunData fields it reads and
    writes, whether it is a test of a function (then it is UNTESTED, never passed, when it
    cannot run), and its implementation."""

    name: StepName
    run: StepFn
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    diagnostic: bool = False


@dataclass(frozen=True)
class StepContext:
    host: Host
    data: RunData
    step: StepName
    progress: Callable[[ProgressEvent], None]



@dataclass(frozen=True)
class Steps:
    """One implementation per step; None means "not available in this build", which the
    run reports plainly (untested for a diagnostic, skipped otherwise)."""

    inventory: StepFn | None = None
    smart: StepFn | None = None
    selftest: StepFn | None = None
    cpu: StepFn | None = None
    functions: StepFn | None = None
    ram: StepFn | None = None
    surface: StepFn | None = None
    wipe: StepFn | None = None
    grade: StepFn | None = None
    report: StepFn | None = None
    certificate: StepFn | None = None
    label: StepFn | None = None
    upload: StepFn | None = None

    def get(self, name: StepName) -> StepFn | None:
        fn: StepFn | None = getattr(self, name.value)
        return fn
