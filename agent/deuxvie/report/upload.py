"""Upload spooled reports to the coordination service (requests, timeouts, bounded backoff).

A report leaves the spool only on proof of delivery: a 201 (stored) or 200 (the same report
was already stored: an idempotent replay) whose body carries a receipt signed by the
service key pinned at enrolment and naming this report's uuid and payload SHA-256
(deuxvie.wire.receipt, ADR 0046). A status code alone proves nothing: a captive portal
answers 200, a redirect lands on some other 200 page, so redirects are not followed.
Uploading twice is harmless and a crash between the POST and the move only causes one
replay.
"""

from __future__ import annotations

import base64
import binascii
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
from deuxvie.report.spool import SUFFIX, spooled, write_atomic

CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 60.0
RETRY_DELAYS_S = (0.5, 1.0, 2.0)  # bounded: a dead server costs ~3.5 s, not minutes
RETRYABLE = {408, 425, 429, 500, 502, 503, 504}


class ServerUnavailable(Exception):
    """The service did not answer usefully (network, timeout, 5xx) after the retries."""


# Refusals that are about the report itself (malformed, tampered, schema, uuid reused,
# too large, revoked station): retrying cannot change them. Only when the body is the
# service's JSON error ({"error": code, ...}): a proxy's HTML 400 says nothing of the report.
FINAL_STATUSES = {400, 403, 409, 413, 415, 422}
# 403 unknown_key: the station is not enrolled (yet): the same bytes verify once it is.
NOT_FINAL_CODES = {"unknown_key"}


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
    def final(self) -> bool:
        """A refusal about the report itself, from the service (JSON error body)."""
        code = self.body.get("error")
        return (self.status in FINAL_STATUSES and isinstance(code, str)
                and not self.body.get("_not_json") and code not in NOT_FINAL_CODES)

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
    `receipts`: those receipts by report uuid (certificate URL inside, signed)."""

    delivered: list[str] = field(default_factory=list)
    rejected: list[tuple[str, int, str]] = field(default_factory=list)
    remaining: list[str] = field(default_factory=list)
    error: str | None = None
    # reports the service answered without a valid receipt (name, why): still in the spool
    unproven: list[tuple[str, str]] = field(default_factory=list)
    receipts: dict[str, wire.Receipt] = field(default_factory=dict)

    @property
    def delivered_uuids(self) -> list[str]:
        return [name.removesuffix(SUFFIX) for name in self.delivered]

    def is_delivered(self, report_uuid: str) -> bool:
        return report_uuid in self.receipts


def reports_url(server: str) -> str:
    return server.rstrip("/") + "/api/v1/reports"


def post_envelope(
    session: requests.Session,
    server: str,
    data: bytes,
    delays: tuple[float, ...] = RETRY_DELAYS_S,
    sleep: Callable[[float], None] = time.sleep,
) -> UploadResult:
    """POST one envelope; retry network errors and 5xx/429 with the given delays."""
    last = ""
    for attempt in range(len(delays) + 1):
        if attempt:
            sleep(delays[attempt - 1])
        try:
            resp = session.post(
                reports_url(server), data=data,
                headers={"Content-Type": "application/json"},
                timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S),
                allow_redirects=False,  # a POST redirected is re-sent as GET (RFC 9110 15.4)
            )
        except requests.RequestException as exc:
            last = f"{type(exc).__name__}: {exc}"
            continue
        if resp.status_code in RETRYABLE:
            last = f"HTTP {resp.status_code}"
            continue
        try:
            body = resp.json()
        except ValueError:
            body = {"error": "not_json", "_not_json": True, "message": resp.text[:500]}
        if not isinstance(body, dict):
            body = {"error": "not_object", "_not_json": True, "message": resp.text[:500]}
        return UploadResult(resp.status_code, body,
                            resp.headers.get("Content-Type", ""), resp.headers.get("Location"))
    raise ServerUnavailable(last)


def check_receipt(
    result: UploadResult, envelope: bytes, service_key: Ed25519PublicKey | None
) -> wire.Receipt:
    """The verified receipt of an acknowledged upload, or ReceiptError."""
    if service_key is None:
        raise wire.ReceiptError("no service key pinned (deuxvie station enrol): "
                                "delivery cannot be proven")
    env = wire.parse_envelope(envelope)
    report_uuid = _report_uuid(env)
    return wire.verify_receipt(result.body.get("receipt"), service_key, report_uuid,
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
    """The last answer kept beside a report that stays pending."""
    return path.name.removesuffix(SUFFIX) + ".answer.json"


def _message(result: UploadResult) -> str:
    return str(result.body.get("message") or result.body.get("error") or "")[:300]


def _record(spool_dir: Path, path: Path, result: UploadResult, why: str) -> None:
    write_atomic(spool_dir / answer_name(path),
                 json.dumps({"why": why, **result.answer()}, indent=2).encode())


def _move(path: Path, target_dir: Path) -> None:
    target_dir.mkdir(parents=True, exist_ok=True)
    os.replace(path, target_dir / path.name)


def sync_spool(
    spool_dir: Path,
    sent_dir: Path,
    rejected_dir: Path,
    server: str,
    session: requests.Session | None = None,
    delays: tuple[float, ...] = RETRY_DELAYS_S,
    service_key: Ed25519PublicKey | None = None,
) -> SyncSummary:
    """Upload every spooled report once. Stops at the first ServerUnavailable (the rest
    stays spooled for the next run). Only a verified receipt (`service_key`) moves a report
    to `sent/` (the receipt beside it). A definitive refusal from the service (its JSON
    error, status in FINAL_STATUSES, not "unknown_key") moves the report to `rejected/`
    with the answer beside it: retrying would not change it, and the operator must see it.
    Any other answer leaves the report in the spool with the answer recorded."""
    summary = SyncSummary()
    files = spooled(spool_dir)
    own = session is None
    sess = session or requests.Session()
    try:
        for i, path in enumerate(files):
            data = path.read_bytes()
            try:
                result = post_envelope(sess, server, data, delays)
            except ServerUnavailable as exc:
                summary.error = str(exc)
                summary.remaining = [p.name for p in files[i:]]
                break
            if result.acknowledged:
                try:
                    receipt = check_receipt(result, data, service_key)
                except wire.WireError as exc:
                    _record(spool_dir, path, result, str(exc))
                    summary.unproven.append((path.name, str(exc)))
                    summary.remaining.append(path.name)
                    continue
                # the receipt first: a crash before the move replays the report (200)
                write_atomic(sent_dir / receipt_name(path),
                             json.dumps(result.body["receipt"], indent=2).encode())
                _move(path, sent_dir)
                (spool_dir / answer_name(path)).unlink(missing_ok=True)
                summary.delivered.append(path.name)
                summary.receipts[receipt.uuid] = receipt
            elif not result.final:
                why = f"HTTP {result.status}: {_message(result)}"
                _record(spool_dir, path, result, why)
                summary.unproven.append((path.name, why))
                summary.remaining.append(path.name)
            else:
                message = _message(result)
                write_atomic(rejected_dir / (path.name + ".error.json"),
                             json.dumps(result.answer(), indent=2).encode())
                _move(path, rejected_dir)
                summary.rejected.append((path.name, result.status, message))
    finally:
        if own:
            sess.close()
    return summary
