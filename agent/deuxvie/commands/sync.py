"""`deuxvie sync`: upload the spooled signed reports to the coordination service."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from deuxvie.commands import help_of
from deuxvie.export.sync import add_sync_args, sync_exports
from deuxvie.report.spool import SpoolBusy, spooled
from deuxvie.report.upload import DeliveryPolicy, SyncSummary, retry_stuck, sync_spool
from deuxvie.station import StationError, StationStore, default_dir

EXIT_BUSY = 75  # EX_TEMPFAIL (sysexits.h): another sync holds the spool, try again later


def print_summary(summary: SyncSummary, store: StationStore) -> None:
    """The outcome per report, French first (stdout: delivered; stderr: the rest)."""
    for name in summary.delivered:
        print(f"envoyé / sent: {name}")
    for warning in summary.warnings:
        print(f"ignoré / skipped: {warning}", file=sys.stderr)
    for name, status, message in summary.rejected:
        print(f"refusé / rejected (HTTP {status}): {name}: {message}", file=sys.stderr)
    for name, why in summary.stuck:
        print(f"bloqué / stuck (-> {store.stuck_dir}): {name}: {why}", file=sys.stderr)
    for name, why in summary.unproven:
        print(f"non prouvé, reste en attente / not proven, stays pending "
              f"(essai / attempt {summary.attempts.get(name, 0)}): {name}: {why}",
              file=sys.stderr)
    if summary.unenrolled:
        print(f"poste non enregistré / station not enrolled: {len(summary.unenrolled)} "
              "rapport(s) gardé(s) / kept (deuxvie station enrol)", file=sys.stderr)
    for name, when in summary.waiting:
        print(f"en attente jusqu'à / waiting until {when}: {name} (--force)", file=sys.stderr)
    if summary.error:
        print(f"serveur indisponible / server unavailable ({summary.error}): "
              f"rapports restants dans / reports left in {store.spool_dir}", file=sys.stderr)
    print(f"{len(summary.delivered)} envoyé(s) / sent, {len(summary.rejected)} refusé(s) / "
          f"rejected, {len(summary.remaining)} en attente / pending, "
          f"{summary.stuck_total} bloqué(s) / stuck")


def cmd_sync(args: argparse.Namespace) -> int:
    if args.glpi or args.devicehub:
        return sync_exports(args)  # exports to GLPI / Devicehub (deuxvie.export.sync)
    store = StationStore(args.dir or default_dir())
    try:
        info = store.info()
        service_key = store.service_key()
    except StationError as exc:
        print(f"deuxvie sync: {exc}", file=sys.stderr)
        return 1
    if args.retry_stuck:
        try:
            for name in retry_stuck(store.spool_dir, store.stuck_dir):
                print(f"remis en attente / pending again: {name}")
        except SpoolBusy:
            print("deuxvie sync: synchronisation déjà en cours / sync already running",
                  file=sys.stderr)
            return EXIT_BUSY
    server = args.server or info.get("server")
    if not server:
        pending = len(spooled(store.spool_dir))
        print(f"deuxvie sync: poste non enregistré et pas de --server / station not enrolled "
              f"and no --server given: {pending} en attente / pending", file=sys.stderr)
        return 1
    policy = DeliveryPolicy()
    if args.max_attempts is not None:
        policy = dataclasses.replace(policy, max_attempts=args.max_attempts)
    try:
        summary = sync_spool(store.spool_dir, store.sent_dir, store.rejected_dir, server,
                             service_key=service_key, stuck_dir=store.stuck_dir,
                             policy=policy, force=args.force, lock_wait_s=args.wait)
    except SpoolBusy:
        print("deuxvie sync: synchronisation déjà en cours / sync already running",
              file=sys.stderr)
        return EXIT_BUSY
    print_summary(summary, store)
    return 1 if summary.undelivered else 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sync", help=help_of("sync"))
    p.add_argument("--dir", type=Path, default=None,
                   help="station directory (default $DEUXVIE_STATION_DIR or "
                        "/var/lib/deuxvie/station)")
    p.add_argument("--server", help="service URL (default: the one the station enrolled with)")
    p.add_argument("--force", action="store_true",
                   help="try every pending report now, ignoring its backoff")
    p.add_argument("--retry-stuck", action="store_true",
                   help="put the reports of stuck/ back in the spool first")
    p.add_argument("--max-attempts", type=int, default=None,
                   help=f"answered attempts before stuck/ (default "
                        f"{DeliveryPolicy.max_attempts})")
    p.add_argument("--wait", type=float, default=0.0,
                   help="seconds to wait for another running sync (default 0: exit 75)")
    add_sync_args(p)
    p.set_defaults(func=cmd_sync)
