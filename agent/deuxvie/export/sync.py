"""`deuxvie sync --glpi URL` / `deuxvie sync --devicehub URL --token T`: post exports.

What is sent: the reports named with --report, else the bundle of --replay, else every
report this station signed (spool/ and sent/). A failure on one report does not stop the
others; the exit status says whether all were delivered."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from deuxvie.export.glpi import export_glpi
from deuxvie.export.post import DeliveryError, post_devicehub, post_glpi
from deuxvie.export.sources import Source, SourceError, open_source
from deuxvie.host import HostError
from deuxvie.i18n import both
from deuxvie.report.spool import SUFFIX
from deuxvie.station import StationError, StationStore, default_dir


def _station_reports(station_dir: Path | None) -> tuple[list[Path], str | None]:
    store = StationStore(station_dir or default_dir())
    info = store.info()  # StationError when this is not a station
    paths = [p for d in (store.sent_dir, store.spool_dir) if d.is_dir()
             for p in sorted(d.glob(f"*{SUFFIX}"))]
    return paths, info.get("server")


def _sources(args: argparse.Namespace) -> Iterator[tuple[str, Source]]:
    if args.report:
        for path in args.report:
            yield str(path), open_source(path, None)
    elif args.replay:
        yield str(args.replay), open_source(None, args.replay)
    else:
        paths, _ = _station_reports(args.dir)
        for path in paths:
            yield path.name, open_source(path, None)


def _document(kind: str, source: Source, args: argparse.Namespace, server: str | None
              ) -> dict[str, Any]:
    if kind == "glpi":
        return export_glpi(source.report, server)
    from deuxvie.export.devicehub import export_devicehub

    return export_devicehub(source, operator_id=args.operator_id)


def sync_exports(args: argparse.Namespace) -> int:
    kind = "glpi" if args.glpi else "devicehub"
    if kind == "devicehub" and not args.token:
        print(both("deuxvie sync : --devicehub demande --token",
                   "deuxvie sync: --devicehub needs --token"), file=sys.stderr)
        return 2
    server = args.server
    if server is None:
        try:
            server = _station_reports(args.dir)[1]
        except StationError:
            server = None
    sent = failed = 0
    try:
        for name, source in _sources(args):
            try:
                doc = _document(kind, source, args, server)
                if kind == "glpi":
                    result = post_glpi(args.glpi, doc, args.compression)
                else:
                    result = post_devicehub(args.devicehub, args.token, doc)
            except (DeliveryError, SourceError, HostError) as exc:
                failed += 1
                print(both(f"non envoyé : {name} : {exc}", f"not sent: {name}: {exc}"),
                      file=sys.stderr)
                continue
            finally:
                source.close()
            sent += 1
            print(both(f"envoyé : {name} (HTTP {result.status})",
                       f"sent: {name} (HTTP {result.status})"))
    except (StationError, SourceError, HostError) as exc:
        print(f"deuxvie sync: {exc}", file=sys.stderr)
        return 1
    print(f"{sent} envoyé(s) / sent, {failed} en échec / failed")
    return 0 if failed == 0 and sent > 0 else 1


def add_sync_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--glpi", metavar="URL",
                   help="envoyer l'inventaire GLPI / post the GLPI inventory "
                        "(a bare URL gets /front/inventory.php)")
    p.add_argument("--compression", choices=("zlib", "gzip", "none"), default="zlib",
                   help="GLPI agent protocol compression (default zlib)")
    p.add_argument("--devicehub", metavar="URL",
                   help="envoyer le snapshot eReuse / post the eReuse snapshot "
                        "(to URL/api/v1/snapshot/)")
    p.add_argument("--token", help="Devicehub API token (Bearer)")
    p.add_argument("--report", type=Path, action="append", metavar="FILE.dsse.json",
                   help="rapport(s) à exporter / report(s) to export (default: the station's)")
    p.add_argument("--replay", type=Path, metavar="DIR", help="a bundle instead of reports")
    p.add_argument("--operator-id", default=None, help="Devicehub operator_id")
