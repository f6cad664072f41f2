"""Delivery receipts: the service's signed statement "I stored report U whose payload has
SHA-256 H" (docs/report-format.md "Receipt", ADR 0046).

A receipt is a DSSE envelope like a report, with its own payloadType, signed by the
service's Ed25519 key (not a station's). The agent pins that key at enrolment and moves a
report out of its spool only on a receipt that verifies with it and names the report's uuid
and payload hash: an HTTP 200/201 alone proves nothing (a captive portal answers 200, a
redirect ends on someone else's 200 page).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from deuxvie.wire.dsse import canonical_json, parse_envelope, sign, verify
from deuxvie.wire.errors import WireError
from deuxvie.wire.keys import key_id

RECEIPT_TYPE = "application/vnd.deuxvie.receipt+json;version=1"
STATUSES = ("stored", "duplicate")


class ReceiptError(WireError):
    """No receipt, or one that does not prove delivery of this report."""

    code = "bad_receipt"


@dataclass(frozen=True)
class Receipt:
    """The signed facts of a receipt that verified."""

    uuid: str
    payload_sha256: str
    status: str  # "stored" (201) or "duplicate" (200: the same bytes were stored before)
    issued_at: str
    certificate_url: str | None
    service_key_id: str


def payload_sha256(envelope: bytes | dict[str, Any]) -> str:
    """SHA-256 hex of the envelope's payload bytes (base64-decoded): what the service
    stores as `payload_sha256` and names in the receipt."""
    env = parse_envelope(envelope) if isinstance(envelope, bytes) else envelope
    try:
        raw = base64.b64decode(env["payload"], validate=True)
    except (KeyError, TypeError, binascii.Error, ValueError) as exc:
        raise ReceiptError("the envelope has no valid base64 payload") from exc
    return hashlib.sha256(raw).hexdigest()


def make_receipt(
    key: Ed25519PrivateKey,
    report_uuid: str,
    sha256_hex: str,
    status: str,
    issued_at: str,
    certificate_url: str | None,
) -> dict[str, Any]:
    if status not in STATUSES:
        raise ValueError(f"receipt status {status!r} not in {STATUSES}")
    body = {"uuid": report_uuid, "payload_sha256": sha256_hex, "status": status,
            "issued_at": issued_at, "certificate_url": certificate_url}
    return sign(canonical_json(body), key, RECEIPT_TYPE)


def verify_receipt(
    receipt: Any, service_key: Ed25519PublicKey, report_uuid: str, sha256_hex: str
) -> Receipt:
    """The receipt's facts if it is signed by `service_key` and names exactly this report
    uuid and payload hash; else ReceiptError saying which check failed."""
    if not isinstance(receipt, dict):
        raise ReceiptError("the answer carries no receipt object")
    kid = key_id(service_key)
    try:
        verified = verify(receipt, lambda k: service_key if k == kid else None, RECEIPT_TYPE)
        facts = json.loads(verified.payload)
    except (WireError, ValueError, UnicodeDecodeError) as exc:
        raise ReceiptError(f"receipt does not verify with the pinned service key: {exc}") from exc
    if not isinstance(facts, dict):
        raise ReceiptError("receipt payload is not a JSON object")
    if facts.get("uuid") != report_uuid:
        raise ReceiptError(f"receipt names report {facts.get('uuid')!r}, not {report_uuid}")
    if facts.get("payload_sha256") != sha256_hex:
        raise ReceiptError("receipt names another payload hash: the service stored other bytes")
    status = facts.get("status")
    issued = facts.get("issued_at")
    url = facts.get("certificate_url")
    if status not in STATUSES or not isinstance(issued, str) or not (
            url is None or isinstance(url, str)):
        raise ReceiptError("receipt fields status/issued_at/certificate_url are malformed")
    return Receipt(uuid=report_uuid, payload_sha256=sha256_hex, status=str(status),
                   issued_at=issued, certificate_url=url, service_key_id=kid)
