"""Errors of the wire layer. Each maps to one HTTP rejection on the service side."""

from __future__ import annotations


class WireError(Exception):
    """Base class: the envelope or the report cannot be accepted."""

    code = "wire_error"


class EnvelopeError(WireError):
    """The DSSE envelope is not well formed (missing field, bad base64, wrong type)."""

    code = "bad_envelope"


class PayloadTypeError(EnvelopeError):
    """The envelope carries a payloadType this version does not accept."""

    code = "bad_payload_type"


class SignatureError(WireError):
    """No signature of the envelope verifies with a known, trusted key."""

    code = "bad_signature"


class UnknownKeyError(SignatureError):
    """None of the envelope's key ids belongs to a known, unrevoked station."""

    code = "unknown_key"


class ReportSchemaError(WireError):
    """The payload is JSON but does not follow report.schema.json."""

    code = "schema_invalid"

    def __init__(self, message: str, errors: list[str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []
