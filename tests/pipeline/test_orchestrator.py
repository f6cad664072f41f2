"""The orchestrator with fake steps: order, states, wipe gate, failures, Ctrl-C."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from deuxvie.config import Config
from deuxvie.host.local import LocalHost
from deuxvie.model.diagnostics import DiagnosticResult
from deuxvie.model.diagnostics import TestStatus as DiagStatus
from deuxvie.model.erasure import ErasureStatus
from deuxvie.model.inventory import DiskKind
from deuxvie.pipeline import (
    STEP_ORDER,
    Pipeline,
    ProgressEvent,
    SelectionPolicy,
    StepContext,
    StepName,
    StepOutput,
    StepResult,
    StepState,
    WipeDecision,
)
from pipeline_fakes import Calls, disk, erased, fake_steps

NVME = disk("nvme0n1")
HDD = disk("sda", kind=DiskKind.HDD, transport="sata", model="ST500DM002", serial="Z3T1ABCD")
STICK = disk("sdb", kind=DiskKind.USB, transport="usb", removable=True, is_boot_medium=True)
MACHINE = (NVME, HDD, STICK)

CFG = Config(server_url="http://127.0.0.1:8080", printer="file:/tmp/x")
UNATTENDED = Config(server_url="http://127.0.0.1:8080", printer="file:/tmp/x", unattended=True)


class Recorder:
    def __init__(self) -> None:
        self.changes: list[StepResult] = []
        self.events: list[ProgressEvent] = []

    def step_changed(self, result: StepResult) -> None:
        self.changes.append(result)

    def progress(self, event: ProgressEvent) -> None:
        self.events.append(event)


def states(outcome) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {r.name.value: r.state.value for r in outcome.results}


def yes_once() -> tuple[list[Sequence[WipeDecision]], object]:
    asked: list[Sequence[WipeDecision]] = []

    def confirm(decisions: Sequence[WipeDecision]) -> bool:
        asked.append(decisions)
        return True

    return asked, confirm


def test_attended_run_asks_once_then_wipes_internal_disks_only() -> None:
    calls = Calls()
    asked, confirm = yes_once()
    rec = Recorder()
    out = Pipeline(
        LocalHost(),
        CFG,
        fake_steps(calls, MACHINE),
        observer=rec,
        confirm=confirm,  # type: ignore[arg-type]
    ).run()
    assert len(asked) == 1
    shown = {d.disk.serial: d.wipe for d in asked[0]}
    assert shown == {NVME.serial: True, HDD.serial: True, STICK.serial: False}
    assert calls.wiped == ["/dev/nvme0n1", "/dev/sda"]
    assert set(states(out).values()) == {"done"}
    assert [r.name for r in out.results] == list(STEP_ORDER)
    assert calls.ran == [s.value for s in STEP_ORDER]
    assert out.data.grade is not None and out.data.grade.verdict == "PASS"
    # the observer saw every step go pending -> running -> done, in order
    for name in STEP_ORDER:
        seq = [c.state for c in rec.changes if c.name == name]
        assert seq == [StepState.PENDING, StepState.RUNNING, StepState.DONE]
    wipe_events = [e for e in rec.events if e.step == StepName.WIPE]
    assert {e.target for e in wipe_events} == {"nvme0n1", "sda"}


def test_operator_says_no_nothing_wiped_report_still_made() -> None:
    calls = Calls()
    out = Pipeline(
        LocalHost(), CFG, fake_steps(calls, MACHINE), confirm=lambda decisions: False
    ).run()
    assert calls.wiped == []
    assert "wipe" not in calls.ran
    assert out.result(StepName.WIPE).state == StepState.SKIPPED
    assert out.result(StepName.WIPE).problem
    recs = {r.media.serial: r.status for r in out.data.erasure}
    assert recs == {NVME.serial: ErasureStatus.SKIPPED, HDD.serial: ErasureStatus.SKIPPED}
    assert out.data.grade is not None and out.data.grade.verdict == "FAIL"
    assert out.result(StepName.REPORT).state == StepState.DONE


def test_attended_without_a_prompt_wipes_nothing() -> None:
    calls = Calls()
    Pipeline(LocalHost(), CFG, fake_steps(calls, MACHINE)).run()
    assert calls.wiped == []


def test_unattended_never_asks() -> None:
    def never(decisions: Sequence[WipeDecision]) -> bool:
        raise AssertionError("unattended mode asked a question")

    calls = Calls()
    out = Pipeline(LocalHost(), UNATTENDED, fake_steps(calls, MACHINE), confirm=never).run()
    assert calls.wiped == ["/dev/nvme0n1", "/dev/sda"]
    assert out.result(StepName.WIPE).state == StepState.DONE


def test_preconfirmed_attended_run_does_not_ask() -> None:
    calls = Calls()
    Pipeline(LocalHost(), CFG, fake_steps(calls, MACHINE), preconfirmed=True).run()
    assert calls.wiped == ["/dev/nvme0n1", "/dev/sda"]


def test_failing_step_is_recorded_and_the_run_goes_on() -> None:
    def smart(ctx: StepContext) -> StepOutput:
        raise RuntimeError("smartctl exploded")

    calls = Calls()
    out = Pipeline(LocalHost(), UNATTENDED, fake_steps(calls, MACHINE, smart=smart)).run()
    res = out.result(StepName.SMART)
    assert res.state == StepState.FAILED
    assert res.error == "RuntimeError: smartctl exploded"
    assert "smartctl exploded" in res.reasons[0].fr
    assert calls.ran[-6:] == ["wipe", "grade", "report", "certificate", "label", "upload"]
    assert not out.interrupted


def test_untested_stays_untested_and_missing_pieces_are_named() -> None:
    def selftest(ctx: StepContext) -> StepOutput:
        ctx.data.diagnostics.append(DiagnosticResult("selftest", "x", DiagStatus.UNTESTED))
        return StepOutput(StepState.UNTESTED)

    calls = Calls()
    steps = fake_steps(calls, MACHINE, selftest=selftest, cpu=None, label=None)
    out = Pipeline(LocalHost(), UNATTENDED, steps).run()
    assert out.result(StepName.SELFTEST).state == StepState.UNTESTED
    cpu = out.result(StepName.CPU)
    assert cpu.state == StepState.UNTESTED  # a test that could not run is never a pass
    assert cpu.reasons[0].code == "step.not_available"
    assert out.result(StepName.LABEL).state == StepState.SKIPPED
    assert out.result(StepName.LABEL).reasons[0].code == "step.not_available"


def test_missing_wipe_engine_leaves_skipped_records() -> None:
    out = Pipeline(LocalHost(), UNATTENDED, fake_steps(Calls(), MACHINE, wipe=None)).run()
    assert out.result(StepName.WIPE).state == StepState.SKIPPED
    assert {r.status for r in out.data.erasure} == {ErasureStatus.SKIPPED}
    assert len(out.data.erasure) == 2
    assert out.data.grade is not None and out.data.grade.verdict == "FAIL"


def test_config_switches() -> None:
    cfg = Config(unattended=True, selftest="none", cpu_stress_s=0, ram_test_pct=0)
    calls = Calls()
    out = Pipeline(LocalHost(), cfg, fake_steps(calls, MACHINE)).run()
    s = states(out)
    # tests switched off are untested; upload without a server is skipped; the label is
    # still made (saved on the stick) without a printer
    assert (s["selftest"], s["cpu"], s["ram"]) == ("untested",) * 3
    assert (s["label"], s["upload"]) == ("done", "skipped")
    assert "selftest" not in calls.ran and "upload" not in calls.ran


def test_inventory_crash_gives_failed_inventory_and_no_wipe() -> None:
    def inv(ctx: StepContext) -> StepOutput:
        raise OSError("dmidecode: /dev/mem denied")

    calls = Calls()
    out = Pipeline(LocalHost(), UNATTENDED, fake_steps(calls, MACHINE, inventory=inv)).run()
    assert out.result(StepName.INVENTORY).state == StepState.FAILED
    assert out.data.inventory is not None
    assert out.data.inventory.disks.status == "failed"
    assert "/dev/mem denied" in (out.data.inventory.disks.reason or "")
    wipe = out.result(StepName.WIPE)
    assert wipe.state == StepState.FAILED
    assert calls.wiped == []
    assert out.result(StepName.REPORT).state == StepState.DONE


def test_ctrl_c_during_ram_test_skips_the_rest_but_reports() -> None:
    def ram(ctx: StepContext) -> StepOutput:
        raise KeyboardInterrupt

    calls = Calls()
    out = Pipeline(LocalHost(), UNATTENDED, fake_steps(calls, MACHINE, ram=ram)).run()
    s = states(out)
    assert out.interrupted
    assert s["ram"] == "failed"
    assert (s["surface"], s["wipe"], s["label"], s["upload"]) == ("skipped",) * 4
    assert (s["grade"], s["report"], s["certificate"]) == ("done",) * 3
    assert calls.wiped == []
    # the donor's disks are in the report, not erased
    assert sorted(r.media.serial or "" for r in out.data.erasure) == sorted(
        [NVME.serial or "", HDD.serial or ""]
    )
    assert {r.status for r in out.data.erasure} == {ErasureStatus.SKIPPED}


def test_ctrl_c_during_wipe_marks_unfinished_disks_interrupted() -> None:
    def wipe(ctx: StepContext) -> StepOutput:
        first = ctx.data.wipe_targets[0]
        ctx.data.erasure.append(erased(first))
        raise KeyboardInterrupt  # while the second disk was being written

    out = Pipeline(LocalHost(), UNATTENDED, fake_steps(Calls(), MACHINE, wipe=wipe)).run()
    by_serial = {r.media.serial: r.status for r in out.data.erasure}
    assert by_serial == {NVME.serial: ErasureStatus.ERASED, HDD.serial: ErasureStatus.INTERRUPTED}
    assert out.result(StepName.WIPE).state == StepState.FAILED
    assert out.data.grade is not None and out.data.grade.verdict == "FAIL"


def test_wipe_engine_crash_marks_unrecorded_disks_failed() -> None:
    def wipe(ctx: StepContext) -> StepOutput:
        raise OSError(5, "Input/output error")

    out = Pipeline(LocalHost(), UNATTENDED, fake_steps(Calls(), MACHINE, wipe=wipe)).run()
    assert {r.status for r in out.data.erasure} == {ErasureStatus.FAILED}
    assert "Input/output error" in out.data.erasure[0].reasons[0].en


def test_mounted_internal_disk_gets_a_skipped_record() -> None:
    mounted = disk("sdc", kind=DiskKind.HDD, serial="MOUNTED1", mounted=("/mnt",))
    out = Pipeline(LocalHost(), UNATTENDED, fake_steps(Calls(), (NVME, mounted))).run()
    by_serial = {r.media.serial: r for r in out.data.erasure}
    assert by_serial["MOUNTED1"].status == ErasureStatus.SKIPPED
    assert by_serial["MOUNTED1"].reasons[0].code == "wipe.mounted"
    assert by_serial[NVME.serial].status == ErasureStatus.ERASED


def test_extra_disks_join_the_inventory_and_only_listed_ones_are_wiped() -> None:
    loop0 = disk("loop0", kind=DiskKind.LOOP, by_id=None, size_bytes=256 << 20)
    calls = Calls()
    out = Pipeline(
        LocalHost(),
        UNATTENDED,
        fake_steps(calls, (disk("vda", kind=DiskKind.VIRTUAL),)),
        selection=SelectionPolicy(explicit_targets=frozenset({"/dev/loop0"})),
        extra_disks=(loop0,),
    ).run()
    assert calls.wiped == ["/dev/loop0"]
    assert out.data.inventory is not None
    assert [d.name for d in out.data.inventory.disks.value or ()] == ["vda", "loop0"]
    assert [r.media.path for r in out.data.erasure] == ["/dev/loop0"]


@pytest.mark.parametrize("name", [n for n in STEP_ORDER if n != StepName.INVENTORY])
def test_any_single_crash_still_produces_the_report_step(name: StepName) -> None:
    def boom(ctx: StepContext) -> StepOutput:
        raise ValueError(f"{name} broke")

    calls = Calls()
    out = Pipeline(LocalHost(), UNATTENDED, fake_steps(calls, MACHINE, **{name.value: boom})).run()
    assert out.result(name).state == StepState.FAILED
    if name != StepName.REPORT:
        assert out.result(StepName.REPORT).state == StepState.DONE
    assert all(r.state != StepState.PENDING for r in out.results)


def test_ctrl_c_while_a_state_is_drawn_is_still_an_interruption() -> None:
    class Flaky(Recorder):
        def step_changed(self, result: StepResult) -> None:
            super().step_changed(result)
            if result.name == StepName.CPU and result.state == StepState.RUNNING:
                raise KeyboardInterrupt

    calls = Calls()
    out = Pipeline(LocalHost(), UNATTENDED, fake_steps(calls, MACHINE), observer=Flaky()).run()
    assert out.interrupted
    assert out.result(StepName.CPU).state == StepState.FAILED
    assert out.result(StepName.REPORT).state == StepState.DONE
    assert out.result(StepName.WIPE).state == StepState.SKIPPED
    assert "cpu" not in calls.ran and calls.wiped == []
