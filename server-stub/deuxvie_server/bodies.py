"""Request bodies: the size limit for chunked bodies too, and a minimum data rate.

Why by hand: gunicorn hands a chunked body to the app without Content-Length and without
`wsgi.input_terminated`, so Werkzeug's `get_data()` reads NOTHING (a chunked report got 400
"not JSON", a chunked 10 MB body too instead of 413). Here the decoded stream is read up to
the limit; one byte more is a 413 (issue 11 item 7).

A client trickling its body (1 byte a second) holds a worker thread for as long as it
likes: recv() timeouts restart with every byte. Like Apache's mod_reqtimeout
(`body=10,MinRate=...`), a body must arrive at MIN_RATE bytes/s after GRACE_S seconds of
grace; a watchdog thread shuts the socket's read side of a read that falls behind, the
blocked recv() returns, and the client gets 408 (issue 11 item 6). A report of 8 MB over a
10 kB/s link still gets through (800 s); a trickler is cut after ~10 s. In production a
buffering reverse proxy (nginx, docs/deployment.md) absorbs slow clients before they reach
a worker at all; this is the service's own guard when there is none.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from typing import Any

from flask import current_app, request

from deuxvie_server.errors import ApiError

GRACE_S = 10.0
MIN_RATE = 10_000  # bytes/s
READ_SIZE = 8192
WATCH_INTERVAL_S = 0.25


class _Read:
    def __init__(self, sock: socket.socket, grace_s: float, min_rate: float) -> None:
        self.sock = sock
        self.start = time.monotonic()
        self.grace_s = grace_s
        self.min_rate = min_rate
        self.got = 0
        self.expired = False

    def overdue(self, now: float) -> bool:
        return now > self.start + self.grace_s + self.got / self.min_rate

    def expire(self) -> None:
        self.expired = True
        # the blocked recv() returns b"" (end of stream); the answer can still be sent
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RD)


class BodyWatchdog:
    """One thread per process (started lazily, again after fork) watching the body reads
    in progress."""

    def __init__(self, grace_s: float = GRACE_S, min_rate: float = MIN_RATE) -> None:
        self.grace_s = grace_s
        self.min_rate = min_rate
        self._reads: set[_Read] = set()
        self._lock = threading.Lock()
        self._pid = 0

    def _ensure_thread(self) -> None:
        if self._pid != os.getpid():
            self._pid = os.getpid()
            threading.Thread(target=self._run, name="body-watchdog", daemon=True).start()

    def _run(self) -> None:
        pid = os.getpid()
        while self._pid == pid:
            time.sleep(WATCH_INTERVAL_S)
            now = time.monotonic()
            with self._lock:
                late = [r for r in self._reads if not r.expired and r.overdue(now)]
            for r in late:
                r.expire()

    def begin(self, sock: socket.socket) -> _Read:
        read = _Read(sock, self.grace_s, self.min_rate)
        with self._lock:
            self._ensure_thread()
            self._reads.add(read)
        return read

    def end(self, read: _Read) -> None:
        with self._lock:
            self._reads.discard(read)


def _socket(environ: dict[str, Any]) -> socket.socket | None:
    sock = environ.get("gunicorn.socket") or environ.get("werkzeug.socket")
    return sock if isinstance(sock, socket.socket) else None


def read_body() -> bytes:
    """The request body, at most `max_body_bytes` (413 beyond, Content-Length or chunked),
    arriving at the minimum rate (408 otherwise)."""
    ext = current_app.extensions["deuxvie"]
    limit: int = ext["config"].max_body_bytes
    length = request.content_length
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    if length is not None and length > limit:
        raise ApiError(413, "request_entity_too_large", f"body over {limit} bytes")
    if length is None and not chunked:
        return b""
    stream = request.environ["wsgi.input"]
    sock = _socket(request.environ)
    watchdog: BodyWatchdog = ext["body_watchdog"]
    read = watchdog.begin(sock) if sock is not None else None
    want = length if length is not None else limit + 1
    parts: list[bytes] = []
    got = 0
    try:
        while got < want:
            try:
                data = stream.read(min(READ_SIZE, want - got))
            except (OSError, ValueError) as exc:  # a reset, or a chunked framing error
                if read is not None and read.expired:
                    break
                raise ApiError(400, "bad_body", f"body could not be read: {exc}") from exc
            if not data:
                break
            parts.append(data)
            got += len(data)
            if read is not None:
                read.got = got
    finally:
        if read is not None:
            watchdog.end(read)
    if read is not None and read.expired:
        raise ApiError(408, "body_too_slow", f"body slower than {watchdog.min_rate:.0f} "
                       f"bytes/s after {watchdog.grace_s:.0f} s")
    if got > limit:
        raise ApiError(413, "request_entity_too_large", f"body over {limit} bytes")
    if length is not None and got < length:
        raise ApiError(400, "bad_body", f"body ended after {got} of {length} bytes")
    return b"".join(parts)
