"""Enrolment attempts per client address: a sliding window, in memory, per process.

Enrolment is open (a one-time token is the credential); without a limit a client can try
tokens as fast as the service answers (issue 11 item 13). Tokens are 256-bit random, so
this is about load and noise more than guessing. Per worker process (gunicorn): the limit
a client meets is at most `workers` times this. Behind a proxy every client has the
proxy's address: set the limit there too (docs/deployment.md)."""

from __future__ import annotations

import threading
import time
from collections import deque

ENROL_ATTEMPTS = 20
WINDOW_S = 60.0


class RateLimit:
    def __init__(self, attempts: int = ENROL_ATTEMPTS, window_s: float = WINDOW_S) -> None:
        self.attempts = attempts
        self.window_s = window_s
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            if len(self._hits) > 10_000:  # forget idle addresses, bounded memory
                self._hits = {k: v for k, v in self._hits.items()
                              if v and v[-1] > now - self.window_s}
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window_s:
                hits.popleft()
            if len(hits) >= self.attempts:
                return False
            hits.append(now)
            return True
