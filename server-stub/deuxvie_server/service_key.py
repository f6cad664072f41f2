"""The service's own Ed25519 key: it signs what the service itself vouches for (the donors'
erasure attestations), as the stations' keys sign their reports. One PKCS#8 PEM file,
created on first use with mode 0600 (O_EXCL: two workers starting together make one key).

Where: Config.service_key_file, else $DEUXVIE_SERVICE_KEY, else beside the SQLite database
(`<db>.service-key.pem`), else ~/.local/share/deuxvie/service-key.pem (PostgreSQL)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from deuxvie import wire
from sqlalchemy.engine import make_url

ENV = "DEUXVIE_SERVICE_KEY"
ALGORITHM = "ed25519"


def default_path(db_url: str) -> Path:
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:" \
            and not url.database.startswith("file:"):
        return Path(url.database + ".service-key.pem")
    return Path.home() / ".local/share/deuxvie/service-key.pem"


def load_or_create(path: Path) -> Ed25519PrivateKey:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another worker made it first: use theirs
        else:
            with os.fdopen(fd, "wb") as f:
                f.write(pem)
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return loaded


def public_json(key: Ed25519PrivateKey) -> dict[str, str]:
    pub = key.public_key()
    return {"algorithm": ALGORITHM, "key_id": wire.key_id(pub),
            "public_key": wire.public_key_b64(pub)}


def sign_file(key: Ed25519PrivateKey, data: bytes, filename: str) -> dict[str, Any]:
    """The detached signature (JSON) of a document: Ed25519 over its exact bytes."""
    return {
        **public_json(key),
        "file": filename,
        "sha256": hashlib.sha256(data).hexdigest(),
        "signature": base64.b64encode(key.sign(data)).decode(),
        "signed_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def verify_file(data: bytes, signature: dict[str, Any] | bytes | str,
                public_key_b64: str) -> tuple[bool, str]:
    """(valid, why). The key is the one the verifier trusts (from the service, the README
    or a previous download), never the one the signature file names."""
    try:
        sig = json.loads(signature) if isinstance(signature, bytes | str) else signature
        if not isinstance(sig, dict):
            return False, "the signature file is not a JSON object"
        key: Ed25519PublicKey = wire.public_key_from_b64(public_key_b64)
        if sig.get("key_id") not in (None, wire.key_id(key)):
            return False, "signed by another key than the service's"
        raw = base64.b64decode(str(sig.get("signature", "")), validate=True)
        if sig.get("sha256") not in (None, hashlib.sha256(data).hexdigest()):
            return False, "the document is not the one that was signed (SHA-256 differs)"
        key.verify(raw, data)
    except (ValueError, wire.EnvelopeError) as exc:
        return False, f"malformed signature or key ({exc})"
    except InvalidSignature:
        return False, "the signature does not match the document"
    return True, "signature valid"


_LOCK = threading.Lock()


def of_app(ext: dict[str, Any]) -> Ed25519PrivateKey:
    """The app's key, loaded (or made) on first use and kept in its extension dict."""
    with _LOCK:
        if "service_key" not in ext:
            config = ext["config"]
            path = Path(config.service_key_file) if config.service_key_file \
                else default_path(config.db_url)
            ext["service_key"] = load_or_create(path)
        key: Ed25519PrivateKey = ext["service_key"]
        return key
