"""Upload spooled reports to the coordination service (requests, timeouts, bounded backoff).

A report leaves the spool only after the service acknowledged it: 201 (stored) or 200 (the
same report was already stored: an idempotent replay). So uploading twice is harmless and a
crash between the POST and the move only causes one such replay.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from deuxvie.report.spool import spooled, write_atomic

CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 60.0
RETRY_DELAYS_S = (0.5, 1.0, 2.0)  # bounded: a dead server costs ~3.5 s, not minutes
RETRYABLE = {408, 425, 429, 500, 502, 503, 504}


class ServerUnavailable(Exception):
    """The service did not answer usefully (network, timeout, 5xx) after the retries."""


@dataclass(frozen=True)
class UploadResult:
    status: int
    body: dict[str, Any]

    @property
    def delivered(self) -> bool:
        return self.status in (200, 201)


@dataclass
class SyncSummary:
    delivered: list[str] = field(default_factory=list)
    rejected: list[tuple[str, int, str]] = field(default_factory=list)
    remaining: list[str] = field(default_factory=list)
    error: str | None = None


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
            body = {"error": "not_json", "message": resp.text[:500]}
        return UploadResult(resp.status_code, body if isinstance(body, dict) else {})
    raise ServerUnavailable(last)


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
) -> SyncSummary:
    """Upload every spooled report once. Stops at the first ServerUnavailable (the rest
    stays spooled for the next run). A definitive refusal (4xx other than the retryable
    ones) moves the report to `rejected/` with the service's answer beside it: retrying
    would not change the answer, and the operator must see it."""
    summary = SyncSummary()
    files = spooled(spool_dir)
    own = session is None
    sess = session or requests.Session()
    try:
        for i, path in enumerate(files):
            try:
                result = post_envelope(sess, server, path.read_bytes(), delays)
            except ServerUnavailable as exc:
                summary.error = str(exc)
                summary.remaining = [p.name for p in files[i:]]
                break
            if result.delivered:
                _move(path, sent_dir)
                summary.delivered.append(path.name)
            else:
                message = str(result.body.get("message") or result.body.get("error") or "")
                write_atomic(
                    rejected_dir / (path.name + ".error.json"),
                    json.dumps({"status": result.status, **result.body}, indent=2).encode(),
                )
                _move(path, rejected_dir)
                summary.rejected.append((path.name, result.status, message))
    finally:
        if own:
            sess.close()
    return summary
