"""Build the report payload v1 (docs/report-format.md, deuxvie/wire/report.schema.json).

Pure apart from reading the evidence directory: the same inputs, uuid and time give the
same bytes, so a report re-built and re-sent is an idempotent replay, not a conflict.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import io
import tarfile
import uuid as uuidlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deuxvie import __version__
from deuxvie.model.common import ProbeStatus, jsonable
from deuxvie.model.diagnostics import DiagnosticResult
from deuxvie.model.erasure import ErasureRecord
from deuxvie.model.functions import FunctionResult
from deuxvie.model.grade import Grade
from deuxvie.model.inventory import Inventory
from deuxvie.wire import SCHEMA_VERSION, device_identity_hash

# The service caps request bodies at 8 MB (deuxvie_server.config.MAX_BODY_BYTES). The
# evidence is base64'd inside the payload, which is base64'd again in the envelope
# (x 16/9): 4 MB of gzip leaves room for the rest of the report.
EVIDENCE_MAX_BYTES = 4_000_000


class EvidenceTooLarge(ValueError):
    pass


@dataclass(frozen=True)
class ReportContext:
    """What the stick's config and the station say about this run (not the machine)."""

    station_id: str
    key_id: str
    operator: str
    organisation: str
    donor_id: str | None = None
    donor_name: str | None = None
    lot_id: str | None = None
    lot_name: str | None = None
    asset_id: str | None = None
    agent_version: str = __version__
    image_hash: str | None = None  # "sha256:<hex>" of the live image, when known
    image: dict[str, Any] | None = None  # deuxvie.report.image.image_identity()


def pack_evidence(directory: Path, max_bytes: int = EVIDENCE_MAX_BYTES) -> dict[str, str]:
    """The raw bundle (tool outputs) as tar+gzip+base64, reproducible: sorted members,
    zeroed mtimes and owners, gzip header mtime 0, so the same directory gives the same
    bytes (and the same signed report) every time."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(p for p in directory.rglob("*")):
            if path.is_symlink() or not (path.is_file() or path.is_dir()):
                continue  # the bundle holds copies, a link would point off the stick
            info = tar.gettarinfo(str(path), arcname=str(path.relative_to(directory)))
            info.mtime = 0
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mode = 0o755 if path.is_dir() else 0o644
            if path.is_file():
                with path.open("rb") as fh:
                    tar.addfile(info, fh)
            else:
                tar.addfile(info)
    packed = gzip.compress(raw.getvalue(), compresslevel=9, mtime=0)
    if len(packed) > max_bytes:
        raise EvidenceTooLarge(
            f"evidence {directory} is {len(packed)} bytes compressed (limit {max_bytes})"
        )
    return {
        "encoding": "tar+gzip+base64",
        "data": base64.b64encode(packed).decode("ascii"),
        "sha256": hashlib.sha256(packed).hexdigest(),
    }


def _utc(ts: dt.datetime) -> str:
    return ts.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _unique(values: Sequence[str | None]) -> list[str]:
    out: list[str] = []
    for v in values:
        v = (v or "").strip()
        if v and v not in out:
            out.append(v)
    return out


def device_section(inventory: Inventory, erasure: Sequence[ErasureRecord]) -> dict[str, Any]:
    system = inventory.system.value if inventory.system.status is ProbeStatus.OK else None
    nics = inventory.network.value if inventory.network.status is ProbeStatus.OK else None
    disks = inventory.disks.value if inventory.disks.status is ProbeStatus.OK else None
    macs = sorted(_unique([n.mac.lower() for n in nics or ()]))
    # The boot stick is not part of the donated machine.
    serials = [d.serial for d in disks or () if not d.is_boot_medium]
    serials += [r.media.serial for r in erasure]
    vendor = system.vendor if system else None
    model = system.product if system else None
    serial = system.serial if system else None
    chassis = system.chassis_type if system else None
    return {
        "identity_hash": device_identity_hash(vendor, model, serial, chassis, macs),
        "vendor": vendor,
        "model": model,
        "serial": serial,
        "chassis_type": chassis,
        "macs": macs,
        "disk_serials": _unique(serials),
    }


def build_report(
    *,
    inventory: Inventory,
    diagnostics: Sequence[DiagnosticResult],
    erasure: Sequence[ErasureRecord],
    grade: Grade | None,
    context: ReportContext,
    evidence_dir: Path | None,
    report_uuid: str | None = None,
    created_at: dt.datetime | None = None,
    functions: Sequence[FunctionResult] = (),
) -> dict[str, Any]:
    """The report payload as plain JSON data (validate with deuxvie.wire.validate_report)."""
    donor = (
        {"id": context.donor_id, "name": context.donor_name} if context.donor_id else None
    )
    lot = {"id": context.lot_id, "name": context.lot_name} if context.lot_id else None
    return {
        "schema_version": SCHEMA_VERSION,
        "uuid": report_uuid or str(uuidlib.uuid4()),
        "created_at": _utc(created_at or dt.datetime.now(dt.UTC)),
        "agent": {
            "version": context.agent_version,
            "image_hash": context.image_hash,
            "image": context.image,
        },
        "station": {"id": context.station_id, "key_id": context.key_id},
        "operator": context.operator,
        "organisation": context.organisation,
        "donor": donor,
        "lot": lot,
        "asset_id": context.asset_id,
        "device": device_section(inventory, erasure),
        "inventory": jsonable(inventory),
        "diagnostics": [jsonable(d) for d in diagnostics],
        "erasure": [jsonable(r) for r in erasure],
        "grade": jsonable(grade) if grade is not None else None,
        "functions": [jsonable(f) for f in functions],
        "evidence": pack_evidence(evidence_dir) if evidence_dir is not None else None,
    }
