"""`deuxvie grade`: grade this machine (or a replayed one) from its inventory, diagnostic
results and erasure records, with the default or a workshop policy.

    deuxvie grade [--replay BUNDLE | --inventory FILE] [--diagnostics FILE]
                  [--erasure FILE] [--policy FILE] [--diagnose] [--json] [--lang fr|en]

FILEs hold what `--json` printed (jsonable model objects) or a whole report payload
(its "inventory", "diagnostics" or "erasure" key is used). Without --diagnostics and
without --diagnose nothing was tested, and the grade says so (untested is never PASS).
Exit 0 once graded, 2 when an input or the policy cannot be used.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from deuxvie.commands import help_of
from deuxvie.grading.grade import grade
from deuxvie.grading.policy import Policy, PolicyError, load_policy
from deuxvie.host import Host, HostError, LocalHost, ReplayHost
from deuxvie.i18n import COMPONENT_WORDS, VERDICT_WORDS, both, both_words
from deuxvie.model.common import jsonable
from deuxvie.model.decode import DecodeError, from_jsonable
from deuxvie.model.diagnostics import DiagnosticResult
from deuxvie.model.erasure import ErasureRecord
from deuxvie.model.grade import Grade
from deuxvie.model.inventory import Inventory

EXIT_BAD_INPUT = 2


class InputError(Exception):
    pass


def _load(path: str, key: str, tp: Any) -> Any:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: {exc}") from None
    if isinstance(data, dict) and key in data and "uuid" in data:  # a report payload
        data = data[key]
    try:
        return from_jsonable(tp, data)
    except DecodeError as exc:
        raise InputError(f"{path}: {exc}") from None


def _diagnose(host: Host, inv: Inventory, policy: Policy) -> list[DiagnosticResult]:
    """Run every diagnostic on this machine with the policy's durations and limits."""
    from deuxvie.diagnostics.cpu_stress import run_cpu_stress
    from deuxvie.diagnostics.ram_test import run_ram_test
    from deuxvie.diagnostics.selftest import run_selftest
    from deuxvie.diagnostics.surface import run_surface_scan
    from deuxvie.grading.battery import run_battery
    from deuxvie.grading.grade import disk_key, internal_disks

    dp = policy.diagnostics

    def show(fraction: float, message: str) -> None:
        print(f"\r[{fraction * 100:5.1f} %] {message[:70]:70s}", end="", file=sys.stderr)

    out: list[DiagnosticResult] = []
    for d in internal_disks(inv):
        if dp.selftest != "none":
            out.append(run_selftest(host, d.path, kind=dp.selftest, target=disk_key(d),
                                    time_limit_s=dp.selftest_time_limit_s(dp.selftest),
                                    progress=show))
        out.append(run_surface_scan(host, d.path, target=disk_key(d), progress=show,
                                    **dp.surface_options()))
    out.append(run_cpu_stress(host, duration_s=dp.cpu_stress_duration_s, progress=show,
                              **policy.cpu.stress_limits()))
    out.append(run_ram_test(host, fraction_pct=dp.ram_fraction_pct, passes=dp.ram_passes,
                            progress=show))
    out.extend(run_battery(inv.batteries.value or (), policy))
    print(file=sys.stderr)
    return out



def print_grade(g: Grade, lang: str, policy: Policy) -> None:
    def t(r: Any) -> str:
        return str(r.text(lang))

    print(f"Verdict : {both_words(VERDICT_WORDS[g.verdict.value])}")
    print(f"{'Conseil' if lang == 'fr' else 'Suggestion'} : {t(g.suggestion)}")
    print()
    print(both("Composants", "Components") + " :")
    for c in g.components:
        print(f"  {c.component:28s} {both_words(COMPONENT_WORDS[c.status])}")
        for r in c.reasons:
            print(f"      - {t(r)}  [{r.code}]")
    if g.untested:
        print()
        print(both("Non testé", "Not tested") + " : " + ", ".join(g.untested))
    if g.manual_checks:
        print(both("À vérifier à la main", "Check by hand") + " : " + ", ".join(g.manual_checks))
    print()
    ready = {True: both("oui", "yes"), False: both("non", "no"),
             None: both("inconnu", "unknown")}[g.windows11_ready]
    print(f"Windows 11 : {ready}")
    for r in g.windows11_reasons:
        if r.code != "win11.ready":
            print(f"      - {t(r)}")
    print()
    print(both("Politique", "Policy") + f" : {g.policy_name} ({policy.source})")


def run(args: argparse.Namespace) -> int:
    try:
        policy = load_policy(args.policy)
        host: Host = ReplayHost(args.replay) if args.replay else LocalHost()
        if args.inventory:
            inv: Inventory = _load(args.inventory, "inventory", Inventory)
        else:
            from deuxvie.inventory import collect

            inv = collect(host)
        diagnostics: list[DiagnosticResult] = []
        if args.diagnostics:
            diagnostics += list(_load(args.diagnostics, "diagnostics",
                                      tuple[DiagnosticResult, ...]))
        erasure: list[ErasureRecord] = []
        if args.erasure:
            erasure += list(_load(args.erasure, "erasure", tuple[ErasureRecord, ...]))
    except PolicyError as exc:
        print(both("politique refusée", "policy refused") + f": {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (InputError, HostError) as exc:
        print(both("entrée illisible", "unreadable input") + f": {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.diagnose:
        if args.replay or args.inventory:
            print(both("--diagnose teste cette machine : pas avec --replay ni --inventory",
                       "--diagnose tests this machine: not with --replay or --inventory"),
                  file=sys.stderr)
            return EXIT_BAD_INPUT
        diagnostics += _diagnose(host, inv, policy)
    g = grade(inv, diagnostics, erasure, policy)
    if args.json:
        out = {"grade": jsonable(g)}
        if args.diagnose:
            out["diagnostics"] = jsonable(diagnostics)
        json.dump(out, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print_grade(g, args.lang, policy)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "grade",
        help=help_of("grade"),
        description=both("Classe la machine : verdict, raisons, conseil, Windows 11",
                         "Grades the machine: verdict, reasons, suggestion, Windows 11"),
    )
    p.add_argument("--replay", metavar="BUNDLE",
                   help=both("rejouer un enregistrement", "replay a recorded bundle"))
    p.add_argument("--inventory", metavar="FILE",
                   help=both("inventaire JSON (deuxvie inventory --json)",
                             "inventory JSON (deuxvie inventory --json)"))
    p.add_argument("--diagnostics", metavar="FILE",
                   help=both("résultats de diagnostics JSON", "diagnostic results JSON"))
    p.add_argument("--erasure", metavar="FILE",
                   help=both("certificats d'effacement JSON", "erasure records JSON"))
    p.add_argument("--policy", metavar="FILE",
                   help=both("politique TOML de l'atelier", "workshop policy TOML"))
    p.add_argument("--diagnose", action="store_true",
                   help=both("lancer les tests sur cette machine",
                             "run the diagnostics on this machine"))
    p.add_argument("--json", action="store_true", help="JSON")
    p.add_argument("--lang", choices=("fr", "en"), default="fr")
    p.set_defaults(func=run)
