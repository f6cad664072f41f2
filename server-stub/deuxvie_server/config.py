"""Service configuration: one explicit object passed to create_app (no globals)."""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_DB_URL = "sqlite:///deuxvie-server.sqlite3"
# A report is a few hundred kB; the evidence bundle is capped at 4 MB gzip by the agent
# (deuxvie.report.build.EVIDENCE_MAX_BYTES) and grows x16/9 through two base64 layers.
MAX_BODY_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Config:
    db_url: str = DEFAULT_DB_URL
    max_body_bytes: int = MAX_BODY_BYTES
    # An admin token accepted besides those stored by `deuxvie-server admin-token create`
    # (for a first login, or containers configured by environment). None: stored ones only.
    admin_token: str | None = None
    # Apply migrations when the app starts (serve does; tests may migrate once themselves).
    migrate: bool = True
    public_url: str | None = None  # base of certificate links when behind a proxy
    # The service's Ed25519 key that signs delivery receipts (service_key.py): this PEM file,
    # created on first start. None: beside a SQLite database file, else `service_key_pem`.
    service_key_path: str | None = None
    # The key itself (PKCS#8 PEM), for `serve` to hand one throwaway key to all its worker
    # processes when there is no file to keep it in (PostgreSQL without DEUXVIE_SERVICE_KEY).
    service_key_pem: bytes | None = None

    @classmethod
    def from_env(cls, db_url: str | None = None) -> Config:
        return cls(
            db_url=db_url or os.environ.get("DEUXVIE_DB", DEFAULT_DB_URL),
            admin_token=os.environ.get("DEUXVIE_ADMIN_TOKEN") or None,
            public_url=os.environ.get("DEUXVIE_PUBLIC_URL") or None,
            service_key_path=os.environ.get("DEUXVIE_SERVICE_KEY") or None,
        )
