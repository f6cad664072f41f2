"""The wire format shared by the agent and the coordination service: report JSON Schema,
DSSE envelope, Ed25519 keys, device identity hash.

Imports only the standard library, `cryptography` and `jsonschema` — never another part
of `deuxvie` — so the service installs and runs without the agent's hardware dependencies
(DESIGN.md "Coordination service"). tests/server/test_wire_isolation.py enforces it.
"""

from deuxvie.wire.dsse import (
    PAYLOAD_TYPE,
    Verified,
    canonical_json,
    decode_payload_json,
    pae,
    parse_envelope,
    sign,
    sign_report,
    verify,
)
from deuxvie.wire.errors import (
    EnvelopeError,
    PayloadTypeError,
    ReportSchemaError,
    SignatureError,
    UnknownKeyError,
    WireError,
)
from deuxvie.wire.identity import device_identity_hash
from deuxvie.wire.keys import (
    generate_private_key,
    key_id,
    load_private_key,
    private_key_pem,
    public_key_b64,
    public_key_from_b64,
    write_private_key,
)
from deuxvie.wire.receipt import (
    RECEIPT_TYPE,
    Receipt,
    ReceiptError,
    make_receipt,
    payload_sha256,
    verify_receipt,
)
from deuxvie.wire.schema import SCHEMA_VERSION, report_errors, report_schema, validate_report

__all__ = [
    "PAYLOAD_TYPE",
    "RECEIPT_TYPE",
    "SCHEMA_VERSION",
    "EnvelopeError",
    "PayloadTypeError",
    "Receipt",
    "ReceiptError",
    "ReportSchemaError",
    "SignatureError",
    "UnknownKeyError",
    "Verified",
    "WireError",
    "canonical_json",
    "decode_payload_json",
    "device_identity_hash",
    "generate_private_key",
    "key_id",
    "load_private_key",
    "make_receipt",
    "pae",
    "parse_envelope",
    "payload_sha256",
    "private_key_pem",
    "public_key_b64",
    "public_key_from_b64",
    "report_errors",
    "report_schema",
    "sign",
    "sign_report",
    "validate_report",
    "verify",
    "verify_receipt",
    "write_private_key",
]
