"""NVMe Format (SES=1 user data erase, SES=2 crypto erase) and Sanitize via nvme-cli 2.3.

Field meanings: NVM Express Base Specification 2.0, Identify Controller FNA (byte 524)
and SANICAP (bytes 328-331), Sanitize Status log (Log Identifier 81h). nvme-cli 2.3
prints the sanitize log as {"<dev>": {"sprog": N, "sstat": {"global_erased", "no_cmplted_passes",
"status": "(N) text"}, "cdw10_info", "time_*"}} (nvme-print.c json_sanitize_log).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from deuxvie.parsers.errors import ParseError

FNA_FORMAT_ALL_NS = 0x1  # bit 0: format applies to all namespaces
FNA_ERASE_ALL_NS = 0x2  # bit 1: secure erase applies to all namespaces
FNA_CRYPTO_ERASE = 0x4  # bit 2: cryptographic erase supported as part of Format
SANICAP_CRYPTO = 0x1
SANICAP_BLOCK = 0x2
SANICAP_OVERWRITE = 0x4
SANACT_BLOCK, SANACT_OVERWRITE, SANACT_CRYPTO = 2, 3, 4
SSTAT_NEVER, SSTAT_OK, SSTAT_IN_PROGRESS, SSTAT_FAILED, SSTAT_OK_NO_DEALLOC = 0, 1, 2, 3, 4


@dataclass(frozen=True)
class NvmeCaps:
    controller: str  # /dev/nvme0 (sanitize and logs address the controller)
    namespace: str  # /dev/nvme0n1 (format addresses the namespace)
    nsid: int
    fna: int
    sanicap: int
    lbaf: int  # current LBA format index (format keeps it)
    model: str | None = None
    firmware: str | None = None
    serial: str | None = None


@dataclass(frozen=True)
class SanitizeStatus:
    code: int  # SSTAT bits 2:0
    progress: float  # 0..1 (SPROG / 65536; 65535 when not in progress)
    global_erased: bool
    text: str


def _load(text: str, what: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ParseError(f"{what}: not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ParseError(f"{what}: expected a JSON object")
    return data


def parse_id_ctrl(text: str) -> tuple[int, int, dict[str, str]]:
    """(fna, sanicap, {mn, sn, fr}) from `nvme id-ctrl DEV --output-format=json`."""
    data = _load(text, "nvme id-ctrl")
    try:
        fna, sanicap = int(data["fna"]), int(data["sanicap"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ParseError(f"nvme id-ctrl: missing fna/sanicap: {exc}") from exc
    ident = {k: str(data.get(k, "")).strip() for k in ("mn", "sn", "fr")}
    return fna, sanicap, ident


def parse_id_ns(text: str) -> int:
    """Current LBA format index: FLBAS bits 3:0 (bits 6:5 extend it past 16 formats)."""
    data = _load(text, "nvme id-ns")
    try:
        flbas = int(data["flbas"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ParseError(f"nvme id-ns: missing flbas: {exc}") from exc
    return (flbas & 0xF) | ((flbas >> 1) & 0x30)


def parse_sanitize_log(text: str) -> SanitizeStatus:
    data = _load(text, "nvme sanitize-log")
    body: Any = data
    if "sprog" not in data and len(data) == 1:
        body = next(iter(data.values()))  # keyed by device name
    if not isinstance(body, dict) or "sprog" not in body:
        raise ParseError("nvme sanitize-log: no sprog field")
    sstat = body.get("sstat")
    if isinstance(sstat, dict):
        status_text = str(sstat.get("status", ""))
        m = re.match(r"\s*\((\d+)\)", status_text)
        if not m:
            raise ParseError(f"nvme sanitize-log: unreadable status {status_text!r}")
        code = int(m.group(1))
        erased = bool(sstat.get("global_erased", 0))
    else:
        try:
            raw = int(sstat)  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise ParseError("nvme sanitize-log: no sstat") from exc
        code, erased, status_text = raw & 0x7, bool(raw & 0x100), str(raw)
    sprog = int(body["sprog"])
    progress = 1.0 if code != SSTAT_IN_PROGRESS else sprog / 65536
    return SanitizeStatus(code, progress, erased, status_text)


# --- argv (pure) -----------------------------------------------------------------------

def id_ctrl_argv(controller: str) -> tuple[str, ...]:
    return ("nvme", "id-ctrl", controller, "--output-format=json")


def id_ns_argv(namespace: str) -> tuple[str, ...]:
    return ("nvme", "id-ns", namespace, "--output-format=json")


def format_argv(caps: NvmeCaps, ses: int) -> tuple[str, ...]:
    # --force skips nvme-cli's interactive 10 s confirmation; the plan was confirmed.
    return ("nvme", "format", caps.namespace, f"--namespace-id={caps.nsid}",
            f"--lbaf={caps.lbaf}", f"--ses={ses}", "--force")


def sanitize_argv(caps: NvmeCaps, sanact: int) -> tuple[str, ...]:
    return ("nvme", "sanitize", caps.controller, f"--sanact={sanact}")


def sanitize_log_argv(caps: NvmeCaps) -> tuple[str, ...]:
    return ("nvme", "sanitize-log", caps.controller, "--output-format=json")
