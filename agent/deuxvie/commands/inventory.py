"""`deuxvie inventory [--replay DIR] [--json]` and `deuxvie capture --out DIR`."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from deuxvie.commands import help_of
from deuxvie.host import Host, HostError, LocalHost, RecordingHost, ReplayHost
from deuxvie.i18n import both
from deuxvie.inventory import collect
from deuxvie.inventory_view import print_inventory
from deuxvie.model import jsonable


def _inventory(args: argparse.Namespace) -> int:
    try:
        host: Host = ReplayHost(args.replay) if args.replay else LocalHost()
        inv = collect(host, include_loop=args.include_loop)
    except HostError as exc:
        print(both(f"erreur : {exc}", f"error: {exc}"), file=sys.stderr)
        return 2
    if args.json:
        json.dump(jsonable(inv), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print_inventory(inv, args.lang)
    return 0


def _capture(args: argparse.Namespace) -> int:
    rec = RecordingHost(LocalHost(), args.out)
    inv = collect(rec, include_loop=args.include_loop)
    summary: dict[str, Any] = jsonable(inv)
    (rec.root / "inventory.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    print(both(f"machine enregistrée dans {args.out}", f"machine recorded in {args.out}"))
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser(
        "inventory",
        help=help_of("inventory"),
        description="Inventaire de la machine (ou d'un enregistrement) / machine inventory",
    )
    p.add_argument("--replay", metavar="DIR", help="rejouer un enregistrement / replay a bundle")
    p.add_argument("--json", action="store_true", help="JSON")
    p.add_argument("--lang", choices=("fr", "en"), default="fr")
    p.add_argument("--include-loop", action="store_true", help="inclure les loop / include loops")
    p.set_defaults(func=_inventory)

    c = sub.add_parser(
        "capture",
        help=help_of("capture"),
    )
    c.add_argument("--out", required=True, metavar="DIR")
    c.add_argument("--include-loop", action="store_true")
    c.set_defaults(func=_capture)
