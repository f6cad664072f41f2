"""Self-test polling replayed from bundles (tests/data/grading/selftest, see make_bundles.py)."""

from __future__ import annotations

from pathlib import Path

from deuxvie.diagnostics.selftest import run_selftest
from deuxvie.host.bundle import ReplayHost
from deuxvie.model.diagnostics import TestStatus as St

BUNDLES = Path(__file__).resolve().parents[1] / "data" / "grading" / "selftest"


class FakeClock:
    """sleep() advances time instantly: a 10-minute poll loop replays in microseconds."""

    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []

    def sleep(self, s: float) -> None:
        self.sleeps.append(s)
        self.t += s

    def __call__(self) -> float:
        return self.t


def run(bundle: str, device: str = "/dev/sda", **kw: object):  # type: ignore[no-untyped-def]
    host = ReplayHost(BUNDLES / bundle)
    clock = FakeClock()
    progress: list[tuple[float, str]] = []
    result = run_selftest(host, device, target="SER1", poll_interval_s=30, sleep=clock.sleep,
                          clock=clock, progress=lambda f, m: progress.append((f, m)),
                          **kw)  # type: ignore[arg-type]
    return result, host.calls, progress, clock


def test_ata_running_then_completed() -> None:
    r, calls, progress, clock = run("ata_passed")
    assert r.status is St.PASSED and r.reasons == ()
    assert r.name == "selftest" and r.target == "SER1"
    assert calls[1] == ("smartctl", "--json", "-t", "short", "/dev/sda")
    assert calls.count(("smartctl", "--json", "-c", "-l", "selftest", "/dev/sda")) == 5
    assert [round(f, 1) for f, _ in progress] == [0.0, 0.1, 0.5, 0.9, 1.0]
    assert r.measurements["result"] == "Completed without error"
    assert r.measurements["lifetime_hours"] == 1709
    assert clock.sleeps == [30, 30, 30, 30]


def test_ata_read_failure_fails_with_lba() -> None:
    r, *_ = run("ata_failed")
    assert r.status is St.FAILED
    assert r.reasons[0].code == "selftest.failed"
    assert "104870168" in r.reasons[0].en
    assert r.measurements["lba_of_first_error"] == 104870168


def test_ata_time_limit_aborts_and_is_untested() -> None:
    r, calls, *_ = run("ata_timeout", time_limit_s=120)
    assert r.status is St.UNTESTED
    assert r.reasons[0].code == "selftest.timeout"
    assert calls[-1] == ("smartctl", "-X", "/dev/sda")


def test_ata_without_self_test_support_is_untested() -> None:
    r, calls, *_ = run("ata_unsupported")
    assert r.status is St.UNTESTED and r.reasons[0].code == "selftest.unsupported"
    assert all(c[2] != "-t" for c in calls)  # never started


def test_usb_bridge_is_untested_not_failed() -> None:
    r, *_ = run("usb_bridge")
    assert r.status is St.UNTESTED
    assert r.reasons[0].code == "selftest.unreadable"
    assert "Unknown USB bridge" in r.reasons[0].en


def test_nvme_cli_running_then_completed() -> None:
    r, calls, progress, _ = run("nvme_passed", device="/dev/nvme0")
    assert r.status is St.PASSED, r.reasons
    assert r.measurements["tool"] == "nvme-cli"
    assert ("nvme", "device-self-test", "/dev/nvme0", "--self-test-code=1") in calls
    assert [round(f, 2) for f, _ in progress] == [0.0, 0.45, 0.9, 1.0]
    assert r.measurements["lifetime_hours"] == 1202


def test_nvme_failed_segment() -> None:
    r, *_ = run("nvme_failed", device="/dev/nvme0")
    assert r.status is St.FAILED
    assert r.measurements["lba_of_first_error"] == 7340032
    assert "failed segments" in r.reasons[0].en


def test_nvme_without_self_test_is_untested() -> None:
    r, calls, *_ = run("nvme_unsupported", device="/dev/nvme0")
    assert r.status is St.UNTESTED and r.reasons[0].code == "selftest.unsupported"
    assert len(calls) == 1


def test_nvme_refused_start_is_untested() -> None:
    r, *_ = run("nvme_refused", device="/dev/nvme0")
    assert r.status is St.UNTESTED and r.reasons[0].code == "selftest.start_failed"
    assert "Invalid Command Opcode" in r.reasons[0].en


def test_long_test_uses_long() -> None:
    import pytest
    from deuxvie.host.base import ReplayMissing

    host = ReplayHost(BUNDLES / "ata_passed")
    with pytest.raises(ReplayMissing, match="'-t', 'long'"):
        run_selftest(host, "/dev/sda", kind="long", sleep=lambda s: None)
