"""`deuxvie sync`: upload the spooled signed reports to the coordination service."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from deuxvie.export.sync import add_sync_args, sync_exports
from deuxvie.report.upload import sync_spool
from deuxvie.station import StationError, StationStore, default_dir


def cmd_sync(args: argparse.Namespace) -> int:
    if args.glpi or args.devicehub:
        return sync_exports(args)  # exports to GLPI / Devicehub (deuxvie.export.sync)
    store = StationStore(args.dir or default_dir())
    try:
        info = store.info()
    except StationError as exc:
        print(f"deuxvie sync: {exc}", file=sys.stderr)
        return 1
    server = args.server or info.get("server")
    if not server:
        print("deuxvie sync: station not enrolled and no --server given", file=sys.stderr)
        return 1
    summary = sync_spool(store.spool_dir, store.sent_dir, store.rejected_dir, server,
                         service_key=store.service_key())
    for name in summary.delivered:
        print(f"envoyé / sent: {name}")
    for name, why in summary.unproven:
        print(f"non prouvé, reste en attente / not proven, stays pending: {name}: {why}",
              file=sys.stderr)
    for name, status, message in summary.rejected:
        print(f"refusé / rejected (HTTP {status}): {name}: {message}", file=sys.stderr)
    if summary.error:
        print(f"serveur indisponible / server unavailable ({summary.error}): "
              f"{len(summary.remaining)} rapport(s) restent dans / stay in {store.spool_dir}",
              file=sys.stderr)
    print(f"{len(summary.delivered)} envoyé(s) / sent, {len(summary.rejected)} refusé(s) / "
          f"rejected, {len(summary.remaining)} en attente / pending")
    return 0 if not summary.remaining and not summary.rejected else 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sync", help="envoyer les rapports en attente / upload spooled reports")
    p.add_argument("--dir", type=Path, default=None,
                   help="station directory (default $DEUXVIE_STATION_DIR or "
                        "/var/lib/deuxvie/station)")
    p.add_argument("--server", help="service URL (default: the one the station enrolled with)")
    add_sync_args(p)
    p.set_defaults(func=cmd_sync)
