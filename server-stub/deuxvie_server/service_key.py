"""The service's own Ed25519 key: it signs delivery receipts (deuxvie.wire.receipt, ADR 0046).

Generated on first start and kept in a PEM file (mode 0600): `--service-key FILE` /
DEUXVIE_SERVICE_KEY, else beside a SQLite database file (`<db>.service-key.pem`). Agents pin
its public key at enrolment, so a key that changed would make every receipt fail on every
enrolled station (reports then stay in their spools, nothing is lost): keep the file in
backups with the database.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from deuxvie import wire
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)


def default_path(db_url: str) -> Path | None:
    """Beside a SQLite database file; None for PostgreSQL or an in-memory database (the
    caller then needs an explicit path, or gets a key that lives as long as the process)."""
    url = make_url(db_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database + ".service-key.pem")


def load_or_create(path: Path) -> Ed25519PrivateKey:
    """Load the key at `path`, creating it if absent. Safe when several worker processes
    start at once: the new key is written whole to a temp file and link(2)ed to `path`,
    which fails if another process got there first; the loser then loads the winner's."""
    if path.exists():
        return wire.load_private_key(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = wire.generate_private_key()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(wire.private_key_pem(key))
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return wire.load_private_key(path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    log.warning("deuxvie-server: new service key %s in %s",
                wire.key_id(key.public_key()), path)
    return key


def resolve(
    path: str | None, db_url: str, pem: bytes | None = None
) -> Ed25519PrivateKey:
    """The key for a Config: its explicit file, else the default beside SQLite, else the
    PEM given, else a process-lifetime key (tests on PostgreSQL)."""
    where = Path(path) if path else default_path(db_url)
    if where is not None:
        return load_or_create(where)
    if pem is not None:
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("service key: not an Ed25519 private key")
        return key
    log.warning("deuxvie-server: no service key file (DEUXVIE_SERVICE_KEY): receipts are "
                "signed with a key that is lost when the process stops")
    return wire.generate_private_key()


def public_json(key: Ed25519PrivateKey) -> dict[str, Any]:
    pub = key.public_key()
    return {"key_id": wire.key_id(pub), "public_key": wire.public_key_b64(pub),
            "algorithm": "ed25519", "receipt_type": wire.RECEIPT_TYPE}
