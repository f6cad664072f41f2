"""Device identity hash: the same machine gets the same id on every run and every station.

Inputs (DESIGN.md): DMI vendor/model/serial/chassis + MACs. Each value is stripped and
lower-cased (dmidecode pads some fields; vendors change case across BIOS versions), MACs are
sorted (interface order changes between boots), then hashed as canonical JSON so no
separator can be forged by a field containing it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable


def _norm(value: str | None) -> str:
    return (value or "").strip().lower()


def device_identity_hash(
    vendor: str | None,
    model: str | None,
    serial: str | None,
    chassis_type: str | None,
    macs: Iterable[str],
) -> str:
    doc = {
        "v": 1,
        "vendor": _norm(vendor),
        "model": _norm(model),
        "serial": _norm(serial),
        "chassis_type": _norm(chassis_type),
        "macs": sorted({_norm(m) for m in macs if _norm(m)}),
    }
    blob = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()
