"""`deuxvie functions [--attended] [--json]`: test every function of this PC (issue #12)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from deuxvie.commands import help_of
from deuxvie.functions.checks import run_unattended
from deuxvie.functions.guided import GUIDED_IDS, evdev_operator, run_guided
from deuxvie.functions.labels import function_rows
from deuxvie.grading.grade import grade
from deuxvie.grading.policy import PolicyError, load_policy
from deuxvie.host import Host, HostError, LocalHost, RecordingHost, ReplayHost
from deuxvie.i18n import both
from deuxvie.inventory import collect
from deuxvie.model import jsonable


def _functions(args: argparse.Namespace) -> int:
    try:
        policy = load_policy(args.policy)
    except PolicyError as exc:
        print(both(f"politique refusée : {exc}", f"policy refused: {exc}"), file=sys.stderr)
        return 2
    try:
        host: Host = ReplayHost(args.replay) if args.replay else LocalHost()
        if args.record:
            # Every command and file of the inventory AND of the checks, replayable later
            # (`--replay DIR` gives the same results without the machine).
            host = RecordingHost(host, args.record)
        inv = collect(host)
    except HostError as exc:
        print(both(f"erreur : {exc}", f"error: {exc}"), file=sys.stderr)
        return 2
    results = run_unattended(host, inv, [], policy)
    fi = inv.functions.value
    if args.attended and fi is not None:
        op, reader = evdev_operator(fi, args.operator, args.lang)
        with reader:
            # The rig (and a workshop script) waits for this line before pressing keys.
            print(f"deuxvie-guided: ready ({reader.opened} input devices)", file=sys.stderr,
                  flush=True)
            results = run_guided(op, fi, results, only=args.only.split(","),
                                 layout=args.layout or args.lang, host=host,
                                 policy=policy.functions)
    g = grade(inv, [], [], policy, functions=results)
    if args.json:
        out: dict[str, Any] = {"functions": [jsonable(r) for r in results],
                               "grade": jsonable(g), "inventory": jsonable(inv.functions)}
        json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        for name, status, detail in function_rows([jsonable(r) for r in results], args.lang):
            print(f"{name:<24} {status:<10} {detail}")
        print(f"\n{g.verdict.value} — {g.suggestion.text(args.lang)}")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser(
        "functions",
        help=help_of("functions"),
        description="Écran, clavier, pointage, son, webcam, Wi-Fi, Ethernet, Bluetooth, USB, "
        "charge, ventilateurs, lecteur optique / every function of the PC",
    )
    p.add_argument("--attended", action="store_true",
                   help="contrôles guidés avec l'opérateur / guided checks with the operator")
    p.add_argument("--only", default=",".join(GUIDED_IDS),
                   help="contrôles guidés à faire / guided checks to run (keyboard,screen,"
                   "pointing,lid,audio_out,audio_in,webcam,usb)")
    p.add_argument("--operator", default="opérateur", help="qui répond / who answers")
    p.add_argument("--layout", choices=("fr", "en"), help="clavier AZERTY (fr) ou QWERTY (en)")
    p.add_argument("--policy", metavar="FILE", help="politique de classement / grading policy")
    p.add_argument("--replay", metavar="DIR", help="rejouer un enregistrement / replay a bundle")
    p.add_argument("--record", metavar="DIR",
                   help="enregistrer ce qui est lu et lancé / record into a bundle")
    p.add_argument("--json", action="store_true", help="JSON")
    p.add_argument("--lang", choices=("fr", "en"), default="fr")
    p.set_defaults(func=_functions)
