"""`deuxvie export glpi|devicehub [--replay DIR] [--report FILE.dsse.json] [--out FILE]`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from deuxvie.commands import help_of
from deuxvie.export.glpi import export_glpi
from deuxvie.export.sources import Source, SourceError, open_source
from deuxvie.host import HostError
from deuxvie.i18n import both
from deuxvie.station import StationError, StationStore, default_dir


def station_server(station_dir: Path | None) -> str | None:
    """The service URL the station enrolled with, if this is an enrolled station."""
    try:
        return StationStore(station_dir or default_dir()).info().get("server")
    except (StationError, OSError):
        return None


def load_source(args: argparse.Namespace, *, record: bool = False) -> Source | None:
    try:
        return open_source(args.report, args.replay, record=record)
    except (SourceError, HostError) as exc:
        print(both(f"erreur : {exc}", f"error: {exc}"), file=sys.stderr)
        return None


def build_document(args: argparse.Namespace, source: Source) -> dict[str, Any]:
    if args.format == "glpi":
        server = args.server or station_server(args.dir)
        return export_glpi(source.report, server)
    from deuxvie.export.devicehub import export_devicehub

    return export_devicehub(source, operator_id=args.operator_id)


def write_document(document: dict[str, Any], out: Path | None) -> None:
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if out is None:
        sys.stdout.write(text)
        return
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)  # a half-written export never sits under the final name
    print(both(f"écrit : {out}", f"written: {out}"), file=sys.stderr)


def cmd_export(args: argparse.Namespace) -> int:
    source = load_source(args, record=args.format == "devicehub")
    if source is None:
        return 2
    try:
        document = build_document(args, source)
    except (SourceError, HostError) as exc:
        print(both(f"erreur : {exc}", f"error: {exc}"), file=sys.stderr)
        return 2
    finally:
        source.close()
    write_document(document, args.out)
    return 0


def add_source_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--replay", type=Path, metavar="DIR",
                   help="rejouer un enregistrement / replay a bundle")
    p.add_argument("--report", type=Path, metavar="FILE.dsse.json",
                   help="un rapport signé (ou son contenu JSON) / a signed report")
    p.add_argument("--server", help="préfixe de l'URL du certificat / certificate URL prefix "
                                    "(default: the station's service)")
    p.add_argument("--dir", type=Path, default=None, help="station directory")
    p.add_argument("--operator-id", default=None,
                   help="Devicehub operator_id (default: the report's operator)")


def register(sub: Any) -> None:
    p = sub.add_parser(
        "export",
        help=help_of("export"),
        description="Inventaire GLPI natif ou snapshot eReuse Devicehub / "
                    "GLPI native inventory or eReuse Devicehub snapshot",
    )
    p.add_argument("format", choices=("glpi", "devicehub"))
    add_source_args(p)
    p.add_argument("--out", type=Path, metavar="FILE", help="fichier / file (default stdout)")
    p.set_defaults(func=cmd_export)
