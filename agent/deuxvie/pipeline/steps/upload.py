"""Upload: the spool synced with the service; offline is not an error."""

from __future__ import annotations

from deuxvie.i18n import reason
from deuxvie.pipeline.steps import StepContext, StepName, StepOutput, StepSpec, StepState
from deuxvie.pipeline.steps.common import server_url
from deuxvie.report.upload import sync_spool
from deuxvie.station.store import StationStore


def upload_step(ctx: StepContext) -> StepOutput:
    data = ctx.data
    if data.spool_path is None:
        why = reason("upload.no_report", "aucun rapport à envoyer", "no report to send")
        data.upload_status = why
        return StepOutput(StepState.SKIPPED, (why,), problem=True)
    store = StationStore(data.config.station_dir)
    summary = sync_spool(store.spool_dir, store.sent_dir, store.rejected_dir, server_url(data),
                         service_key=store.service_key())
    mine = data.spool_path.name
    if mine in summary.delivered:
        others = len(summary.delivered) - 1
        extra_fr = f" (+{others} en attente envoyés)" if others else ""
        extra_en = f" (+{others} queued sent)" if others else ""
        data.upload_status = reason(
            "upload.sent", f"rapport envoyé{extra_fr}", f"report sent{extra_en}"
        )
        return StepOutput(StepState.DONE, (data.upload_status,))
    for name, status, message in summary.rejected:
        if name == mine:
            data.upload_status = reason(
                "upload.rejected",
                f"refusé par le service (HTTP {status}) : {message}",
                f"refused by the service (HTTP {status}): {message}",
            )
            return StepOutput(StepState.FAILED, (data.upload_status,), problem=True)
    data.upload_status = reason(
        "upload.offline",
        f"service injoignable ({summary.error}) : rapport gardé sur la clé, "
        "envoi plus tard (deuxvie sync)",
        f"service unreachable ({summary.error}): report kept on the stick, "
        "sent later (deuxvie sync)",
    )
    return StepOutput(StepState.SKIPPED, (data.upload_status,))


SPEC = StepSpec(
    name=StepName.UPLOAD,
    run=upload_step,
    inputs=('config', 'spool_path', 'server_url'),
    outputs=('upload_status',),
    diagnostic=False,
)
