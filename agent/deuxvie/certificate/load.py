"""Read a report payload from a file: plain JSON, or a DSSE envelope as the spool keeps it."""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path
from typing import Any

PAYLOAD_TYPE = "application/vnd.deuxvie.report+json"


class ReportFileError(ValueError):
    """The file is not a readable report; the message says which file and why."""


def load_report(path: str | Path) -> dict[str, Any]:
    """The report payload in `path`. A DSSE envelope ({payloadType, payload, signatures})
    is unwrapped WITHOUT checking its signature: verifying is the service's job (and the
    certificate page's); a locally printed label or PDF does not claim more than the file."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReportFileError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportFileError(f"{path}: not a JSON report ({exc})") from None
    if isinstance(data, dict) and "payload" in data and "payloadType" in data:
        if not str(data["payloadType"]).startswith(PAYLOAD_TYPE):
            raise ReportFileError(
                f"{path}: DSSE payloadType {data['payloadType']!r} is not a report"
            )
        try:
            data = json.loads(base64.b64decode(data["payload"], validate=True))
        except (binascii.Error, ValueError) as exc:
            raise ReportFileError(f"{path}: DSSE payload is not base64 JSON ({exc})") from None
    if not isinstance(data, dict) or "uuid" not in data:
        raise ReportFileError(f"{path}: not a deuxvie report (no uuid)")
    return data
