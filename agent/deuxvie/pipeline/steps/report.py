"""Report: built, schema-checked, signed (DSSE) and spooled on the stick."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from deuxvie import wire
from deuxvie.certificate.facts import certificate_url
from deuxvie.i18n import reason
from deuxvie.pipeline.asset import next_asset_id
from deuxvie.pipeline.steps import StepContext, StepName, StepOutput, StepSpec, StepState
from deuxvie.report.build import EvidenceTooLarge, ReportContext, build_report
from deuxvie.report.image import image_hash, image_identity
from deuxvie.station.store import StationError, StationStore

UNSET = "(non renseigné / not set)"


def report_step(ctx: StepContext) -> StepOutput:

    data = ctx.data
    cfg = data.config
    store = StationStore(cfg.station_dir)
    notes = []
    if not store.key_path.exists() and not store.info_path.exists():
        # A stick without a station yet: make the key now, so this machine's report is
        # signed and spooled; `deuxvie station enrol` + `deuxvie sync` deliver it later.
        created = store.init()
        notes.append(
            reason(
                "report.station_created",
                f"station {created['station_id']} créée sur la clé : à enrôler "
                "(deuxvie station enrol) avant l'envoi",
                f"station {created['station_id']} created on the stick: enrol it "
                "(deuxvie station enrol) before upload",
            )
        )
    try:
        info = store.info()
    except StationError as exc:
        return StepOutput(
            StepState.FAILED,
            (
                reason(
                    "report.no_station",
                    f"station non initialisée ({exc}) : deuxvie station init",
                    f"station not initialised ({exc}): deuxvie station init",
                ),
            ),
            problem=True,
        )
    image = image_identity(ctx.host)
    context = ReportContext(
        image=image,
        image_hash=image_hash(image),
        station_id=info["station_id"],
        key_id=info["key_id"],
        # The schema wants both non-empty; a stick without them still gets its report,
        # saying plainly that nobody filled them in.
        operator=cfg.operator or UNSET,
        organisation=cfg.organisation or UNSET,
        donor_id=cfg.donor_id,
        donor_name=cfg.donor_name,
        lot_id=cfg.lot_id,
        asset_id=next_asset_id(cfg.data_dir, cfg.asset_prefix),
    )
    inventory = data.inventory
    assert inventory is not None  # the orchestrator always sets one

    def build(evidence: Path | None) -> dict[str, Any]:
        return build_report(
            inventory=inventory,
            diagnostics=data.diagnostics,
            erasure=data.erasure,
            grade=data.grade,
            context=context,
            evidence_dir=evidence,
            functions=data.functions,
        )

    try:
        report = build(data.evidence_dir)
    except EvidenceTooLarge as exc:
        report = build(None)
        notes.append(
            reason(
                "report.evidence_dropped",
                f"preuves brutes omises : {exc}",
                f"raw evidence left out: {exc}",
            )
        )
    wire.validate_report(report)
    data.report = report
    data.report_id = report["uuid"]
    data.spool_path = store.sign_and_spool(report)
    data.server_url = cfg.server_url or info.get("server")
    if data.server_url:
        data.report_url = certificate_url(report, data.server_url)
    text = f"{report['asset_id']} · {report['uuid']}"
    return StepOutput(StepState.DONE, (reason("report.signed", text, text), *notes))


SPEC = StepSpec(
    name=StepName.REPORT,
    run=report_step,
    inputs=('config', 'inventory', 'diagnostics', 'functions', 'erasure', 'grade', 'evidence_dir'),
    outputs=('report', 'report_id', 'spool_path', 'server_url', 'report_url'),
    diagnostic=False,
)
