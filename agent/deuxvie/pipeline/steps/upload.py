"""Upload: the spool synced with the service; offline is not an error. A report counts as
delivered only on the service's signed receipt (ADR 0046)."""

from __future__ import annotations

from deuxvie.i18n import reason
from deuxvie.model.common import Reason
from deuxvie.pipeline.steps import StepContext, StepName, StepOutput, StepSpec, StepState
from deuxvie.pipeline.steps.common import server_url
from deuxvie.report.spool import SpoolBusy
from deuxvie.report.upload import DeliveryPolicy, sync_spool
from deuxvie.station.store import StationStore


def upload_step(ctx: StepContext) -> StepOutput:
    data = ctx.data
    if data.spool_path is None:
        why = reason("upload.no_report", "aucun rapport à envoyer", "no report to send")
        data.upload_status = why
        return StepOutput(StepState.SKIPPED, (why,), problem=True)
    store = StationStore(data.config.station_dir)
    policy = DeliveryPolicy(max_attempts=data.config.upload_max_attempts,
                            backoff_s=float(data.config.upload_retry_after_s))
    try:
        summary = sync_spool(store.spool_dir, store.sent_dir, store.rejected_dir,
                             server_url(data), service_key=store.service_key(),
                             stuck_dir=store.stuck_dir, policy=policy, lock_wait_s=60.0)
    except SpoolBusy:
        data.upload_status = reason(
            "upload.busy", "une autre synchronisation tient le spool : rapport gardé sur la "
            "clé (deuxvie sync)", "another sync holds the spool: report kept on the stick "
            "(deuxvie sync)")
        return StepOutput(StepState.SKIPPED, (data.upload_status,), problem=True)
    mine = data.spool_path.name
    extra: list[Reason] = []
    if summary.stuck:
        names = ", ".join(n.removesuffix(".dsse.json")[:8] for n, _ in summary.stuck)
        extra.append(reason(
            "upload.stuck", f"{len(summary.stuck)} rapport(s) ancien(s) bloqué(s) après "
            f"{policy.max_attempts} essais, dans {store.stuck_dir} : {names}",
            f"{len(summary.stuck)} older report(s) stuck after {policy.max_attempts} "
            f"attempts, in {store.stuck_dir}: {names}"))
    if mine in summary.delivered:
        data.upload_receipt = summary.receipts.get(mine.removesuffix(".dsse.json"))
        others = len(summary.delivered) - 1
        extra_fr = f" (+{others} en attente envoyés)" if others else ""
        extra_en = f" (+{others} queued sent)" if others else ""
        data.upload_status = reason(
            "upload.sent", f"rapport envoyé, reçu signé vérifié{extra_fr}",
            f"report sent, signed receipt verified{extra_en}"
        )
        return StepOutput(StepState.DONE, (data.upload_status, *extra), problem=bool(extra))
    for name, status, message in summary.rejected:
        if name == mine:
            data.upload_status = reason(
                "upload.rejected",
                f"refusé par le service (HTTP {status}) : {message}",
                f"refused by the service (HTTP {status}): {message}",
            )
            return StepOutput(StepState.FAILED, (data.upload_status, *extra), problem=True)
    unproven = dict(summary.unproven)
    if mine in unproven:
        data.upload_status = reason(
            "upload.unproven",
            f"le service n'a pas prouvé la réception ({unproven[mine]}) : rapport gardé sur "
            "la clé, nouvel essai plus tard (deuxvie sync)",
            f"the service did not prove delivery ({unproven[mine]}): report kept on the "
            "stick, retried later (deuxvie sync)",
        )
        return StepOutput(StepState.FAILED, (data.upload_status, *extra), problem=True)
    if mine in summary.unenrolled:
        data.upload_status = reason(
            "upload.unenrolled",
            "poste non enregistré auprès du service (403) : rapport gardé sur la clé, envoyé "
            "après deuxvie station enrol",
            "station not enrolled with the service (403): report kept on the stick, sent "
            "after deuxvie station enrol",
        )
        return StepOutput(StepState.FAILED, (data.upload_status, *extra), problem=True)
    data.upload_status = reason(
        "upload.offline",
        f"service injoignable ({summary.error}) : rapport gardé sur la clé, "
        "envoi plus tard (deuxvie sync)",
        f"service unreachable ({summary.error}): report kept on the stick, "
        "sent later (deuxvie sync)",
    )
    return StepOutput(StepState.SKIPPED, (data.upload_status, *extra))


SPEC = StepSpec(
    name=StepName.UPLOAD,
    run=upload_step,
    inputs=('config', 'spool_path', 'server_url'),
    outputs=('upload_status', 'upload_receipt'),
    diagnostic=False,
)
