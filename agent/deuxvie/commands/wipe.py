"""`deuxvie wipe DEVICE...`: print the plan; with --yes, erase, verify, report."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from deuxvie.commands import help_of
from deuxvie.host.base import Host, HostError
from deuxvie.host.local import LocalHost
from deuxvie.i18n import both
from deuxvie.model.common import jsonable
from deuxvie.model.erasure import ErasureRecord, ErasureStatus
from deuxvie.probes.usage import device_usage
from deuxvie.wipe.engine import run_wipes
from deuxvie.wipe.identity import probe_capabilities, probe_media
from deuxvie.wipe.journal import Journal
from deuxvie.wipe.plan import Method, WipeOptions, WipePlan, WipeTarget, parse_verify, plan_wipe
from deuxvie.wipe.progress import WipeProgress


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "wipe",
        help=help_of("wipe"),
        description=both("Affiche le plan d'effacement ; --yes l'exécute et le vérifie.",
                         "Prints the erasure plan; --yes runs and verifies it."),
    )
    p.add_argument("devices", nargs="+", metavar="DEVICE",
                   help="/dev/sdX, /dev/nvme0n1 or /dev/disk/by-id/...")
    p.add_argument("--method", choices=[m.value for m in Method], default="auto")
    p.add_argument("--passes", type=int, default=1)
    p.add_argument("--verify", default="full", help="full | sample:PCT | none")
    p.add_argument("--yes", action="store_true", help="run the plan (destroys all data)")
    p.add_argument("--json", action="store_true", help="one erasure record per device")
    p.add_argument("--restart", action="store_true",
                   help="wipe again a disk whose previous wipe was interrupted")
    p.add_argument("--journal-dir", default=None, help="where the wipe journal lives")
    p.add_argument("--no-purge", action="store_true", help="auto: never use firmware Purge")
    p.add_argument("--keep-hpa", action="store_true", help="do not remove an HPA")
    p.add_argument("--unfreeze", action="store_true",
                   help="allow a suspend/resume cycle to unfreeze ATA security")
    p.add_argument("--block-mib", type=int, default=4, help=argparse.SUPPRESS)
    p.add_argument("--test-throttle-s", type=float, default=0.0, help=argparse.SUPPRESS)
    p.set_defaults(func=main)


def build_plans(host: Host, devices: Sequence[str], options: WipeOptions) -> list[WipePlan]:
    plans = []
    for dev in devices:
        usage = device_usage(host, dev)
        media = probe_media(host, usage)
        caps = probe_capabilities(host, media)
        plans.append(plan_wipe(WipeTarget(dev, media, usage, caps), options))
    return plans


def _gib(n: int) -> str:
    return f"{n / 1e9:.2f} GB ({n} B)"


def describe_plan(plan: WipePlan) -> str:
    m = plan.target.media
    lines = [
        f"== {plan.target.device} -> {m.path}",
        f"   modèle / model : {m.model or '?'}   série / serial : {m.serial or '?'}"
        f"   WWN : {m.wwn or '?'}",
        f"   by-id : {m.by_id or '?'}   bus : {m.bus or '?'}   type : {m.kind}",
        f"   taille / size : {_gib(m.apparent_size_bytes)}   secteurs / sectors : "
        f"{m.logical_sector_bytes}/{m.physical_sector_bytes} B",
    ]
    if plan.refused:
        lines.append("   REFUSÉ / REFUSED:")
        lines += [f"     - {r.fr}\n       {r.en}" for r in plan.refusals]
        return "\n".join(lines)
    lines.append(f"   méthode / method : {plan.method} ({plan.technique}, NIST 800-88 "
                 f"{plan.category}), passes : {plan.passes}, vérification / verify : "
                 f"{plan.verification}")
    lines.append("   étapes / steps :")
    for i, step in enumerate(plan.steps, 1):
        lines.append(f"     {i}. {step.text.fr} / {step.text.en}")
        for argv in step.argv:
            lines.append(f"        $ {' '.join(argv)}")
    for note in plan.notes:
        lines.append(f"   note : {both(note.fr, note.en)}")
    return "\n".join(lines)


def plan_json(plan: WipePlan) -> dict[str, object]:
    """The plan as data (nothing run yet): identity, method, steps with exact argv."""
    return {
        "device": plan.target.device,
        "media": jsonable(plan.target.media),
        "usage": jsonable(plan.target.usage),
        "refused": plan.refused,
        "refusals": jsonable(plan.refusals),
        "method": plan.method.value,
        "category": plan.category.value if plan.category else None,
        "technique": plan.technique,
        "pattern": plan.pattern,
        "passes": plan.passes,
        "verification": plan.verification,
        "steps": [{"kind": s.kind, "fr": s.text.fr, "en": s.text.en,
                   "commands": [list(a) for a in s.argv]} for s in plan.steps],
        "notes": jsonable(plan.notes),
    }


def _progress_printer(enabled: bool) -> tuple[threading.Lock, object]:
    lock = threading.Lock()

    def show(p: WipeProgress) -> None:
        if not enabled:
            return
        eta = f"{p.eta_s:.0f} s" if p.eta_s is not None else "?"
        with lock:
            print(f"{p.device}: {p.phase} {p.fraction * 100:5.1f} %  "
                  f"{p.bytes_per_s / 1e6:8.1f} MB/s  ETA {eta} {p.detail}",
                  file=sys.stderr, flush=True)

    return lock, show


def _summary(r: ErasureRecord) -> str:
    lines = [f"{r.device}: {r.status}  ({r.technique}, {r.bytes_written} B écrits/written, "
             f"{r.bytes_verified} B vérifiés/verified, {r.verification_coverage_pct:.1f} %)"]
    lines += [f"   - {both(x.fr, x.en)}" for x in r.reasons]
    lines += [f"   ! {e.phase} @{e.offset_bytes} +{e.length_bytes}: {e.message}"
              for e in r.errors[:20]]
    return "\n".join(lines)


def main(args: argparse.Namespace) -> int:
    try:
        verify = parse_verify(args.verify)
    except ValueError as exc:
        print(f"deuxvie wipe: {exc}", file=sys.stderr)
        return 2
    if args.passes < 1:
        print("deuxvie wipe: --passes >= 1", file=sys.stderr)
        return 2
    options = WipeOptions(
        method=Method(args.method), passes=args.passes, verify=verify,
        allow_purge=not args.no_purge, restore_hpa=not args.keep_hpa,
        try_unfreeze=args.unfreeze, restart_interrupted=args.restart,
        block_bytes=args.block_mib * 1024 * 1024, throttle_s=args.test_throttle_s,
    )
    host = LocalHost()
    try:
        plans = build_plans(host, args.devices, options)
    except (OSError, HostError) as exc:
        print(both(f"deuxvie wipe : périphérique inutilisable : {exc}",
                   f"unusable device: {exc}"), file=sys.stderr)
        return 2
    if not args.yes:
        if args.json:
            print(json.dumps([plan_json(p) for p in plans], indent=1, ensure_ascii=False))
            return 0
        for plan in plans:
            print(describe_plan(plan))
        print(both("Rien n'a été effacé. Relancer avec --yes pour exécuter ce plan.",
                   "Nothing was erased. Run again with --yes to execute this plan."))
        return 0
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    _, show = _progress_printer(not args.json)
    journal = Journal(args.journal_dir) if args.journal_dir else Journal()
    records = run_wipes(host, plans, show, journal=journal, stop=stop)  # type: ignore[arg-type]
    if args.json:
        print(json.dumps([jsonable(r) for r in records], indent=1, ensure_ascii=False))
    else:
        for r in records:
            print(_summary(r))
    ok = all(r.status in (ErasureStatus.ERASED, ErasureStatus.ERASED_WITH_WARNINGS)
             for r in records)
    return 0 if ok else 1
