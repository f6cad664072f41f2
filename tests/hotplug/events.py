"""udev event text in `udevadm monitor --udev --property` form, for replay tests. The real
captures are tests/data/hotplug/*.udev (SOURCES.md); these build variations of them."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "hotplug"
BANNER = ("monitor will print the received events for:\n"
          "UDEV - the event which udev sends out after rule processing\n\n")
USB_DEVPATH = ("/devices/pci0000:00/0000:00:04.0/usb2/2-1/2-1:1.0/host3/target3:0:0/"
               "3:0:0:0/block/{name}")


def event(action: str, name: str, *, serial: str | None = "DVSTAT0001",
          devpath: str | None = None, devtype: str = "disk", ts: float = 100.0,
          seqnum: int = 1000, **extra: str) -> str:
    path = devpath or USB_DEVPATH.format(name=name)
    props = {
        "ACTION": action, "DEVPATH": path, "SUBSYSTEM": "block", "DEVNAME": f"/dev/{name}",
        "DEVTYPE": devtype, "SEQNUM": str(seqnum), "ID_BUS": "usb", "ID_MODEL": "DEUXVIE_USB",
    }
    if serial is not None:
        props["ID_SERIAL_SHORT"] = serial
        props["ID_SERIAL"] = f"DEUXVIE_USB_{serial}"
    props.update(extra)
    head = f"UDEV  [{ts:.6f}] {action:<8} {path} (block)\n"
    return head + "".join(f"{k}={v}\n" for k, v in props.items()) + "\n"


def stream(*events: str) -> list[str]:
    return (BANNER + "".join(events)).splitlines(keepends=True)
