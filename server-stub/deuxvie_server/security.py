"""Tokens: random, shown once, stored as SHA-256 (enrolment and admin tokens)."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_token() -> str:
    # The prefix keeps a token from starting with "-": `--token -x…` would be read by
    # argparse as another option (seen in tests: 1 token in 64 starts with "-").
    return "dv_" + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
