"""Certificate: the erasure certificate PDF, saved on the stick."""

from __future__ import annotations

from deuxvie.certificate.pdf import render_certificate
from deuxvie.i18n import reason
from deuxvie.pipeline.steps import StepContext, StepName, StepOutput, StepSpec, StepState
from deuxvie.pipeline.steps.common import atomic_write, server_url


def certificate_step(ctx: StepContext) -> StepOutput:
    data = ctx.data
    if not isinstance(data.report, dict):
        return StepOutput(
            StepState.SKIPPED,
            (reason("certificate.no_report", "pas de rapport signé", "no signed report"),),
        )
    pdf = render_certificate(data.report, None, data.config.language, server_url(data))
    out_dir = data.config.certificates_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{data.report.get('asset_id') or data.report['uuid']}.pdf"
    atomic_write(path, pdf)
    data.certificate_path = path
    return StepOutput(StepState.DONE, (reason("certificate.saved", str(path), str(path)),))


SPEC = StepSpec(
    name=StepName.CERTIFICATE,
    run=certificate_step,
    inputs=('config', 'report', 'server_url'),
    outputs=('certificate_path',),
    diagnostic=False,
)
