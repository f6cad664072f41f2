"""A minimal QMP client (QEMU Machine Protocol, docs/interop/qmp-spec.rst): hot-plug and
unplug disks in the virtual PC from a test.

Standard library only: one JSON object per line over a Unix socket; the greeting, then
`qmp_capabilities`, then commands. Asynchronous events (DEVICE_DELETED, ...) may arrive
between a command and its answer: they are kept in `events`, never taken for the answer.
"""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any


class QmpError(RuntimeError):
    """QEMU answered a command with an error (class and description in the message)."""


class Qmp:
    def __init__(self, path: Path, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(str(path))
                break
            except (FileNotFoundError, ConnectionRefusedError):
                sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)  # QEMU creates the socket a moment after it starts
        sock.settimeout(timeout_s)
        self._sock = sock
        self._file = sock.makefile("rwb")
        self.events: list[dict[str, Any]] = []
        greeting = self._read()
        if "QMP" not in greeting:
            raise QmpError(f"not a QMP greeting: {greeting}")
        self.execute("qmp_capabilities")

    def _read(self) -> dict[str, Any]:
        line = self._file.readline()
        if not line:
            raise QmpError("QEMU closed the QMP socket")
        msg: dict[str, Any] = json.loads(line)
        return msg

    def execute(self, command: str, **arguments: Any) -> Any:
        msg: dict[str, Any] = {"execute": command}
        if arguments:
            msg["arguments"] = arguments
        self._file.write(json.dumps(msg).encode() + b"\n")
        self._file.flush()
        while True:
            answer = self._read()
            if "event" in answer:
                self.events.append(answer)
                continue
            if "error" in answer:
                err = answer["error"]
                raise QmpError(f"{command}: {err.get('class')}: {err.get('desc')}")
            return answer.get("return")

    def wait_event(self, name: str, timeout_s: float = 60.0, **data: Any) -> dict[str, Any]:
        """The first event `name` whose data holds `data` (already received or coming)."""
        def matches(ev: dict[str, Any]) -> bool:
            got = ev.get("data") or {}
            return ev.get("event") == name and all(got.get(k) == v for k, v in data.items())

        deadline = time.monotonic() + timeout_s
        while True:
            for ev in self.events:
                if matches(ev):
                    self.events.remove(ev)
                    return ev
            left = deadline - time.monotonic()
            if left <= 0:
                raise QmpError(f"no {name} {data} within {timeout_s:.0f} s")
            self._sock.settimeout(left)
            try:
                msg = self._read()
            except TimeoutError:
                continue
            if "event" in msg:
                self.events.append(msg)

    def close(self) -> None:
        try:
            self._file.close()
        finally:
            self._sock.close()

    def __enter__(self) -> Qmp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
