"""relay.py HOST PORT: copy stdin/stdout to one TCP connection to HOST:PORT, then exit.

QEMU starts this once per guest connection (`guestfwd=tcp:10.0.2.100:8080-cmd:...`), so the
guest reaches exactly one service on the host's loopback and nothing else: the
`guestfwd=...-tcp:HOST:PORT` form connects only once, a second request hangs (QEMU-RIG.md).
Standard library only: QEMU runs it with the host python, outside any package path.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import threading


def _stdin_to_socket(sock: socket.socket) -> None:
    try:
        while True:
            chunk = os.read(0, 65536)
            if not chunk:
                break
            sock.sendall(chunk)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_WR)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: relay.py HOST PORT", file=sys.stderr)
        return 2
    try:
        sock = socket.create_connection((argv[0], int(argv[1])), timeout=30)
    except OSError as exc:
        print(f"relay: cannot reach {argv[0]}:{argv[1]}: {exc}", file=sys.stderr)
        return 1
    sock.settimeout(None)
    pump = threading.Thread(target=_stdin_to_socket, args=(sock,), daemon=True)
    pump.start()
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            os.write(1, chunk)
    except OSError:
        pass
    sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
