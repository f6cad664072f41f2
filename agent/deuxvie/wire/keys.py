"""Ed25519 station keys: generate, store, load, key id.

Key id = SHA-256 hex of the 32-byte raw public key (DESIGN.md "Reports and trust"): it is
stable across encodings (PEM, base64), so the agent and the service agree on it without
sharing a file format.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from deuxvie.wire.edpoint import PointError, check_point
from deuxvie.wire.errors import EnvelopeError

PRIVATE_KEY_MODE = 0o600


def generate_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def public_key_raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    """SHA-256 hex of the raw public key."""
    return hashlib.sha256(public_key_raw(key)).hexdigest()


def public_key_b64(key: Ed25519PublicKey) -> str:
    """The raw public key in standard base64: what enrolment sends to the service."""
    return base64.b64encode(public_key_raw(key)).decode("ascii")


def public_key_from_raw(raw: bytes) -> Ed25519PublicKey:
    """The key, refused when its encoding is non-canonical or of small order (edpoint.py:
    OpenSSL would accept the all-zero key, for which signatures can be forged)."""
    if len(raw) != 32:
        raise EnvelopeError(f"an Ed25519 public key has 32 bytes, got {len(raw)}")
    try:
        check_point(raw, "public key")
    except PointError as exc:
        raise EnvelopeError(str(exc)) from exc
    return Ed25519PublicKey.from_public_bytes(raw)


def public_key_from_b64(text: str) -> Ed25519PublicKey:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise EnvelopeError("public key is not valid base64") from exc
    return public_key_from_raw(raw)


def private_key_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def write_private_key(key: Ed25519PrivateKey, path: Path) -> None:
    """Write the key PEM with mode 0600 from the first byte (O_EXCL: never overwrite a key;
    creating then chmod-ing would leave a window where the key is world-readable)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_KEY_MODE)
    try:
        os.write(fd, private_key_pem(key))
        os.fsync(fd)
    finally:
        os.close(fd)
    # The umask may have removed bits we did not ask for, never added; chmod makes it exact.
    os.chmod(path, PRIVATE_KEY_MODE)


def load_private_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path}: not an Ed25519 private key")
    return key


def public_key_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
