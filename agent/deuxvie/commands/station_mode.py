"""`deuxvie station-mode`: a disk station. Loose disks plugged into a dock (USB, SATA
hot-swap bay, …) are each identified, tested (SMART), wiped by the policy, certified,
labelled and reported on their own, in parallel, without rebooting (deuxvie.hotplug)."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import TextIO

from deuxvie.commands import help_of
from deuxvie.commands.run import sigterm_as_interrupt
from deuxvie.config import Config, ConfigError, find_config, load_config
from deuxvie.host.base import Host, HostError
from deuxvie.host.local import LocalHost
from deuxvie.hotplug.screen import make_screen
from deuxvie.hotplug.source import MonitorSource, present_devpaths, replay_file
from deuxvie.hotplug.station import DEFAULT_LABEL_SIZE, Station, StationOptions
from deuxvie.hotplug.tracker import Tracker

EXIT_DONE = 0
EXIT_CONFIG = 2
READY = "DEUXVIE-STATION-READY"  # the plain log's line once udev is watched (tests wait on it)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "station-mode",
        help=help_of("station-mode"),
        description=(
            "Chaque disque branché est identifié, testé, effacé, certifié, étiqueté et "
            "rapporté, en parallèle. / Each disk plugged in is identified, tested, wiped, "
            "certified, labelled and reported, in parallel."
        ),
    )
    p.add_argument("--config", type=Path, help="deuxvie.toml (default: the stick's, then /etc)")
    p.add_argument("--rewipe", action="store_true",
                   help="wipe again a disk already erased in this session")
    p.add_argument("--label-size", default=None,
                   help=f"label size (default {DEFAULT_LABEL_SIZE}, a disk-sized label)")
    p.add_argument("--record-udev", type=Path,
                   help="copy the raw udev event stream to this file (replayable)")
    p.add_argument("--replay-udev", type=Path,
                   help="replay a recorded stream: show the decisions, wipe nothing, stop")
    p.add_argument("--no-upload", action="store_true", help="keep reports on the stick")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    signal.signal(signal.SIGTERM, sigterm_as_interrupt)
    host = LocalHost()
    path = args.config or find_config()
    try:
        config = load_config(path, host)
    except ConfigError as exc:
        print(f"deuxvie station-mode: configuration: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    from deuxvie.pipeline.wiring import resolve_server

    return run_station(host, resolve_server(config), label_size=args.label_size,
                       rewipe=args.rewipe, record=args.record_udev, replay=args.replay_udev,
                       upload=not args.no_upload)


def run_station(host: Host, config: Config, *, label_size: str | None = None,
                rewipe: bool = False, record: Path | None = None, replay: Path | None = None,
                upload: bool = True,
                stream: TextIO | None = None) -> int:
    from deuxvie.label.config import SIZES

    size = label_size or DEFAULT_LABEL_SIZE
    if size not in SIZES:
        print(f"deuxvie station-mode: unknown label size {size!r} ({', '.join(SIZES)})",
              file=sys.stderr)
        return EXIT_CONFIG
    options = StationOptions(config, label_size=size, rewipe=rewipe, upload=upload)
    screen = make_screen(config.language, stream)
    rec: TextIO | None = None
    source: MonitorSource | None = None
    try:
        if replay is not None:
            events = replay_file(replay)
            tracker = Tracker(rewipe=rewipe)
        else:
            if record is not None:
                record.parent.mkdir(parents=True, exist_ok=True)
                rec = record.open("a", encoding="utf-8")
            try:
                # the monitor first, then the disks present: a disk plugged in between is
                # taken as present (never wiped by surprise), never missed silently
                source = MonitorSource(host, rec)
            except HostError as exc:
                print(f"deuxvie station-mode: udev: {exc}", file=sys.stderr)
                return 1
            present = present_devpaths(host)
            tracker = Tracker.starting_with(present, rewipe=rewipe)
            events = iter(source)
        station = Station(host, options, screen, tracker)
        if replay is not None:
            station.work = station.dry_work  # a capture's devices are never touched
        screen.message(
            f"{READY} poste prêt : branchez les disques ({len(tracker.present_at_start)} "
            "présents au démarrage, jamais effacés)",
            f"{READY} station ready: plug disks in ({len(tracker.present_at_start)} present at "
            "start, never wiped)")

        try:
            station.run(events)
        except KeyboardInterrupt:
            station.stop_all()
            station.wait(60)
    finally:
        if source is not None:
            source.close()
        if rec is not None:
            rec.close()
        screen.close()
    return EXIT_DONE

