"""`deuxvie certificate --report FILE --out PDF [--lang en] [--server URL]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from deuxvie.certificate.fonts import FontMissing
from deuxvie.certificate.load import ReportFileError, load_report
from deuxvie.certificate.pdf import DEFAULT_SERVER, render_certificate
from deuxvie.commands import help_of


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "certificate",
        help=help_of("certificate"),
        description="Écrit le certificat d'effacement (PDF) d'un rapport / "
        "writes the erasure certificate (PDF) of a report.",
    )
    p.add_argument("--report", required=True, help="report JSON or DSSE envelope")
    p.add_argument("--out", required=True, help="PDF file to write")
    p.add_argument("--lang", choices=("fr", "en"), default="fr")
    p.add_argument(
        "--server", default=DEFAULT_SERVER, help="service URL; the QR opens {server}/c/{uuid}"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        report = load_report(args.report)
        pdf = render_certificate(report, lang=args.lang, server=args.server)
    except (ReportFileError, FontMissing, ValueError) as exc:
        print(f"deuxvie certificate: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    tmp = out.with_name(out.name + ".part")
    try:
        tmp.write_bytes(pdf)
        tmp.replace(out)
    except OSError as exc:
        print(f"deuxvie certificate: cannot write {out}: {exc}", file=sys.stderr)
        return 1
    print(f"{out} ({len(pdf)} octets/bytes)")
    return 0
