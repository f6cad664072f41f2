"""Label: always saved on the stick, printed when a printer is configured."""

from __future__ import annotations

from pathlib import Path

from deuxvie.i18n import reason
from deuxvie.label.config import PrinterConfig
from deuxvie.label.printers import print_label
from deuxvie.label.render import render_label_png
from deuxvie.pipeline.steps import StepContext, StepName, StepOutput, StepSpec, StepState
from deuxvie.pipeline.steps.common import atomic_write, server_url


def label_step(ctx: StepContext) -> StepOutput:
    data = ctx.data
    cfg = data.config
    if not isinstance(data.report, dict):
        why = reason("label.no_report", "pas de rapport : pas d'étiquette", "no report: no label")
        data.label_status = why
        return StepOutput(StepState.SKIPPED, (why,), problem=True)
    png = render_label_png(data.report, cfg.label_size, server_url(data), cfg.language)
    name = f"{data.report.get('asset_id') or data.report['uuid']}.png"
    cfg.labels_dir.mkdir(parents=True, exist_ok=True)
    path = cfg.labels_dir / name
    atomic_write(path, png)
    data.label_path = path
    if not cfg.printer:
        data.label_status = reason(
            "label.saved", f"enregistrée ({path}), pas d'imprimante", f"saved ({path}), no printer"
        )
        return StepOutput(StepState.DONE, (data.label_status,))

    kind, _, target = cfg.printer.partition(":")
    spec = cfg.printer
    if kind == "file":
        dest = Path(target) if Path(target).is_absolute() else cfg.data_dir / target
        if dest.is_dir() or target.endswith("/"):
            dest = dest / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        spec = f"file:{dest}"
    printer = PrinterConfig.from_spec(
        spec, size=cfg.label_size, server=server_url(data), lang=cfg.language
    )
    try:
        job = print_label(data.report, printer, ctx.host)
    except Exception as exc:  # PrintError, OSError, a printer that is off...
        data.label_status = reason(
            "label.print_failed",
            f"enregistrée ({path}) mais non imprimée : {exc}",
            f"saved ({path}) but not printed: {exc}",
        )
        return StepOutput(StepState.FAILED, (data.label_status,), problem=True)
    where = f"{job.transport}:{job.target}"
    data.label_status = (
        reason("label.file", f"écrite dans {job.target}", f"written to {job.target}")
        if kind == "file"
        else reason("label.printed", f"imprimée ({where})", f"printed ({where})")
    )
    return StepOutput(StepState.DONE, (data.label_status,))


SPEC = StepSpec(
    name=StepName.LABEL,
    run=label_step,
    inputs=('config', 'report', 'server_url'),
    outputs=('label_path', 'label_status'),
    diagnostic=False,
)
