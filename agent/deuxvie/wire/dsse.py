"""DSSE envelopes (github.com/secure-systems-lab/dsse, envelope.md and protocol.md v1.0).

Signatures cover PAE(payloadType, payload), never the base64 text, so a verifier must only
base64-decode the payload to check it: the report JSON is parsed after the signature holds.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from deuxvie.wire import strictjson
from deuxvie.wire.edpoint import PointError, check_point, check_signature
from deuxvie.wire.errors import EnvelopeError, PayloadTypeError, SignatureError, UnknownKeyError
from deuxvie.wire.keys import key_id, public_key_raw

PAYLOAD_TYPE = "application/vnd.deuxvie.report+json;version=1"

KeyLookup = Callable[[str], Ed25519PublicKey | None]


def pae(payload_type: str, payload: bytes) -> bytes:
    """Pre-Authentication Encoding (DSSE protocol.md):
    "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, LEN in ASCII decimal bytes."""
    type_bytes = payload_type.encode("utf-8")
    return b"DSSEv1 %d %b %d %b" % (len(type_bytes), type_bytes, len(payload), payload)


def sign(
    payload: bytes, key: Ed25519PrivateKey, payload_type: str = PAYLOAD_TYPE
) -> dict[str, Any]:
    """A DSSE envelope (JSON-ready dict) with one Ed25519 signature."""
    sig = key.sign(pae(payload_type, payload))
    return {
        "payload": base64.b64encode(payload).decode("ascii"),
        "payloadType": payload_type,
        "signatures": [
            {"keyid": key_id(key.public_key()), "sig": base64.b64encode(sig).decode("ascii")}
        ],
    }


def canonical_json(data: Any) -> bytes:
    """The bytes the agent signs: sorted keys, no spaces, UTF-8. Any stable form would do
    (the signature covers bytes, not a re-serialisation); this one makes replays of the
    same report byte-identical."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign_report(report: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    return sign(canonical_json(report), key)


@dataclass(frozen=True)
class Verified:
    """An envelope whose signature held: the payload bytes and which key signed them."""

    payload: bytes
    payload_type: str
    keyid: str
    sig: str = ""  # the base64 signature that verified, as the envelope had it


def _b64(value: object, what: str) -> bytes:
    if not isinstance(value, str):
        raise EnvelopeError(f"{what} must be a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise EnvelopeError(f"{what} is not valid base64") from exc


def parse_envelope(raw: bytes | str) -> dict[str, Any]:
    """The envelope's JSON (not the payload's). Raises EnvelopeError."""
    try:
        data = strictjson.loads(raw)
    except strictjson.StrictJsonError as exc:
        raise EnvelopeError(f"envelope is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise EnvelopeError("envelope must be a JSON object")
    return data


def verify(
    envelope: dict[str, Any], lookup: KeyLookup, payload_type: str = PAYLOAD_TYPE
) -> Verified:
    """Check the envelope's shape, its payloadType, and that at least one signature verifies
    with a key `lookup(keyid)` returns (None = unknown or revoked). Returns the payload
    bytes, still unparsed. Raises EnvelopeError / PayloadTypeError / UnknownKeyError /
    SignatureError."""
    if not isinstance(envelope, dict):
        raise EnvelopeError("envelope must be a JSON object")
    ptype = envelope.get("payloadType")
    if not isinstance(ptype, str):
        raise EnvelopeError("payloadType must be a string")
    payload = _b64(envelope.get("payload"), "payload")
    sigs = envelope.get("signatures")
    if not isinstance(sigs, list) or not sigs:
        raise EnvelopeError("signatures must be a non-empty list")
    if ptype != payload_type:
        # A tampered payloadType also breaks the signature (it is inside PAE); saying which
        # check failed helps an operator whose agent is a newer version.
        raise PayloadTypeError(f"payloadType {ptype!r} is not accepted (want {payload_type!r})")
    message = pae(ptype, payload)
    known = False
    for entry in sigs:
        if not isinstance(entry, dict):
            raise EnvelopeError("each signature must be an object {keyid, sig}")
        kid = entry.get("keyid")
        if not isinstance(kid, str):
            raise EnvelopeError("signature keyid must be a string")
        sig = _b64(entry.get("sig"), "signature sig")
        key = lookup(kid)
        if key is None:
            continue
        known = True
        try:
            # a key handed over by `lookup` may predate the enrolment check (stored rows)
            check_point(public_key_raw(key), "public key")
            check_signature(sig)
            key.verify(sig, message)
        except (InvalidSignature, PointError):
            continue
        return Verified(payload=payload, payload_type=ptype, keyid=kid, sig=entry["sig"])
    if not known:
        raise UnknownKeyError("no signature from a known, unrevoked station key")
    raise SignatureError("signature does not verify: the report was altered or mis-signed")


def decode_payload_json(verified: Verified) -> Any:
    try:
        return strictjson.loads(verified.payload)
    except strictjson.StrictJsonError as exc:
        raise EnvelopeError(f"payload is not JSON: {exc}") from exc
