"""SMART self-test (short by default, long by policy), polled until done or out of time.

ATA/SATA (and NVMe with smartctl >= 7.4) go through smartctl:
    start   smartctl --json -t short|long DEV
    poll    smartctl --json -c -l selftest DEV
            ata_smart_data.self_test.status {value, string, remaining_percent, passed}
            (value 0xF_ = running, low nibble = tens of % remaining; ATA8-ACS "self-test
            execution status"), ata_smart_data.capabilities.self_tests_supported,
            ata_smart_self_test_log.standard.table[0] = newest entry;
            nvme_self_test_log {current_self_test_operation, ..._completion_percent, table}
    abort   smartctl -X DEV
NVMe goes through nvme-cli when it is installed, because Debian 12 ships smartctl 7.3,
which cannot start NVMe self-tests (support came with 7.4, see ADR 0031):
    support nvme id-ctrl DEV --output-format=json       OACS bit 4 = Device Self-test
    start   nvme device-self-test DEV --self-test-code=1|2
    poll    nvme self-test-log DEV --output-format=json
            "Current Device Self-Test Operation" (0 = none), "... Completion" (%),
            "List of Valid Reports"[0] = newest {"Self test result", "Self test code", ...}
    abort   nvme device-self-test DEV --self-test-code=15
A drive that cannot run a self-test (USB bridge, no support, test aborted by a reset)
gives UNTESTED, never FAILED and never PASSED.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from deuxvie.diagnostics.common import Progress, no_progress, utc_now
from deuxvie.host.base import CommandNotFound, CommandResult, CommandTimeout, Host
from deuxvie.i18n import reason
from deuxvie.model.common import Reason
from deuxvie.model.diagnostics import DiagnosticResult, TestStatus

# ATA self-test execution status, high nibble (ATA8-ACS 7.52.6, smartctl ataprint.cpp).
_ATA_ABORTED = {1, 2}  # aborted by host / interrupted by host reset
_ATA_FAILED = {3, 4, 5, 6, 7, 8}  # fatal, unknown, electrical, servo, read, handling damage
_ATA_RUNNING = 15
# NVMe Self-test Result (NVMe Base 2.0, Figure 213 "Self-test Result Data Structure").
_NVME_ABORTED = {1, 2, 3, 4, 8, 9}
_NVME_FAILED = {5, 6, 7}  # fatal error, unknown segment failed, segment(s) failed
_NVME_UNUSED = 15
_NVME_OACS_SELF_TEST = 1 << 4


@dataclass(frozen=True)
class LogEntry:
    kind: str
    status: str
    outcome: str  # "passed" | "failed" | "aborted" | "running"
    hours: int | None
    lba: int | None


@dataclass(frozen=True)
class SelfTestState:
    """One poll of the drive: is a test running, how far, and the newest log entry."""

    supported: bool | None
    running: bool
    remaining_pct: int | None
    newest: LogEntry | None
    entries: int
    messages: tuple[str, ...] = ()


def _messages(doc: dict[str, Any]) -> tuple[str, ...]:
    msgs = (doc.get("smartctl") or {}).get("messages") or []
    return tuple(str(m.get("string", "")) for m in msgs if isinstance(m, dict))


def parse_smartctl_state(doc: dict[str, Any]) -> SelfTestState:
    """State from `smartctl --json -c -l selftest` (ATA, or NVMe with smartctl >= 7.4)."""
    msgs = _messages(doc)
    nvme_log = doc.get("nvme_self_test_log")
    if isinstance(nvme_log, dict):
        op = (nvme_log.get("current_self_test_operation") or {}).get("value", 0)
        done = nvme_log.get("current_self_test_completion_percent")
        rows = [r for r in nvme_log.get("table") or []
                if (r.get("self_test_result") or {}).get("value") != _NVME_UNUSED]
        newest = _nvme_entry(
            (rows[0].get("self_test_code") or {}).get("string", "?"),
            (rows[0].get("self_test_result") or {}).get("value"),
            (rows[0].get("self_test_result") or {}).get("string", ""),
            rows[0].get("power_on_hours"), rows[0].get("lba")) if rows else None
        return SelfTestState(True, bool(op), None if not op or done is None else 100 - int(done),
                             newest, len(rows), msgs)
    data = doc.get("ata_smart_data")
    if not isinstance(data, dict):
        return SelfTestState(None, False, None, None, 0, msgs)
    supported = (data.get("capabilities") or {}).get("self_tests_supported")
    status = (data.get("self_test") or {}).get("status") or {}
    value = status.get("value")
    running = value is not None and int(value) >> 4 == _ATA_RUNNING
    remaining = status.get("remaining_percent") if running else None
    table = ((doc.get("ata_smart_self_test_log") or {}).get("standard") or {}).get("table") or []
    newest = None
    if table:
        row = table[0]
        st = row.get("status") or {}
        code = int(st.get("value", 0)) >> 4
        outcome = ("running" if code == _ATA_RUNNING else "aborted" if code in _ATA_ABORTED
                   else "failed" if code in _ATA_FAILED or st.get("passed") is False
                   else "passed")
        newest = LogEntry(str((row.get("type") or {}).get("string", "?")),
                          str(st.get("string", "")), outcome, row.get("lifetime_hours"),
                          row.get("lba"))
    # Some drives update the log row ("Self-test routine in progress") before the status.
    running = running or (newest is not None and newest.outcome == "running")
    return SelfTestState(None if supported is None else bool(supported), running,
                         None if remaining is None else int(remaining), newest, len(table), msgs)


def _nvme_entry(kind: object, result: object, text: str, hours: object, lba: object) -> LogEntry:
    code = int(result) if isinstance(result, int) else -1
    outcome = ("passed" if code == 0 else "aborted" if code in _NVME_ABORTED
               else "failed" if code in _NVME_FAILED else "aborted")
    return LogEntry(str(kind), text or f"result {code}", outcome,
                    hours if isinstance(hours, int) else None,
                    lba if isinstance(lba, int) else None)


_NVME_KIND = {1: "Short", 2: "Extended", 14: "Vendor specific"}
_NVME_RESULT = {0: "Completed without error", 1: "Aborted: Device Self-test command",
                2: "Aborted: controller reset", 3: "Aborted: namespace removed",
                4: "Aborted: Format NVM", 5: "Fatal or unknown test error",
                6: "Completed: unknown failed segment", 7: "Completed: failed segments",
                8: "Aborted: unknown reason", 9: "Aborted: sanitize"}


def parse_nvme_cli_state(doc: dict[str, Any]) -> SelfTestState:
    """State from `nvme self-test-log DEV --output-format=json` (nvme-cli 1.x/2.x keys)."""
    op = int(doc.get("Current Device Self-Test Operation", 0) or 0)
    done = doc.get("Current Device Self-Test Completion")
    rows = [r for r in doc.get("List of Valid Reports") or []
            if r.get("Self test result") != _NVME_UNUSED]
    newest = None
    if rows:
        r = rows[0]
        result = r.get("Self test result")
        newest = _nvme_entry(_NVME_KIND.get(r.get("Self test code", 0), "?"), result,
                             _NVME_RESULT.get(result if isinstance(result, int) else -1, ""),
                             r.get("Power on hours"), r.get("Failing LBA"))
    return SelfTestState(True, bool(op & 0xF),
                         None if not op or done is None else 100 - int(done), newest, len(rows))


class _Untested(Exception):
    def __init__(self, why: Reason) -> None:
        super().__init__(why.en)
        self.why = why


def _json(result: CommandResult) -> dict[str, Any]:
    try:
        doc = json.loads(result.stdout or b"{}")
    except ValueError as exc:
        raise _Untested(reason(
            "selftest.bad_output", f"Sortie illisible de {result.argv[0]}",
            f"Unreadable output from {result.argv[0]}: {exc}")) from exc
    return doc if isinstance(doc, dict) else {}


class _Driver:
    """The commands of one tool for one device (smartctl or nvme-cli)."""

    def __init__(self, host: Host, device: str, kind: str, use_nvme_cli: bool) -> None:
        self.host, self.device, self.kind, self.nvme = host, device, kind, use_nvme_cli

    def _run(self, argv: list[str], timeout_s: float = 60.0) -> CommandResult:
        try:
            return self.host.run(argv, timeout_s=timeout_s)
        except CommandNotFound as exc:
            raise _Untested(reason("selftest.tool_missing", f"Outil absent : {exc}",
                                   f"Tool missing: {exc}")) from exc
        except CommandTimeout as exc:
            raise _Untested(reason("selftest.tool_timeout", f"Pas de réponse : {exc}",
                                   f"No answer: {exc}")) from exc

    def check_supported(self) -> None:
        if not self.nvme:
            return  # smartctl tells support in the first poll (capabilities)
        res = self._run(["nvme", "id-ctrl", self.device, "--output-format=json"])
        oacs = _json(res).get("oacs") if res.ok else None
        if not isinstance(oacs, int):
            raise _Untested(reason(
                "selftest.unreadable", "Identification NVMe illisible",
                f"NVMe identify failed: {res.error_text.strip() or res.returncode}"))
        if not oacs & _NVME_OACS_SELF_TEST:
            raise _Untested(reason(
                "selftest.unsupported", "Ce SSD NVMe ne sait pas faire d'auto-test",
                f"This NVMe drive does not support device self-test (OACS 0x{oacs:x})"))

    def poll(self) -> SelfTestState:
        if self.nvme:
            res = self._run(["nvme", "self-test-log", self.device, "--output-format=json"])
            if not res.ok:
                raise _Untested(reason("selftest.unreadable", "Journal d'auto-test illisible",
                                       f"Self-test log unreadable: {res.error_text.strip()}"))
            return parse_nvme_cli_state(_json(res))
        res = self._run(["smartctl", "--json", "-c", "-l", "selftest", self.device])
        doc = _json(res)
        exit_status = int((doc.get("smartctl") or {}).get("exit_status", res.returncode))
        state = parse_smartctl_state(doc)
        # smartctl(8): bit 0 = command line not accepted (smartctl 7.x exits 1 for "Unknown
        # USB bridge": nothing was asked of the disk), bit 1 = device open failed.
        if exit_status & 0b11:
            detail = "; ".join(state.messages) or f"exit status {exit_status}"
            raise _Untested(reason(
                "selftest.unreadable", f"SMART inaccessible : {detail}",
                f"SMART not reachable: {detail}"))
        return state

    def start(self) -> None:
        if self.nvme:
            code = "1" if self.kind == "short" else "2"
            res = self._run(["nvme", "device-self-test", self.device, f"--self-test-code={code}"])
            if not res.ok:
                detail = (res.error_text or res.text).strip()
                raise _Untested(reason(
                    "selftest.start_failed", f"Auto-test refusé par le disque : {detail}",
                    f"The drive refused the self-test: {detail}"))
            return
        res = self._run(["smartctl", "--json", "-t", self.kind, self.device])
        doc = _json(res)
        exit_status = int((doc.get("smartctl") or {}).get("exit_status", res.returncode))
        if exit_status & 0b110:  # open failed / SMART command failed
            detail = "; ".join(_messages(doc)) or f"exit status {exit_status}"
            raise _Untested(reason(
                "selftest.start_failed", f"Auto-test non lancé : {detail}",
                f"Self-test not started: {detail}"))

    def abort(self) -> None:
        argv = (["nvme", "device-self-test", self.device, "--self-test-code=15"] if self.nvme
                else ["smartctl", "-X", self.device])
        # Best effort: the result is UNTESTED either way, but a test left running would
        # slow the wipe that follows.
        with contextlib.suppress(CommandNotFound, CommandTimeout):
            self.host.run(argv, timeout_s=60.0)


def run_selftest(
    host: Host,
    device: str,
    *,
    kind: str = "short",
    target: str | None = None,
    nvme: bool | None = None,
    time_limit_s: float = 600.0,
    poll_interval_s: float = 15.0,
    progress: Progress = no_progress,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> DiagnosticResult:
    """Run one self-test on `device` and report it; `target` names the disk (its serial)."""
    if kind not in ("short", "long"):
        raise ValueError(f"self-test kind must be short or long, not {kind!r}")
    started = utc_now()
    is_nvme = device.startswith("/dev/nvme") if nvme is None else nvme
    driver = _Driver(host, device, kind, use_nvme_cli=is_nvme and host.which("nvme") is not None)
    measurements: dict[str, Any] = {"device": device, "kind": kind,
                                    "tool": "nvme-cli" if driver.nvme else "smartctl"}
    polls = 0

    def done(status: TestStatus, *reasons: Reason) -> DiagnosticResult:
        measurements["polls"] = polls
        return DiagnosticResult(name="selftest", target=target, status=status,
                                measurements=measurements, reasons=reasons,
                                started_at=started, ended_at=utc_now())

    try:
        driver.check_supported()
        before = driver.poll()
        polls += 1
        if before.supported is False:
            return done(TestStatus.UNTESTED, reason(
                "selftest.unsupported", "Ce disque ne sait pas faire d'auto-test SMART",
                "This drive does not support SMART self-tests"))
        if before.supported is None and not driver.nvme and before.newest is None \
                and not before.running:
            return done(TestStatus.UNTESTED, reason(
                "selftest.unsupported", "Pas de données d'auto-test SMART pour ce disque",
                "No SMART self-test data for this drive (not ATA/NVMe)"))
        seen_running = before.running
        if not before.running:
            driver.start()
            progress(0.0, f"self-test {kind} started on {device}")
        t0 = clock()
        state = before
        while True:
            if clock() - t0 > time_limit_s:
                driver.abort()
                measurements["elapsed_s"] = round(clock() - t0, 1)
                return done(TestStatus.UNTESTED, reason(
                    "selftest.timeout",
                    f"Auto-test non terminé en {time_limit_s:.0f} s : interrompu",
                    f"Self-test not finished within {time_limit_s:.0f} s: aborted"))
            sleep(poll_interval_s)
            state = driver.poll()
            polls += 1
            if state.running:
                seen_running = True
                if state.remaining_pct is not None:
                    progress((100 - state.remaining_pct) / 100,
                             f"self-test {kind}: {state.remaining_pct} % remaining")
                continue
            changed = (state.entries != before.entries or state.newest != before.newest)
            if seen_running or changed:
                break
        measurements["elapsed_s"] = round(clock() - t0, 1)
    except _Untested as exc:
        return done(TestStatus.UNTESTED, exc.why)
    progress(1.0, f"self-test {kind} finished on {device}")
    entry = state.newest
    if entry is None:
        return done(TestStatus.UNTESTED, reason(
            "selftest.no_result", "Auto-test terminé sans résultat dans le journal",
            "Self-test ended without a log entry"))
    measurements.update(result=entry.status, log_kind=entry.kind, lifetime_hours=entry.hours,
                        lba_of_first_error=entry.lba)
    if entry.outcome == "passed":
        return done(TestStatus.PASSED)
    if entry.outcome == "failed":
        where = f" (LBA {entry.lba})" if entry.lba is not None else ""
        return done(TestStatus.FAILED, reason(
            "selftest.failed", f"Auto-test SMART en échec : {entry.status}{where}",
            f"SMART self-test failed: {entry.status}{where}"))
    return done(TestStatus.UNTESTED, reason(
        "selftest.aborted", f"Auto-test interrompu : {entry.status}",
        f"Self-test aborted: {entry.status}"))
