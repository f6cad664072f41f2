"""What the public certificate shows (issue 11 item 14, ADR 0048).

The QR code travels with the machine to its next owner: /c/<uuid> and /c/<uuid>.json show
only what a buyer and a donor need to check the erasure (organisation, date, disk model,
a masked serial, method, status, verification, signature validity, image identity). The
full signed envelope (donor and operator names, MACs, SMBIOS UUID, RAM/battery serials,
evidence bundle) goes to admins and the report's donor only.

The public view is a whitelist, never a blacklist: a field added to the report later stays
private until it is added here. The service signs it with its own Ed25519 key (the receipt
key, ADR 0046) over the canonical JSON bytes, and binds it to the private envelope by the
SHA-256 of the station-signed payload, so the view verifies offline and a holder of the
full envelope can check it is the one the view speaks of.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import re
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from deuxvie import wire
from deuxvie.wire import dsse

PAYLOAD_TYPE = "application/vnd.deuxvie.public-view+json;version=1"
_SEPARATORS = re.compile(r"[\s\-_.:/]+")


def normalise_serial(serial: str) -> str:
    """Serials as printed on a label, read by smartctl or typed by hand differ in case,
    spaces and dashes ("S2R6 NX0H-612345a"); compare without them."""
    return _SEPARATORS.sub("", serial).upper()


def mask_serial(serial: str | None) -> str | None:
    """First 2 and last 4 characters, the rest as '•' (too short: last 2 only)."""
    if not serial:
        return None
    s = str(serial).strip()
    if len(s) <= 8:
        return "•" * max(len(s) - 2, 1) + s[-2:]
    return s[:2] + "•" * (len(s) - 6) + s[-4:]


def _get(obj: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def serials(report: dict[str, Any]) -> list[str]:
    """The serials a holder may ask about: the machine's and every erased disk's."""
    found = [_get(report, "device", "serial"),
             _get(report, "inventory", "system", "value", "serial")]
    found += [_get(e, "media", "serial") for e in report.get("erasure") or []]
    return sorted({n for n in (normalise_serial(str(s)) for s in found if s) if n})


def serial_belongs(report: dict[str, Any], candidate: str) -> bool:
    """Compares digests with hmac.compare_digest against every serial of this report (no
    early exit): the answer's timing says nothing about which part matched."""
    normalised = normalise_serial(candidate)
    asked = hashlib.sha256(normalised.encode()).digest()
    hit = False
    for s in serials(report):
        hit |= hmac.compare_digest(asked, hashlib.sha256(s.encode()).digest())
    return bool(normalised) and hit


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def view(rid: str, report: dict[str, Any], verification: dict[str, Any],
         payload_sha256: str) -> dict[str, Any]:
    """The public view: whitelisted fields only."""
    device = _obj(report.get("device"))
    agent = _obj(report.get("agent"))
    grade = _obj(report.get("grade"))
    image = _obj(agent.get("image"))  # which image ran the erasure (ADR 0063)
    disks = []
    for e in report.get("erasure") or []:
        if not isinstance(e, dict):
            continue
        media = _obj(e.get("media"))
        disks.append({
            "model": media.get("model"),
            "vendor": media.get("vendor"),
            "bus": media.get("bus"),
            "kind": media.get("kind"),
            "size_bytes": media.get("apparent_size_bytes"),
            "serial_masked": mask_serial(media.get("serial")),
            "status": e.get("status"),
            "category": e.get("category"),
            "technique": e.get("technique"),
            "passes": e.get("passes"),
            "verification": e.get("verification"),
            "verification_coverage_pct": e.get("verification_coverage_pct"),
            "started_at": e.get("started_at"),
            "ended_at": e.get("ended_at"),
            "reasons": [{k: r.get(k) for k in ("code", "fr", "en")}
                        for r in e.get("reasons") or [] if isinstance(r, dict)],
        })
    return {
        "uuid": rid,
        "created_at": report.get("created_at"),
        "organisation": report.get("organisation"),
        "kind": report.get("kind") or "machine",
        "device": {
            "vendor": device.get("vendor"),
            "model": device.get("model"),
            "chassis_type": device.get("chassis_type"),
            "serial_masked": mask_serial(device.get("serial")),
        },
        "agent": {"version": agent.get("version"), "image_hash": agent.get("image_hash"),
                  "image": {k: image.get(k) for k in ("kind", "version", "commit", "dirty",
                                                      "built_at", "rootfs_sha256")}
                  if image else None},
        "erasure": disks,
        "grade": {"verdict": grade.get("verdict")} if grade else None,
        # what works on the machine (issue 12): status, method and why; no device details
        "functions": [{"id": f.get("id"), "status": f.get("status"), "method": f.get("method"),
                       "reasons": [{k: r.get(k) for k in ("code", "fr", "en")}
                                   for r in f.get("reasons") or [] if isinstance(r, dict)]}
                      for f in report.get("functions") or [] if isinstance(f, dict)],
        "signature": {
            "valid": bool(verification.get("valid")),
            "reason": verification.get("reason"),
            "station_id": verification.get("station_id"),
            "keyid": verification.get("keyid"),
            "station_revoked_at": verification.get("station_revoked_at"),
            "checked_at": verification.get("checked_at"),
        },
        "payload_sha256": payload_sha256,
    }


def sign(key: Ed25519PrivateKey, public: dict[str, Any]) -> dict[str, Any]:
    """A DSSE envelope of the canonical JSON of the view (payloadType PAYLOAD_TYPE, signed
    over PAE like reports and receipts: the type is inside the signature, so a public view
    can never pass for a receipt or a report), plus `view`, a readable copy that verify()
    requires to equal the signed payload."""
    doc = dsse.sign(wire.canonical_json(public), key, PAYLOAD_TYPE)
    doc["view"] = public
    return doc


def verify(document: bytes | str | dict[str, Any], public_key_b64: str,
           envelope: bytes | str | None = None) -> tuple[bool, str]:
    """(valid, why). The key is the one the verifier trusts (the service's
    /api/v1/service-key, pinned), never one the document names. With `envelope` (the full
    DSSE envelope of the report), also checks the view speaks of that payload."""
    try:
        doc = json.loads(document) if isinstance(document, bytes | str) else document
        if not isinstance(doc, dict):
            return False, "not a deuxvie public view (a JSON object)"
        key = wire.public_key_from_b64(public_key_b64)
        kid = wire.key_id(key)
        verified = dsse.verify(doc, lambda k: key if k == kid else None, PAYLOAD_TYPE)
        signed = json.loads(verified.payload)
        if "view" in doc and doc["view"] != signed:
            return False, "the readable view differs from the signed payload"
        if envelope is not None:
            payload = base64.b64decode(json.loads(envelope)["payload"], validate=True)
            if hashlib.sha256(payload).hexdigest() != signed.get("payload_sha256"):
                return False, "the envelope is not the one this view speaks of (SHA-256)"
    except wire.UnknownKeyError:
        return False, "signed by another key than the service's"
    except wire.SignatureError:
        return False, "the signature does not match the public view"
    except (ValueError, KeyError, TypeError, AttributeError, wire.EnvelopeError) as exc:
        return False, f"malformed document or key ({exc})"
    return True, "public view signed by the service" + (
        ", envelope matches" if envelope is not None else "")


def redacted_report(report: dict[str, Any]) -> dict[str, Any]:
    """The report for the public PDF (shared renderer, deuxvie.certificate.pdf): no donor,
    no operator, no evidence, no MACs/UUID/RAM/battery serials, serials masked wherever
    they appear (also inside strings such as `disk:<serial>` or by-id paths)."""
    r = copy.deepcopy(report)
    private: dict[str, str] = {}

    def collect(obj: Any, key: str | None = None) -> None:
        if isinstance(obj, dict):
            for k, v in obj.items():
                collect(v, k)
        elif isinstance(obj, list):
            for v in obj:
                collect(v, key)
        elif isinstance(obj, str) and obj and key in ("serial", "serial_number", "mac",
                                                       "macs", "uuid", "wwn", "disk_serials"):
            if key == "uuid" and obj == report.get("uuid"):
                return
            private[obj] = mask_serial(obj) or "•"

    collect(r)
    r.pop("donor", None)
    r.pop("evidence", None)
    r["operator"] = None
    for k in ("identity_hash", "macs", "disk_serials"):
        if isinstance(r.get("device"), dict):
            r["device"].pop(k, None)

    def scrub(obj: Any) -> Any:
        if isinstance(obj, dict):
            return {k: scrub(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [scrub(v) for v in obj]
        if isinstance(obj, str):
            for full in sorted(private, key=len, reverse=True):
                if full in obj:
                    obj = obj.replace(full, private[full])
        return obj

    scrubbed: dict[str, Any] = scrub(r)
    system = _obj(_obj(_obj(scrubbed.get("inventory")).get("system")).get("value"))
    if "uuid" in system:
        system["uuid"] = None  # even masked, the SMBIOS UUID says nothing a buyer needs
    return scrubbed
