"""A requests Session whose POSTs have a wall-clock deadline.

requests/urllib3 timeouts are per socket operation: a server that sends one byte every
second never trips a 2 s read timeout and held one upload 15 s (issue #11 item 4; urllib3
documents `Timeout.total` the same way: "not a total time limit"). So each POST runs under
a timer that, at the deadline, shuts the connection's socket down (shutdown(2) wakes a
send or recv blocked in another thread) and the POST fails with DeadlineExceeded.

The socket is found through the connection pool: the pools of this session's adapter note
every connection they hand out while a deadline is armed in the calling thread.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_ARMED = threading.local()  # .conns: list of connections handed out under a deadline


class DeadlineExceeded(requests.Timeout):
    """The POST (send, wait, read) did not end before its wall-clock deadline."""


def _note(conn: Any) -> Any:
    conns = getattr(_ARMED, "conns", None)
    if conns is not None:
        conns.append(conn)
    return conn


class _HTTPPool(HTTPConnectionPool):
    def _get_conn(self, timeout: float | None = None) -> Any:
        return _note(super()._get_conn(timeout))


class _HTTPSPool(HTTPSConnectionPool):
    def _get_conn(self, timeout: float | None = None) -> Any:
        return _note(super()._get_conn(timeout))


_POOLS = {"http": _HTTPPool, "https": _HTTPSPool}


class _Adapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **kwargs)
        manager.pool_classes_by_scheme = _POOLS
        return manager


def session() -> requests.Session:
    s = requests.Session()
    adapter = _Adapter()
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    return s


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[threading.Event]:
    """Arm a deadline for the requests made in this block (by this thread, on a session
    from `session()`). The event is set if the deadline cut the connection."""
    conns: list[Any] = []
    fired = threading.Event()

    def cut() -> None:
        fired.set()
        for conn in conns:
            sock = getattr(conn, "sock", None)
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    timer = threading.Timer(seconds, cut)
    timer.daemon = True
    _ARMED.conns = conns
    timer.start()
    try:
        yield fired
    finally:
        timer.cancel()
        _ARMED.conns = None


MAX_ANSWER_BYTES = 1024 * 1024  # a receipt is ~1 kB; a portal page is cut here


def post(
    sess: requests.Session,
    url: str,
    data: bytes,
    headers: dict[str, str],
    connect_s: float,
    idle_s: float,
    total_s: float,
) -> tuple[requests.Response, bytes]:
    """POST without following redirects; the answer's body read whole (up to
    MAX_ANSWER_BYTES) before `total_s` seconds from now, else DeadlineExceeded."""
    end = time.monotonic() + total_s
    with deadline(total_s) as fired:
        try:
            resp = sess.post(url, data=data, headers=headers, timeout=(connect_s, idle_s),
                             allow_redirects=False, stream=True)
            try:
                body = bytearray()
                for chunk in resp.iter_content(16384):
                    body += chunk
                    if len(body) >= MAX_ANSWER_BYTES:
                        del body[MAX_ANSWER_BYTES:]
                        break
                    if time.monotonic() > end:
                        fired.set()
                        break
            finally:
                resp.close()
        except requests.RequestException as exc:
            if fired.is_set():
                raise DeadlineExceeded(f"no complete answer within {total_s:.0f} s") from exc
            raise
        if fired.is_set():  # the cut may surface as a short read rather than an error
            raise DeadlineExceeded(f"no complete answer within {total_s:.0f} s")
    return resp, bytes(body)
