"""Fake machines and fake step implementations for the orchestrator and UI tests."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from deuxvie.model.common import Outcome, Reason
from deuxvie.model.diagnostics import DiagnosticResult, TestStatus
from deuxvie.model.erasure import ErasureRecord, ErasureStatus, NistCategory
from deuxvie.model.grade import Grade, Verdict
from deuxvie.model.inventory import DiskInfo, DiskKind, Inventory
from deuxvie.pipeline import ProgressEvent, StepContext, StepOutput, Steps, StepState
from deuxvie.pipeline.selection import media_identity


def disk(name: str = "nvme0n1", **kw: Any) -> DiskInfo:
    base = DiskInfo(
        name=name,
        path=f"/dev/{name}",
        by_id=f"/dev/disk/by-id/nvme-Samsung_{name}",
        kind=DiskKind.NVME,
        transport="nvme",
        model="Samsung SSD 970 EVO",
        serial=f"S4EV{name.upper()}",
        wwn=None,
        firmware="2B2QEXE7",
        size_bytes=256_060_514_304,
        logical_sector_bytes=512,
        physical_sector_bytes=512,
        rotation_rpm=0,
        power_on_hours=1200,
        removable=False,
        read_only=False,
        mounted=(),
        holders=(),
        is_boot_medium=False,
        smart=Outcome.absent("not collected in this test"),
    )
    return dataclasses.replace(base, **kw)


def inventory(disks: Sequence[DiskInfo]) -> Inventory:
    na: Outcome[Any] = Outcome.absent("not collected in this test")
    return Inventory(
        system=na,
        firmware=na,
        cpu=na,
        memory=na,
        disks=Outcome.ok(tuple(disks)),
        screens=na,
        batteries=na,
        network=na,
        gpus=na,
    )


R = Reason("t", "essai", "test")


def erased(d: DiskInfo) -> ErasureRecord:
    return ErasureRecord(
        media=media_identity(d),
        status=ErasureStatus.ERASED,
        category=NistCategory.CLEAR,
        technique="overwrite-zero",
        commands=(),
        pattern="zeros",
        passes=1,
        verification="full",
        verification_coverage_pct=100.0,
        bytes_written=d.size_bytes,
        bytes_verified=d.size_bytes,
        errors=(),
        throughput_bytes_per_s=1e9,
        started_at="2026-11-22T10:00:00+00:00",
        ended_at="2026-11-22T10:04:16+00:00",
        tool="deuxvie test",
        reasons=(),
    )


class Calls:
    """Records which fake steps ran and with which wipe targets."""

    def __init__(self) -> None:
        self.ran: list[str] = []
        self.wiped: list[str] = []


def fake_steps(calls: Calls, machine_disks: Sequence[DiskInfo], **replace: Any) -> Steps:
    def inv(ctx: StepContext) -> StepOutput:
        calls.ran.append("inventory")
        ctx.data.inventory = inventory(machine_disks)
        return StepOutput(StepState.DONE, (Reason("inv", "inventaire fait", "inventory done"),))

    def diag(name: str) -> Any:
        def fn(ctx: StepContext) -> StepOutput:
            calls.ran.append(name)
            ctx.data.diagnostics.append(DiagnosticResult(name, None, TestStatus.PASSED))
            ctx.progress(ProgressEvent(ctx.step, name, fraction=1.0, finished=True))
            return StepOutput(StepState.DONE)

        return fn

    def wipe(ctx: StepContext) -> StepOutput:
        calls.ran.append("wipe")
        for d in ctx.data.wipe_targets:
            calls.wiped.append(d.path)
            for done in (0, d.size_bytes // 2, d.size_bytes):
                ctx.progress(
                    ProgressEvent(
                        ctx.step,
                        d.name,
                        done_bytes=done,
                        total_bytes=d.size_bytes,
                        rate_bytes_per_s=1e9,
                        eta_s=(d.size_bytes - done) / 1e9,
                        finished=done == d.size_bytes,
                    )
                )
            ctx.data.erasure.append(erased(d))
        return StepOutput(StepState.DONE)

    def grade(ctx: StepContext) -> StepOutput:
        calls.ran.append("grade")
        ok = all(r.status.certifiable for r in ctx.data.erasure) and bool(ctx.data.erasure)
        ctx.data.grade = Grade(
            verdict=Verdict.PASS if ok else Verdict.FAIL,
            suggestion=Reason("s", "à reconditionner tel quel", "refurbish as is")
            if ok
            else Reason("s", "remplacer le disque", "replace the disk"),
            reasons=()
            if ok
            else (Reason("disk.unerased", "disque non effacé", "disk not erased"),),
            components=(),
            untested=(),
            windows11_ready=None,
            windows11_reasons=(),
            policy_name="test",
        )
        return StepOutput(StepState.DONE)

    def report(ctx: StepContext) -> StepOutput:
        calls.ran.append("report")
        ctx.data.report_id = "8c0f3a52-0000-4000-8000-000000000001"
        ctx.data.report_url = f"http://127.0.0.1:8080/c/{ctx.data.report_id}"
        return StepOutput(StepState.DONE)

    def simple(name: str) -> Any:
        def fn(ctx: StepContext) -> StepOutput:
            calls.ran.append(name)
            if name == "label":
                ctx.data.label_status = Reason("label.printed", "étiquette imprimée", "printed")
            if name == "upload":
                ctx.data.upload_status = Reason("upload.ok", "rapport envoyé", "report sent")
            return StepOutput(StepState.DONE)

        return fn

    steps = Steps(
        inventory=inv,
        smart=diag("smart"),
        selftest=diag("selftest"),
        cpu=diag("cpu"),
        functions=diag("functions"),
        ram=diag("ram"),
        surface=diag("surface"),
        wipe=wipe,
        grade=grade,
        report=report,
        certificate=simple("certificate"),
        label=simple("label"),
        upload=simple("upload"),
    )
    return dataclasses.replace(steps, **replace)
