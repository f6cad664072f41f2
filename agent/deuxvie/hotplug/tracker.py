"""Which udev event starts, stops or ignores a disk slot: a pure state machine.

Rules (issue #15, DESIGN.md "never touch the boot medium"):
- disks present when the station starts are the station's own (its boot stick, its
  internal disk): never started; once removed, they are forgotten like any other disk;
- `add` of a whole disk starts a slot; `change` starts one only for a disk not yet seen
  with media (a card reader getting a card: DISK_MEDIA_CHANGE=1); a `change` or a second
  `add` of a disk that has a slot is ignored (udev re-triggers, the partition table re-read
  after a wipe both send them);
- `remove` of a running slot stops it: the worker's record is INTERRUPTED, never ERASED,
  and the slot is free at once; the same disk plugged back starts from the start;
- a serial already certified erased in this session is not wiped again unless asked
  (`rewipe`); a serial running in another slot (one disk seen through two paths) neither.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from deuxvie.hotplug.udev import UdevEvent, is_disk_event

CERTIFIED = frozenset({"ERASED", "ERASED_WITH_WARNINGS"})


class SlotState(enum.StrEnum):
    RUNNING = "running"
    DONE = "done"
    REFUSED = "refused"
    REMOVED = "removed"


@dataclass(frozen=True)
class Start:
    slot: int
    devpath: str
    devname: str
    serial: str | None
    model: str | None


@dataclass(frozen=True)
class Stop:
    """The disk of a running slot was pulled out."""

    slot: int
    devpath: str


@dataclass(frozen=True)
class Freed:
    """A finished (or refused) disk was unplugged: its line says so."""

    slot: int
    devpath: str


@dataclass(frozen=True)
class Ignore:
    devpath: str
    devname: str | None
    code: str
    fr: str
    en: str


Action = Start | Stop | Freed | Ignore


@dataclass
class Slot:
    number: int
    devpath: str
    devname: str
    serial: str | None
    state: SlotState = SlotState.RUNNING
    status: str | None = None  # the erasure status once done


@dataclass
class Tracker:
    present_at_start: set[str] = field(default_factory=set)
    rewipe: bool = False
    slots: dict[str, Slot] = field(default_factory=dict)  # devpath -> slot while plugged
    erased_serials: set[str] = field(default_factory=set)
    history: list[Slot] = field(default_factory=list)
    # which events concern a loose disk (tests widen it to loop devices)
    accept: Callable[[UdevEvent], bool] = is_disk_event
    _next: int = 1

    @classmethod
    def starting_with(cls, devpaths: Iterable[str], rewipe: bool = False) -> Tracker:
        return cls(present_at_start=set(devpaths), rewipe=rewipe)

    def _ignore(self, ev: UdevEvent, code: str, fr: str, en: str) -> list[Action]:
        return [Ignore(ev.devpath, ev.devname, code, fr, en)]

    def _serial_refusal(self, serial: str | None, devpath: str) -> tuple[str, str, str] | None:
        if not serial:
            return None
        for other in self.slots.values():
            if other.devpath != devpath and other.serial == serial and \
                    other.state is SlotState.RUNNING:
                return ("hotplug.same_disk_running",
                        f"n° de série {serial} déjà en cours ({other.devname})",
                        f"serial {serial} already running ({other.devname})")
        if serial in self.erased_serials and not self.rewipe:
            return ("hotplug.already_erased",
                    f"n° de série {serial} déjà effacé dans cette session (--rewipe pour refaire)",
                    f"serial {serial} already erased in this session (--rewipe to wipe again)")
        return None

    def on_event(self, ev: UdevEvent) -> list[Action]:
        if not self.accept(ev):
            return []
        if ev.action == "remove":
            self.present_at_start.discard(ev.devpath)
            slot = self.slots.pop(ev.devpath, None)
            if slot is None:
                return []
            if slot.state is SlotState.RUNNING:
                slot.state = SlotState.REMOVED
                slot.status = "INTERRUPTED"
                return [Stop(slot.number, ev.devpath)]
            return [Freed(slot.number, ev.devpath)]
        if ev.action not in ("add", "change"):
            return []
        if ev.devpath in self.present_at_start:
            return self._ignore(ev, "hotplug.present_at_start",
                                "présent au démarrage : disque du poste, jamais effacé",
                                "present at start: the station's own disk, never wiped")
        if ev.devpath in self.slots:
            return []  # a re-trigger or the partition re-read after the wipe
        if ev.action == "change" and ev.prop("DISK_MEDIA_CHANGE") != "1":
            return []
        if ev.prop("ID_CDROM") == "1":
            return self._ignore(ev, "hotplug.optical", "lecteur optique ignoré",
                                "optical drive ignored")
        assert ev.devname is not None  # is_disk_event
        refusal = self._serial_refusal(ev.serial, ev.devpath)
        slot = Slot(self._next, ev.devpath, ev.devname, ev.serial)
        self._next += 1
        self.slots[ev.devpath] = slot
        self.history.append(slot)
        if refusal is not None:
            slot.state = SlotState.REFUSED
            return self._ignore(ev, *refusal)
        return [Start(slot.number, ev.devpath, ev.devname, ev.serial, ev.model)]

    def claim_serial(self, number: int, serial: str | None) -> tuple[str, str, str] | None:
        """The worker's probed serial (udev may not know it): a refusal, or None to go on."""
        slot = self._by_number(number)
        if slot is None or slot.state is not SlotState.RUNNING:
            return None
        refusal = self._serial_refusal(serial, slot.devpath)
        slot.serial = serial or slot.serial
        if refusal is not None:
            slot.state = SlotState.REFUSED
        return refusal

    def _by_number(self, number: int) -> Slot | None:
        return next((s for s in self.history if s.number == number), None)

    def finished(self, number: int, status: str) -> str:
        """The worker's final status; a slot whose disk was pulled stays INTERRUPTED."""
        slot = self._by_number(number)
        if slot is None:
            return status
        if slot.state is SlotState.REMOVED:
            return "INTERRUPTED"
        if slot.state is SlotState.RUNNING:
            slot.state = SlotState.DONE
        slot.status = status
        if status in CERTIFIED and slot.serial:
            self.erased_serials.add(slot.serial)
        return status

    def removed(self, number: int) -> bool:
        slot = self._by_number(number)
        return slot is not None and slot.state is SlotState.REMOVED
