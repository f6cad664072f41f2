"""Upload spooled reports to the coordination service (requests, deadlines, bounded backoff).

A report leaves the spool only on proof of delivery: a 201 (stored) or 200 (the same report
was already stored: an idempotent replay) whose body carries a receipt signed by the
service key pinned at enrolment and naming this report's uuid and payload SHA-256
(deuxvie.wire.receipt, ADR 0046). A status code alone proves nothing: a captive portal
answers 200, a redirect lands on some other 200 page, so redirects are not followed.
Uploading twice is harmless and a crash between the POST and the move only causes one
replay.

Each sync tries every pending report (ADR 0047): a report the service keeps failing on
(5xx, no valid receipt) does not hold back the others; it gets a per-report backoff and an
attempts counter, and after `max_attempts` answered attempts moves to `stuck/` with its
last answer. A network failure (refused, silent, too slow) is about the service, not the
report: it ends the sync without counting an attempt, so a dead service costs seconds:

    connection refused     0.5 + 1 + 2 s of retries            ~3.5 s a sync
    no answer to connect   CONNECT_TIMEOUT_S, not retried       3 s
    silent after connect   IDLE_TIMEOUT_S, not retried          5 s
    trickling answer       the POST deadline, not retried       15 s + 1 s per 100 kB sent
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from deuxvie import wire
from deuxvie.report import deadline_http
from deuxvie.report.spool import SUFFIX, locked, spooled, write_atomic

CONNECT_TIMEOUT_S = 3.0
IDLE_TIMEOUT_S = 5.0  # the service answers a report in milliseconds (README bench: p99 < 0.2 s)
READ_TIMEOUT_S = IDLE_TIMEOUT_S  # old name, kept for importers
RETRY_DELAYS_S = (0.5, 1.0, 2.0)  # connection refused and 5xx: ~3.5 s, not minutes
# 502/503/504/429/408/425 are the service (or its proxy) saying it is down or busy: after the
# retries the sync stops (no attempt counted). A 500 is the service failing on this report.
UNAVAILABLE = {408, 425, 429, 502, 503, 504}
RETRYABLE = UNAVAILABLE | {500}


class ServerUnavailable(Exception):
    """The service did not answer usefully (network, timeout, 502-504) after the retries."""


# Refusals that are about the report itself (malformed, tampered, schema, uuid reused,
# too large, revoked station): retrying cannot change them. Only when the body is the
# service's JSON error ({"error": code, ...}): a proxy's HTML 400 says nothing of the report.
FINAL_STATUSES = {400, 403, 409, 413, 415, 422}
# 403 unknown_key: the station is not enrolled (yet): the same bytes verify once it is.
NOT_FINAL_CODES = {"unknown_key"}


@dataclass(frozen=True)
class DeliveryPolicy:
    """How hard a sync tries (config keys `server.max_attempts`, `server.retry_after_s`)."""

    max_attempts: int = 10  # answered attempts without a receipt before `stuck/`
    backoff_s: float = 60.0  # wait before retrying a failing report; doubles each attempt
    backoff_max_s: float = 3600.0
    connect_timeout_s: float = CONNECT_TIMEOUT_S
    idle_timeout_s: float = IDLE_TIMEOUT_S
    post_deadline_s: float = 15.0  # wall clock for one POST, plus the time to send the body:
    send_rate_bps: float = 100_000.0  # an 8 MB report gets 15 + 80 s on a slow workshop link
    sync_budget_s: float = 120.0  # after this, reports not yet tried wait for the next sync
    retry_delays_s: tuple[float, ...] = RETRY_DELAYS_S

    def post_budget(self, size: int) -> float:
        return self.post_deadline_s + size / self.send_rate_bps

    def backoff(self, attempts: int) -> float:
        return float(min(self.backoff_max_s, self.backoff_s * 2 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class UploadResult:
    status: int
    body: dict[str, Any]
    content_type: str = ""
    location: str | None = None  # of a redirect (never followed)

    @property
    def acknowledged(self) -> bool:
        """The service said it stored the report (still to be proven by the receipt)."""
        return self.status in (200, 201)

    @property
    def delivered(self) -> bool:  # kept for callers of post_envelope; see acknowledged
        return self.acknowledged

    @property
    def code(self) -> str | None:
        code = self.body.get("error")
        return code if isinstance(code, str) and not self.body.get("_not_json") else None

    @property
    def final(self) -> bool:
        """A refusal about the report itself, from the service (JSON error body)."""
        return (self.status in FINAL_STATUSES and self.code is not None
                and self.code not in NOT_FINAL_CODES)

    @property
    def unenrolled(self) -> bool:
        return self.status == 403 and self.code == "unknown_key"

    def answer(self) -> dict[str, Any]:
        """What to keep of this answer beside a report that stays pending or is refused."""
        out: dict[str, Any] = {"status": self.status, "content_type": self.content_type}
        if self.location:
            out["location"] = self.location
        out["body"] = {k: v for k, v in self.body.items() if k != "_not_json"}
        return out


@dataclass
class SyncSummary:
    """One sync. `delivered`: spool file names proven delivered (a verified receipt each);
    `receipts`: those receipts by report uuid (certificate URL inside, signed).
    `remaining`: names still in the spool after this sync, whatever the reason."""

    delivered: list[str] = field(default_factory=list)
    rejected: list[tuple[str, int, str]] = field(default_factory=list)
    remaining: list[str] = field(default_factory=list)
    error: str | None = None  # the network failure that ended the sync early
    # answered without a valid receipt (name, why): still in the spool, attempt counted
    unproven: list[tuple[str, str]] = field(default_factory=list)
    receipts: dict[str, wire.Receipt] = field(default_factory=dict)
    stuck: list[tuple[str, str]] = field(default_factory=list)  # moved to stuck/ now
    stuck_total: int = 0  # reports in stuck/ after this sync (moved now or before)
    unenrolled: list[str] = field(default_factory=list)  # 403 unknown_key: kept pending
    waiting: list[tuple[str, str]] = field(default_factory=list)  # (name, retry after)
    attempts: dict[str, int] = field(default_factory=dict)  # of the reports still pending
    warnings: list[str] = field(default_factory=list)

    @property
    def delivered_uuids(self) -> list[str]:
        return [name.removesuffix(SUFFIX) for name in self.delivered]

    def is_delivered(self, report_uuid: str) -> bool:
        return report_uuid in self.receipts

    @property
    def undelivered(self) -> bool:
        """Anything still waiting for delivery (pending, stuck) or refused in this sync."""
        return bool(self.remaining or self.stuck_total or self.rejected)


def reports_url(server: str) -> str:
    return server.rstrip("/") + "/api/v1/reports"


def _result(resp: requests.Response, raw: bytes) -> UploadResult:
    text = raw[:500].decode("utf-8", "replace")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        body = {"error": "not_json", "_not_json": True, "message": text}
    if not isinstance(body, dict):
        body = {"error": "not_object", "_not_json": True, "message": text}
    return UploadResult(resp.status_code, body, resp.headers.get("Content-Type", ""),
                        resp.headers.get("Location"))


def post_envelope(
    session: requests.Session,
    server: str,
    data: bytes,
    delays: tuple[float, ...] = RETRY_DELAYS_S,
    sleep: Callable[[float], None] = time.sleep,
    policy: DeliveryPolicy | None = None,
) -> UploadResult:
    """POST one envelope under the policy's deadline. Retries a refused connection and
    5xx/429 with `delays`; a timeout is not retried (a silent service stays silent). Raises
    ServerUnavailable for a network failure or a service that says it is unavailable; a
    500 after the retries is returned (the service fails on this report)."""
    pol = policy or DeliveryPolicy()
    last = ""
    result: UploadResult | None = None
    for attempt in range(len(delays) + 1):
        if attempt:
            sleep(delays[attempt - 1])
        try:
            resp, raw = deadline_http.post(
                session, reports_url(server), data, {"Content-Type": "application/json"},
                pol.connect_timeout_s, pol.idle_timeout_s, pol.post_budget(len(data)))
        except requests.Timeout as exc:
            raise ServerUnavailable(f"{type(exc).__name__}: {exc}") from exc
        except requests.RequestException as exc:
            last = f"{type(exc).__name__}: {exc}"
            result = None
            continue
        result = _result(resp, raw)
        if result.status in RETRYABLE:
            last = f"HTTP {result.status}"
            continue
        return result
    if result is not None and result.status not in UNAVAILABLE:
        return result
    raise ServerUnavailable(last)


def check_receipt(
    result: UploadResult, envelope: bytes, service_key: Ed25519PublicKey | None
) -> wire.Receipt:
    """The verified receipt of an acknowledged upload, or ReceiptError."""
    if service_key is None:
        raise wire.ReceiptError("no service key pinned (deuxvie station enrol): "
                                "delivery cannot be proven")
    env = wire.parse_envelope(envelope)
    return wire.verify_receipt(result.body.get("receipt"), service_key, _report_uuid(env),
                               wire.payload_sha256(env))


def _report_uuid(env: dict[str, Any]) -> str:
    try:
        report = json.loads(base64.b64decode(env["payload"], validate=True))
        rid = report["uuid"]
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise wire.ReceiptError("the spooled envelope has no report uuid") from exc
    if not isinstance(rid, str):
        raise wire.ReceiptError("the spooled report uuid is not a string")
    return rid


def receipt_name(path: Path) -> str:
    return path.name.removesuffix(SUFFIX) + ".receipt.json"


def answer_name(path: Path) -> str:
    """The last answer and the attempts counter kept beside a report that stays pending."""
    return path.name.removesuffix(SUFFIX) + ".answer.json"


def _message(result: UploadResult) -> str:
    return str(result.body.get("message") or result.body.get("error") or "")[:300]


def _iso(t: float) -> str:
    return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _state(spool_dir: Path, path: Path) -> dict[str, Any]:
    try:
        data = json.loads((spool_dir / answer_name(path)).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _move(path: Path, target_dir: Path) -> None:
    target_dir.mkdir(parents=True, exist_ok=True)
    os.replace(path, target_dir / path.name)


def retry_stuck(spool_dir: Path, stuck_dir: Path) -> list[str]:
    """Put the reports of `stuck/` back in the spool with a fresh attempts counter (their
    last answer stays in stuck/ until they fail again)."""
    moved = []
    with locked(spool_dir):
        for path in spooled(stuck_dir):
            _move(path, spool_dir)
            moved.append(path.name)
    return moved


def sync_spool(
    spool_dir: Path,
    sent_dir: Path,
    rejected_dir: Path,
    server: str,
    session: requests.Session | None = None,
    delays: tuple[float, ...] | None = None,
    service_key: Ed25519PublicKey | None = None,
    stuck_dir: Path | None = None,
    policy: DeliveryPolicy | None = None,
    force: bool = False,
    lock_wait_s: float = 60.0,
    now: Callable[[], float] = time.time,
) -> SyncSummary:
    """Upload every spooled report once (holding the spool lock: SpoolBusy if another sync
    still has it after `lock_wait_s`; `deuxvie sync` passes 0 and says "already running").

    - a verified receipt (`service_key`) moves the report to `sent/`, the receipt beside it;
    - a definitive refusal from the service (its JSON error, status in FINAL_STATUSES, not
      "unknown_key") moves it to `rejected/` with the answer beside it: retrying would not
      change it, and the operator must see it;
    - 403 unknown_key (station not enrolled yet) keeps it pending, no attempt counted;
    - any other answer keeps it pending with the answer and an attempts counter in
      `<uuid>.answer.json`, and a backoff before the next try (`force` ignores it); after
      `policy.max_attempts` it moves to `stuck_dir` (default: beside `sent/`).
    - a network failure ends the sync (the rest stays pending, nothing counted).
    """
    pol = policy or DeliveryPolicy()
    if delays is not None:
        pol = dataclasses.replace(pol, retry_delays_s=delays)
    stuck = stuck_dir or sent_dir.parent / "stuck"
    summary = SyncSummary()
    own = session is None
    sess = session or deadline_http.session()
    started = time.monotonic()
    retry_delays = pol.retry_delays_s
    try:
        with locked(spool_dir, lock_wait_s):
            files = spooled(spool_dir, summary.warnings)
            for path in files:
                state = _state(spool_dir, path)
                if summary.error is not None or time.monotonic() - started > pol.sync_budget_s:
                    summary.remaining.append(path.name)  # not tried: next sync
                    summary.attempts[path.name] = int(state.get("attempts", 0))
                    continue
                next_at = state.get("next_attempt_at_epoch")
                if not force and isinstance(next_at, (int, float)) and next_at > now():
                    summary.waiting.append((path.name, _iso(next_at)))
                    summary.remaining.append(path.name)
                    summary.attempts[path.name] = int(state.get("attempts", 0))
                    continue
                try:
                    data = path.read_bytes()
                except FileNotFoundError:  # moved by a process that ignores the lock
                    continue
                try:
                    result = post_envelope(sess, server, data, retry_delays, policy=pol)
                except ServerUnavailable as exc:
                    summary.error = str(exc)
                    summary.remaining.append(path.name)
                    summary.attempts[path.name] = int(state.get("attempts", 0))
                    continue
                if result.status >= 500:
                    # the first report that crashed the service used the retries; the
                    # others of this sync get one try each (an all-500 service costs
                    # 3.5 s a sync, not 3.5 s a report)
                    retry_delays = ()
                _handle(result, path, data, state, spool_dir, sent_dir, rejected_dir, stuck,
                        service_key, pol, now(), summary)
        summary.stuck_total = len(spooled(stuck))
    finally:
        if own:
            sess.close()
    return summary


def _handle(
    result: UploadResult, path: Path, data: bytes, state: dict[str, Any], spool_dir: Path,
    sent_dir: Path, rejected_dir: Path, stuck_dir: Path,
    service_key: Ed25519PublicKey | None, pol: DeliveryPolicy, t: float, summary: SyncSummary,
) -> None:
    answer_file = spool_dir / answer_name(path)
    if result.acknowledged:
        try:
            receipt = check_receipt(result, data, service_key)
        except wire.WireError as exc:
            why = f"HTTP {result.status} sans reçu valide / without a valid receipt: {exc}"
        else:
            # the receipt first: a crash before the move replays the report (200)
            write_atomic(sent_dir / receipt_name(path),
                         json.dumps(result.body["receipt"], indent=2).encode())
            _move(path, sent_dir)
            answer_file.unlink(missing_ok=True)
            summary.delivered.append(path.name)
            summary.receipts[receipt.uuid] = receipt
            return
    elif result.final:
        message = _message(result)
        write_atomic(rejected_dir / (path.name + ".error.json"),
                     json.dumps(result.answer(), indent=2).encode())
        _move(path, rejected_dir)
        answer_file.unlink(missing_ok=True)
        summary.rejected.append((path.name, result.status, message))
        return
    elif result.unenrolled:
        # the same bytes verify once the station is enrolled: not the report's fault
        attempts = int(state.get("attempts", 0))
        write_atomic(answer_file, json.dumps({
            "why": "poste non enregistré / station not enrolled (403 unknown_key)",
            "attempts": attempts, "last_attempt_at": _iso(t), **result.answer()},
            indent=2).encode())
        summary.unenrolled.append(path.name)
        summary.remaining.append(path.name)
        summary.attempts[path.name] = attempts
        return
    else:
        why = f"HTTP {result.status}: {_message(result)}"
        if result.location:
            why += f" (redirection vers / redirect to {result.location}, non suivie / not followed)"
    attempts = int(state.get("attempts", 0)) + 1
    record = {"why": why, "attempts": attempts,
              "first_attempt_at": state.get("first_attempt_at", _iso(t)),
              "last_attempt_at": _iso(t), **result.answer()}
    if attempts >= pol.max_attempts:
        write_atomic(stuck_dir / answer_name(path), json.dumps(record, indent=2).encode())
        _move(path, stuck_dir)
        answer_file.unlink(missing_ok=True)
        summary.stuck.append((path.name, why))
        return
    next_at = t + pol.backoff(attempts)
    record.update(next_attempt_at=_iso(next_at), next_attempt_at_epoch=next_at)
    write_atomic(answer_file, json.dumps(record, indent=2).encode())
    summary.unproven.append((path.name, why))
    summary.remaining.append(path.name)
    summary.attempts[path.name] = attempts
