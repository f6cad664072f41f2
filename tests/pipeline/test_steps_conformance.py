"""Every real step of pipeline/steps/ against the same rules (as sos checks all its plugins):
unique names in run order, inputs produced by an earlier step, outputs that exist on the
run data, the diagnostic flag the orchestrator goes by, and a run that survives a host on
which every command and every file read raises."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from deuxvie.config import Config
from deuxvie.host.base import CommandResult, Host, HostError
from deuxvie.host.block import BlockIO
from deuxvie.i18n import STATE_WORDS, STEP_NAMES
from deuxvie.pipeline import STEP_ORDER, Pipeline, RunData, StepContext, StepOutput, StepState
from deuxvie.pipeline.orchestrator import failed_inventory
from deuxvie.pipeline.steps import DIAGNOSTIC_STEPS, RUN_GIVEN
from deuxvie.pipeline.steps.registry import REGISTRY, real_steps

FIELDS = {f.name for f in dataclasses.fields(RunData)}


def test_names_unique_and_in_run_order() -> None:
    names = [spec.name for spec in REGISTRY]
    assert len(set(names)) == len(names)
    assert tuple(names) == STEP_ORDER
    # each step's module declares the step it implements, nothing else
    for spec in REGISTRY:
        assert spec.run.__module__ == f"deuxvie.pipeline.steps.{spec.name.value}"


def test_every_step_and_state_has_its_words_in_i18n() -> None:
    """The screens name a step and its state from deuxvie.i18n, the one home of the words."""
    for spec in REGISTRY:
        fr, en = STEP_NAMES[spec.name]
        assert fr and en and fr != spec.name.value
    assert set(STATE_WORDS) == {s.value for s in StepState}


def test_inputs_are_produced_by_an_earlier_step() -> None:
    available = set(RUN_GIVEN)
    for spec in REGISTRY:
        missing = set(spec.inputs) - available
        assert not missing, f"{spec.name} reads {sorted(missing)} before any step writes it"
        assert set(spec.outputs) <= FIELDS, f"{spec.name}: {set(spec.outputs) - FIELDS}"
        available |= set(spec.outputs)
    assert set(RUN_GIVEN) <= FIELDS


def test_diagnostic_flag_is_what_the_orchestrator_goes_by() -> None:
    assert {s.name for s in REGISTRY if s.diagnostic} == DIAGNOSTIC_STEPS
    # a diagnostic writes its results where the grade reads them (the functions step:
    # its own `functions` list, which the grade reads too)
    grade_inputs = next(s for s in REGISTRY if s.name == "grade").inputs
    for spec in REGISTRY:
        if spec.diagnostic and spec.outputs:
            assert spec.outputs in (("diagnostics",), ("functions",))
            assert set(spec.outputs) <= set(grade_inputs)


def test_real_steps_wire_every_step() -> None:
    steps = real_steps()
    assert all(steps.get(name) is not None for name in STEP_ORDER)


class RaisingHost(Host):
    """A machine on which nothing answers: every command and every read raises."""

    def run(self, argv, *, timeout_s=60.0, input_bytes=None) -> CommandResult:  # type: ignore[no-untyped-def,override]
        raise HostError(f"raising host: {argv[0]}")

    def read_bytes(self, path: str) -> bytes:
        raise HostError(f"raising host: {path}")

    def listdir(self, path: str) -> list[str]:
        raise HostError(f"raising host: {path}")

    def exists(self, path: str) -> bool:
        raise HostError(f"raising host: {path}")

    def realpath(self, path: str) -> str:
        raise HostError(f"raising host: {path}")

    def which(self, name: str) -> str | None:
        raise HostError(f"raising host: {name}")

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def open_block(self, path: str, write: bool) -> BlockIO:
        raise HostError(f"raising host: {path}")

    def write_text(self, path: str, text: str) -> None:
        raise HostError(f"raising host: {path}")


@pytest.fixture
def cfg(tmp_path: Path) -> Config:
    return Config(
        unattended=True, data_dir=tmp_path / "stick", station_dir=tmp_path / "stick" / "station",
        cpu_stress_s=1, ram_test_pct=1, printer=f"file:{tmp_path / 'label.png'}",
    )  # fmt: skip


def test_each_step_survives_a_raising_host(cfg: Config) -> None:
    """Called one after the other on the same run data, as the orchestrator would: a step
    returns its outcome or raises an ordinary exception (the orchestrator records it
    FAILED); no diagnostic claims a pass on a machine that answered nothing, and from the
    grade on (the inventory failed, as the orchestrator then records it) none raises."""
    data = RunData(config=cfg)
    host = RaisingHost()
    raised: dict[str, str] = {}
    for spec in REGISTRY:
        ctx = StepContext(host, data, spec.name, lambda event: None)
        try:
            out = spec.run(ctx)
        except Exception as exc:
            raised[spec.name] = type(exc).__name__
            if spec.name == "inventory":
                data.inventory = failed_inventory(str(exc))
            continue
        assert isinstance(out, StepOutput)
        if spec.diagnostic:
            assert out.state != StepState.DONE or out.problem, (spec.name, out)
    assert set(raised) <= {"inventory", "cpu", "ram"}, raised
    assert data.report is not None and data.spool_path is not None
    assert data.certificate_path is not None and data.certificate_path.exists()


def test_a_whole_run_on_a_raising_host_still_reports(cfg: Config) -> None:
    out = Pipeline(RaisingHost(), cfg, real_steps()).run()
    states = {r.name: r.state for r in out.results}
    assert set(states) == set(STEP_ORDER)
    assert states["report"] == StepState.DONE, out.result("report")
    assert states["certificate"] == StepState.DONE
    assert states["wipe"] != StepState.DONE or not out.data.erasure
    assert out.data.grade is not None and out.data.grade.verdict != "PASS"
