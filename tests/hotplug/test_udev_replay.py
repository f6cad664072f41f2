"""Replay of udev event streams through the pure parser and the slot tracker: add, change,
remove, a disk that appears twice (issue #15)."""

from __future__ import annotations

from deuxvie.hotplug.source import replay_file, replay_lines
from deuxvie.hotplug.tracker import Freed, Ignore, Start, Stop, Tracker
from deuxvie.hotplug.udev import MonitorParser, is_disk_event, parse_monitor

from .events import DATA, event, stream

SATA = "/devices/pci0000:00/0000:00:02.0/ata1/host0/target0:0:0/0:0:0:0/block/sda"


def test_real_guest_capture_parses_to_four_events() -> None:
    # recorded in the QEMU test guest (Debian 12, systemd 252): the SATA disk deleted through
    # sysfs and found again by a SCSI host rescan, twice
    events = list(replay_file(DATA / "guest-sata-remove-add-twice.udev"))
    assert [e.action for e in events] == ["remove", "add", "remove", "add"]
    assert {e.devpath for e in events} == {SATA}
    first = events[1]
    assert first.devname == "/dev/sda" and first.devtype == "disk"
    assert first.serial == "CAPSATA01" and first.model == "CAP_SATA"
    assert first.prop("ID_BUS") == "ata" and first.seqnum == 983
    assert first.timestamp_s == 50.195745
    assert all(is_disk_event(e) for e in events)


def test_real_capture_disk_that_appears_twice_is_wiped_again_from_the_start() -> None:
    tracker = Tracker.starting_with({SATA})  # present at start: the station's own disk
    actions = [a for e in replay_file(DATA / "guest-sata-remove-add-twice.udev")
               for a in tracker.on_event(e)]
    # removed once: forgotten as "present", so its next arrival is a loose disk
    assert [type(a) for a in actions] == [Start, Stop, Start]
    first, stop, again = actions
    assert isinstance(first, Start) and isinstance(again, Start) and isinstance(stop, Stop)
    assert first.serial == again.serial == "CAPSATA01"
    assert stop.slot == first.slot and again.slot != first.slot  # a new slot, from the start
    assert tracker.finished(first.slot, "ERASED") == "INTERRUPTED"  # pulled: never ERASED
    assert "CAPSATA01" not in tracker.erased_serials


def test_present_disks_are_never_started() -> None:
    tracker = Tracker.starting_with({SATA})
    add = next(e for e in replay_file(DATA / "guest-sata-remove-add-twice.udev")
               if e.action == "add")
    (ignored,) = tracker.on_event(add)
    assert isinstance(ignored, Ignore) and ignored.code == "hotplug.present_at_start"


def test_add_change_partition_and_retrigger_start_one_slot() -> None:
    tracker = Tracker()
    lines = stream(
        event("add", "sdb", seqnum=1),
        event("add", "sdb1", devtype="partition", seqnum=2,
              devpath="/devices/pci0000:00/0000:00:04.0/usb2/2-1/2-1:1.0/host3/target3:0:0/"
                      "3:0:0:0/block/sdb/sdb1"),
        event("change", "sdb", seqnum=3),  # the partition table re-read after the wipe
        event("add", "sdb", seqnum=4),  # `udevadm trigger` replays add for every device
        event("change", "sdb", seqnum=5, DISK_MEDIA_CHANGE="1"),
    )
    actions = [a for e in replay_lines(lines) for a in tracker.on_event(e)]
    assert [type(a) for a in actions] == [Start]
    assert actions[0].devname == "/dev/sdb"  # type: ignore[union-attr]


def test_card_reader_media_change_starts_a_slot_once() -> None:
    tracker = Tracker()
    lines = stream(
        event("change", "sdc", seqnum=1),  # a change without media change: nothing
        event("change", "sdc", seqnum=2, DISK_MEDIA_CHANGE="1"),
        event("change", "sdc", seqnum=3, DISK_MEDIA_CHANGE="1"),
    )
    actions = [a for e in replay_lines(lines) for a in tracker.on_event(e)]
    assert [type(a) for a in actions] == [Start]


def test_remove_of_running_disk_stops_it_and_frees_the_slot() -> None:
    tracker = Tracker()
    lines = stream(event("add", "sdb", seqnum=1), event("remove", "sdb", seqnum=2))
    actions = [a for e in replay_lines(lines) for a in tracker.on_event(e)]
    assert [type(a) for a in actions] == [Start, Stop]
    assert tracker.slots == {}  # free at once
    assert tracker.removed(actions[0].slot)
    assert tracker.finished(actions[0].slot, "ERASED") == "INTERRUPTED"


def test_erased_serial_reappearing_is_refused_unless_rewipe() -> None:
    lines = stream(event("add", "sdb", seqnum=1), event("remove", "sdb", seqnum=3),
                   event("add", "sdd", seqnum=4))  # the same disk, another port
    for rewipe, expected in ((False, Ignore), (True, Start)):
        tracker = Tracker(rewipe=rewipe)
        events = list(replay_lines(lines))
        (start,) = tracker.on_event(events[0])
        assert isinstance(start, Start)
        assert tracker.finished(start.slot, "ERASED") == "ERASED"
        assert tracker.on_event(events[1]) == [Freed(start.slot, events[1].devpath)]
        (again,) = tracker.on_event(events[2])
        assert isinstance(again, expected)
        if isinstance(again, Ignore):
            assert again.code == "hotplug.already_erased"


def test_failed_or_interrupted_serial_is_wiped_again() -> None:
    tracker = Tracker()
    lines = stream(event("add", "sdb", seqnum=1), event("remove", "sdb", seqnum=2),
                   event("add", "sdb", seqnum=3))
    events = list(replay_lines(lines))
    (start,) = tracker.on_event(events[0])
    assert isinstance(start, Start)
    tracker.finished(start.slot, "FAILED")
    tracker.on_event(events[1])
    (again,) = tracker.on_event(events[2])
    assert isinstance(again, Start)


def test_same_serial_on_two_paths_runs_once() -> None:
    tracker = Tracker()
    lines = stream(event("add", "sdb", seqnum=1), event("add", "sdc", seqnum=2))
    actions = [a for e in replay_lines(lines) for a in tracker.on_event(e)]
    assert isinstance(actions[0], Start)
    assert isinstance(actions[1], Ignore) and actions[1].code == "hotplug.same_disk_running"
    # a serial only the worker's probe finds (udev had none) is checked too
    tracker2 = Tracker()
    (a,) = tracker2.on_event(next(replay_lines(stream(event("add", "sdb", serial=None)))))
    (b,) = tracker2.on_event(next(replay_lines(stream(event("add", "sde", serial=None)))))
    assert isinstance(a, Start) and isinstance(b, Start)
    assert tracker2.claim_serial(a.slot, "SAME1") is None
    refusal = tracker2.claim_serial(b.slot, "SAME1")
    assert refusal is not None and refusal[0] == "hotplug.same_disk_running"


def test_virtual_optical_and_partition_events_are_not_disks() -> None:
    lines = stream(
        event("add", "loop3", devpath="/devices/virtual/block/loop3"),
        event("add", "sr0", ID_CDROM="1"),
        event("add", "dm-0", devpath="/devices/virtual/block/dm-0"),
        event("add", "sdb1", devtype="partition"),
    )
    events = list(replay_lines(lines))
    assert [is_disk_event(e) for e in events] == [False, False, False, False]
    assert [a for e in events for a in Tracker().on_event(e)] == []


def test_parser_is_incremental_and_survives_noise() -> None:
    parser = MonitorParser()
    text = event("add", "sdb") + event("remove", "sdb")
    got = []
    for line in ["garbage line\n", "KEY=before any header\n", *text.splitlines(True)]:
        ev = parser.feed(line)
        if ev is not None:
            got.append(ev)
    assert [e.action for e in got] == ["add", "remove"]
    assert parser.skipped == 2
    # a capture cut off before its blank line still yields its last event; a value with "="
    cut = event("add", "sdb", ID_FS_LABEL="a=b").rstrip("\n")
    (last,) = list(parse_monitor(cut.splitlines(True)))
    assert last.prop("ID_FS_LABEL") == "a=b"
    # a header missing the blank line before it ends the previous event
    joined = event("add", "sdb").rstrip("\n") + "\n" + event("remove", "sdb")
    assert [e.action for e in parse_monitor(joined.splitlines(True))] == ["add", "remove"]


def test_real_station_session_replays_to_four_starts_and_one_stop() -> None:
    # recorded during tests/vm/test_guest_station.py: 4 disks hot-plugged by QMP, the change
    # events of their wipes (partition table re-read), and sdd pulled mid-overwrite
    events = list(replay_file(DATA / "guest-station-4-disks.udev"))
    assert sum(e.action == "change" for e in events) >= 5
    tracker = Tracker()
    actions = [a for e in events for a in tracker.on_event(e)]
    starts = [a for a in actions if isinstance(a, Start)]
    assert [s.devname for s in starts] == ["/dev/sdb", "/dev/vda", "/dev/sdc", "/dev/sdd"]
    assert {s.serial for s in starts} == {"DVHOTSCSI1", "DVHOTVIRT1", "DVHOTUSB01",
                                          "DVHOTPULL1"}
    (stop,) = [a for a in actions if isinstance(a, Stop)]
    assert stop.slot == starts[3].slot
    assert len(actions) == 5  # every change event ignored
    # the same session replayed once every disk has finished: the pull still interrupts
    assert tracker.finished(starts[3].slot, "ERASED") == "INTERRUPTED"
