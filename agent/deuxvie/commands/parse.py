"""`deuxvie parse smartctl|edid|dmidecode|lspci FILE`: one JSON object on stdout.

A stable contract (issue 2): other checks and the coordination service re-parse archived
raw outputs with it. Exit 0 with the JSON; exit 2 with a message on stderr when the input
cannot be understood (or read).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from deuxvie.commands import help_of
from deuxvie.i18n import both
from deuxvie.model.common import jsonable
from deuxvie.parsers.errors import ParseError

if TYPE_CHECKING:
    from deuxvie.model.smart import SmartFacts

# Each kind imports its own parser (and, for smartctl, the grading policy) when it runs: the
# model dataclasses of the four parsers cost more to import than a parse (issue 16).

EXIT_UNPARSEABLE = 2


def smartctl_json(facts: SmartFacts) -> dict[str, Any]:
    """The `parse smartctl` object: every SmartFacts field (contract keys first), then the
    SMART verdict under the default grading policy ("verdict", "reasons" [{code, fr, en}]),
    computed by deuxvie.grading.smart_eval, not here.
    """
    from deuxvie.grading.smart_eval import verdict_fields

    out: dict[str, Any] = jsonable(facts)
    out.update(verdict_fields(facts))
    return out


def _smartctl(data: bytes) -> dict[str, Any]:
    from deuxvie.parsers.smartctl import parse_smartctl

    return smartctl_json(parse_smartctl(data))


def _edid(data: bytes) -> dict[str, Any]:
    from deuxvie.parsers.edid import parse_edid

    out: dict[str, Any] = jsonable(parse_edid(data))
    return out


def _dmidecode(data: bytes) -> dict[str, Any]:
    from deuxvie.parsers.dmidecode import parse_dmidecode

    out: dict[str, Any] = jsonable(parse_dmidecode(data))
    return out


def _lspci(data: bytes) -> dict[str, Any]:
    from deuxvie.parsers.lspci import gpus, network_controllers, parse_lspci

    devices = parse_lspci(data)
    return {
        "devices": jsonable(devices),
        "gpus": jsonable(gpus(devices)),
        "network": jsonable(network_controllers(devices)),
    }


KINDS: dict[str, Callable[[bytes], dict[str, Any]]] = {
    "smartctl": _smartctl,
    "edid": _edid,
    "dmidecode": _dmidecode,
    "lspci": _lspci,
}


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "parse",
        help=help_of("parse"),
        description=both(
            "Décode une sortie brute (smartctl --json ou texte, EDID, dmidecode, lspci)",
            "Decode a raw output (smartctl --json or text, EDID, dmidecode, lspci)",
        ),
    )
    parser.add_argument("kind", choices=sorted(KINDS))
    parser.add_argument(
        "file", help=both("fichier, ou - pour l'entrée standard", "file, or - for stdin")
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    name = str(args.file)
    try:
        data = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    except OSError as exc:
        print(both(f"lecture impossible : {exc}", f"cannot read: {exc}"), file=sys.stderr)
        return EXIT_UNPARSEABLE
    try:
        result = KINDS[args.kind](data)
    except ParseError as exc:
        print(
            f"deuxvie parse {args.kind}: {name}: "
            + both(f"sortie illisible ({exc})", f"unparseable input ({exc})"),
            file=sys.stderr,
        )
        return EXIT_UNPARSEABLE
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0
