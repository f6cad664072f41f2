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


# ---- disks plugged into a running guest ------------------------------------------------

# QEMU 7.2 refuses device_add onto AHCI ("Bus 'ahci.0' does not support hotplugging"): a SATA
# hot-swap bay is emulated with virtio-scsi's scsi-hd (a SCSI disk like a SATA disk behind
# libata: /dev/sdX, sd_mod).
HOTPLUG_DRIVERS = {
    "usb": ("usb-storage", "xhci.0"),
    "virtio": ("virtio-blk-pci", None),
    "scsi": ("scsi-hd", "scsi0.0"),
    "sata": ("ide-hd", "ahci.0"),
}


def add_disk(qmp: Qmp, dev_id: str, kind: str, image: Path, serial: str, *,
             blkdebug_config: Path | None = None, bps_write: int | None = None,
             port: int | None = None) -> None:
    """blockdev-add the image (under QEMU's blkdebug driver for injected errors, under a
    throttle filter to slow its writes), then device_add it on the kind's bus (a USB disk
    on `port` of the xHCI: QEMU's port N is the guest's root-hub port N, and its
    SuperSpeed peer)."""
    node = f"{dev_id}-node"
    file_node: dict[str, Any] = {"driver": "file", "filename": str(image)}
    if blkdebug_config is not None:
        file_node = {"driver": "blkdebug", "config": str(blkdebug_config), "image": file_node}
    fmt: dict[str, Any] = {"driver": "raw", "file": file_node}
    if bps_write is not None:
        qmp.execute("object-add", **{"qom-type": "throttle-group", "id": f"{dev_id}-tg",
                                     "limits": {"bps-write": bps_write}})
        fmt = {"driver": "throttle", "throttle-group": f"{dev_id}-tg", "file": fmt}
    qmp.execute("blockdev-add", **{"node-name": node, **fmt})
    driver, bus = HOTPLUG_DRIVERS[kind]
    args: dict[str, Any] = {"driver": driver, "id": dev_id, "drive": node, "serial": serial}
    if bus is not None:
        args["bus"] = bus
    if port is not None:
        args["port"] = str(port)
    try:
        qmp.execute("device_add", **args)
    except QmpError:
        qmp.execute("blockdev-del", **{"node-name": node})
        raise


def remove_disk(qmp: Qmp, dev_id: str, timeout_s: float = 120.0) -> None:
    """device_del, wait until QEMU says the device is gone (USB at once; PCI after the
    guest's ACPI eject), then drop its block node."""
    qmp.execute("device_del", id=dev_id)
    qmp.wait_event("DEVICE_DELETED", timeout_s=timeout_s, device=dev_id)
    qmp.execute("blockdev-del", **{"node-name": f"{dev_id}-node"})
