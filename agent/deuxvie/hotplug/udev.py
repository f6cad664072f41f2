"""Pure parser of `udevadm monitor --udev --property --subsystem-match=block` output.

Format (systemd udevadm-monitor.c, checked on systemd 252 of Debian 12): a two-line banner,
then per event a header line

    UDEV  [2041.377046] add      /devices/pci0000:00/.../block/sda (block)

followed by one `KEY=VALUE` line per property and an empty line. `--udev` shows events
after udev's rules ran, so /dev nodes and /dev/disk/by-id links exist and the properties
carry ID_SERIAL_SHORT, ID_WWN, ID_BUS... (the kernel's own uevents, `--kernel`, come before
the rules and would race them). Values are printed raw: a property may contain "=" (only
the first one splits). The parser is incremental (a stream never ends) and never raises on
noise: lines it does not understand are counted in `skipped`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

_HEADER = re.compile(
    r"^(?P<source>UDEV|KERNEL)\s*\[(?P<ts>[0-9]+\.[0-9]+)\]\s+(?P<action>\S+)\s+"
    r"(?P<devpath>\S+)\s+\((?P<subsystem>[^)]*)\)\s*$"
)
_PROPERTY = re.compile(r"^(?P<key>[A-Za-z0-9_.:-]+)=(?P<value>.*)$")
ACTIONS = frozenset({"add", "remove", "change", "move", "online", "offline", "bind", "unbind"})


@dataclass(frozen=True)
class UdevEvent:
    action: str
    devpath: str
    subsystem: str
    timestamp_s: float
    properties: dict[str, str] = field(default_factory=dict, compare=False)

    def prop(self, key: str) -> str | None:
        value = self.properties.get(key)
        return value if value not in (None, "") else None

    @property
    def devname(self) -> str | None:
        return self.prop("DEVNAME")

    @property
    def devtype(self) -> str | None:
        return self.prop("DEVTYPE")

    @property
    def seqnum(self) -> int | None:
        value = self.prop("SEQNUM")
        return int(value) if value is not None and value.isdigit() else None

    @property
    def serial(self) -> str | None:
        # ID_SERIAL_SHORT is the drive's own serial (ata_id, scsi_id, nvme); ID_SERIAL adds
        # the model ("QEMU_HARDDISK_DV01"). virtio-blk has no ID_SERIAL_SHORT on Debian 12's
        # rules but ID_SERIAL holds the bare serial.
        return self.prop("ID_SERIAL_SHORT") or self.prop("ID_SERIAL")

    @property
    def model(self) -> str | None:
        return self.prop("ID_MODEL")


class MonitorParser:
    """Feed lines one at a time; `feed` returns an event when its blank line arrives."""

    def __init__(self) -> None:
        self._header: re.Match[str] | None = None
        self._props: dict[str, str] = {}
        self.skipped = 0

    def _flush(self) -> UdevEvent | None:
        head, props = self._header, self._props
        self._header, self._props = None, {}
        if head is None:
            return None
        return UdevEvent(
            # the properties are authoritative (the header pads and may truncate)
            action=props.get("ACTION") or head["action"],
            devpath=props.get("DEVPATH") or head["devpath"],
            subsystem=props.get("SUBSYSTEM") or head["subsystem"],
            timestamp_s=float(head["ts"]),
            properties=props,
        )

    def feed(self, line: str) -> UdevEvent | None:
        line = line.rstrip("\r\n")
        if not line.strip():
            return self._flush()
        head = _HEADER.match(line)
        if head is not None:
            # a header without the blank line before it (a truncated capture): the event
            # before it is complete as far as anyone will know
            previous = self._flush()
            if head["action"] in ACTIONS:
                self._header = head
            else:
                self.skipped += 1
            return previous
        prop = _PROPERTY.match(line)
        if prop is not None and self._header is not None:
            self._props[prop["key"]] = prop["value"]
        else:
            self.skipped += 1  # the banner, a torn line
        return None

    def finish(self) -> UdevEvent | None:
        """End of input: the last event, if its blank line never came."""
        return self._flush()


def parse_monitor(lines: Iterable[str]) -> Iterator[UdevEvent]:
    parser = MonitorParser()
    for line in lines:
        event = parser.feed(line)
        if event is not None:
            yield event
    last = parser.finish()
    if last is not None:
        yield last


# Kernel block devices that are never a loose disk in a dock: loop, RAM disks, device-mapper,
# md RAID, optical drives, network block devices, zram swap, mtd flash.
_NOT_A_DISK = re.compile(r"^/dev/(loop|ram|dm-|md|sr|nbd|zram|mtdblock|fd)[0-9]")


def is_disk_event(event: UdevEvent) -> bool:
    """A whole disk (not a partition, not a virtual device) on the block subsystem."""
    name = event.devname or ""
    return (
        event.subsystem == "block"
        and event.devtype == "disk"
        and name.startswith("/dev/")
        and _NOT_A_DISK.match(name) is None
        and "/devices/virtual/" not in event.devpath
    )
