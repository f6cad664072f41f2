"""`deuxvie label --report FILE --printer SPEC [--size SIZE] [--out FILE]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from deuxvie.certificate.fonts import FontMissing
from deuxvie.certificate.load import ReportFileError, load_report
from deuxvie.commands import help_of
from deuxvie.host.local import LocalHost
from deuxvie.label.config import DEFAULT_SIZE, SIZES, ConfigError, PrinterConfig
from deuxvie.label.printers import PrintError, build_job, send_job
from deuxvie.label.render import png_bytes, render_label

SPEC_HELP = (
    "file:/x.png | brother:tcp://HOST[:9100] | brother:file:/x.bin | brother:/dev/usb/lp0 | "
    "zpl:tcp://HOST[:9100] | zpl:file:/x.zpl | cups:QUEUE"
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "label",
        help=help_of("label"),
        description="Rend et imprime l'étiquette d'un rapport / renders and prints a "
        "report's label. Sizes: " + ", ".join(f"{k} ({v.description})" for k, v in SIZES.items()),
    )
    p.add_argument("--report", required=True, help="report JSON or DSSE envelope")
    p.add_argument("--printer", required=True, metavar="SPEC", help=SPEC_HELP)
    p.add_argument("--size", choices=sorted(SIZES), default=DEFAULT_SIZE)
    p.add_argument("--out", help="also save the rendered PNG here")
    p.add_argument("--lang", choices=("fr", "en"), default="fr")
    p.add_argument("--server", default=PrinterConfig.server, help="QR opens {server}/c/{uuid}")
    p.add_argument("--brother-model", default=PrinterConfig.brother_model)
    p.add_argument("--zpl-mode", choices=("native", "graphic"), default="native")
    p.add_argument("--copies", type=int, default=1)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        config = PrinterConfig.from_spec(
            args.printer,
            size=args.size,
            lang=args.lang,
            server=args.server,
            brother_model=args.brother_model,
            zpl_mode=args.zpl_mode,
            copies=args.copies,
        )
        report = load_report(args.report)
        image = render_label(report, config.size, config.server, config.lang)
        if args.out:
            Path(args.out).write_bytes(png_bytes(image))
        job = build_job(report, config, image=image)
        send_job(job, LocalHost())
    except (ConfigError, ReportFileError, FontMissing, ValueError) as exc:
        print(f"deuxvie label: {exc}", file=sys.stderr)
        return 2
    except (PrintError, OSError) as exc:
        print(f"deuxvie label: {exc}", file=sys.stderr)
        return 1
    print(job.describe())
    return 0
