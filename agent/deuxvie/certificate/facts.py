"""What a certificate or a label may state about a report payload (pure functions).

The report is plain JSON data (docs/report-format.md). The erasure engine sets each disk's
status, but a certificate is the promise made to the donor, so it re-checks the record
before repeating "ERASED": a record claiming ERASED while listing I/O errors, no
verification, unwritten bytes or an unremoved HPA is shown as INCONSISTENT (never
certified). DESIGN.md: "never certify a disk with any unerased or unverified sector";
"an unremoved HPA means no certificate"; "an interrupted wipe is never certified".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from deuxvie.model.common import Reason
from deuxvie.model.erasure import ErasureStatus

LANGS = ("fr", "en")

# Effective per-disk status beyond ErasureStatus: the record contradicts its own claim.
INCONSISTENT = "INCONSISTENT"
# Overall status when the report holds no erasure record at all.
NO_DISK = "NO_DISK"

_CERTIFIABLE = {ErasureStatus.ERASED.value, ErasureStatus.ERASED_WITH_WARNINGS.value}

# Operator/donor wording for each status. Only the two certifiable statuses use the word
# EFFACÉ/ERASED; the others say what happened without it (tests hold this line).
STATUS_TEXT: dict[str, tuple[str, str]] = {
    "ERASED": ("EFFACÉ", "ERASED"),
    "ERASED_WITH_WARNINGS": ("EFFACÉ avec réserves", "ERASED with warnings"),
    "FAILED": ("ÉCHEC de l'effacement", "Erasure FAILED"),
    "INTERRUPTED": ("INTERROMPU, non certifié", "INTERRUPTED, not certified"),
    "SKIPPED": ("IGNORÉ, aucun effacement", "SKIPPED, no erasure done"),
    INCONSISTENT: ("NON CERTIFIÉ, rapport incohérent", "NOT CERTIFIED, inconsistent record"),
    NO_DISK: ("Aucun disque interne traité", "No internal disk processed"),
}

VERDICT_TEXT: dict[str, tuple[str, str]] = {
    "PASS": ("PASS", "PASS"),
    "PASS_WITH_WARNINGS": ("PASS avec réserves", "PASS with warnings"),
    "FAIL": ("FAIL", "FAIL"),
}


def pick(lang: str, pair: tuple[str, str]) -> str:
    return pair[0] if lang == "fr" else pair[1]


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"language {lang!r} not supported (choose fr or en)")
    return lang


def get(data: Any, *keys: str | int, default: Any = None) -> Any:
    """data[k1][k2]... or default when any step is missing or of the wrong type."""
    cur = data
    for key in keys:
        if isinstance(key, int):
            if not isinstance(cur, Sequence) or isinstance(cur, str) or len(cur) <= key:
                return default
            cur = cur[key]
        else:
            if not isinstance(cur, Mapping) or key not in cur:
                return default
            cur = cur[key]
    return default if cur is None else cur


def reason_text(reason: Any, lang: str) -> str:
    """Text of a {code, fr, en} reason (a Reason object is accepted too)."""
    if isinstance(reason, Reason):
        return reason.text(lang)
    if isinstance(reason, Mapping):
        text = reason.get(lang) or reason.get("en") or reason.get("fr") or reason.get("code")
        return str(text or "")
    return str(reason)


def date_only(iso: str | None) -> str:
    if not iso:
        return "?"
    try:
        return dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        return iso[:10]


def date_time(iso: str | None) -> str:
    """'2026-11-22 10:42 UTC' from an ISO 8601 time ('?' when absent)."""
    if not iso:
        return "?"
    try:
        when = dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC)
        return when.strftime("%Y-%m-%d %H:%M UTC")
    return when.strftime("%Y-%m-%d %H:%M")


def _r(code: str, fr: str, en: str) -> Reason:
    return Reason(code=code, fr=fr, en=en)


@dataclass(frozen=True)
class DiskErasure:
    """One disk's erasure as the certificate states it."""

    record: Mapping[str, Any]
    claimed: str  # status written by the erasure engine
    status: str  # what the certificate states (claimed, or INCONSISTENT)
    problems: tuple[Reason, ...]  # why a certifiable claim was not repeated

    @property
    def certified(self) -> bool:
        return self.status in _CERTIFIABLE

    @property
    def serial(self) -> str:
        return str(get(self.record, "media", "serial", default="?"))

    def text(self, lang: str) -> str:
        return pick(lang, STATUS_TEXT.get(self.status, STATUS_TEXT[INCONSISTENT]))


def _expected_bytes(media: Mapping[str, Any]) -> int | None:
    native = get(media, "native_size_bytes")
    apparent = get(media, "apparent_size_bytes")
    sizes = [s for s in (native, apparent) if isinstance(s, int) and s > 0]
    return max(sizes) if sizes else None


def error_count(record: Mapping[str, Any]) -> int:
    """I/O errors of a record: the report lists at most a few offsets (wire schema
    MAX_ERRORS_REPORTED) and keeps the exact count in errors_total."""
    listed = get(record, "errors", default=[])
    total = get(record, "errors_total", default=0)
    return max(
        len(listed) if isinstance(listed, list) else 0, total if isinstance(total, int) else 0
    )


def consistency_problems(record: Mapping[str, Any]) -> tuple[Reason, ...]:
    """Why a record's ERASED claim cannot be repeated (empty when it can)."""
    problems: list[Reason] = []
    count = error_count(record)
    if count:
        problems.append(
            _r(
                "certificate.errors_listed",
                f"le relevé liste {count} erreur(s) d'E/S",
                f"the record lists {count} I/O error(s)",
            )
        )
    verification = str(get(record, "verification", default="none"))
    coverage = get(record, "verification_coverage_pct", default=0)
    if verification == "none" or not isinstance(coverage, int | float) or coverage <= 0:
        problems.append(
            _r("certificate.unverified", "aucune vérification relue", "no read-back verification")
        )
    media = get(record, "media", default={})
    expected = _expected_bytes(media)
    technique = str(get(record, "technique", default=""))
    written = get(record, "bytes_written", default=0)
    if technique.startswith("overwrite") and expected is not None and written < expected:
        problems.append(
            _r(
                "certificate.unwritten",
                f"{expected - written} octets non écrits",
                f"{expected - written} bytes not written",
            )
        )
    verified = get(record, "bytes_verified", default=0)
    if verification == "full" and expected is not None and verified < expected:
        problems.append(
            _r(
                "certificate.unverified_bytes",
                f"vérification complète annoncée mais {expected - verified} octets non relus",
                f"full verification claimed but {expected - verified} bytes not read back",
            )
        )
    if get(media, "hpa") == "present" or get(media, "dco") == "present":
        problems.append(
            _r(
                "certificate.hidden_area",
                "zone cachée (HPA/DCO) non supprimée",
                "hidden area (HPA/DCO) not removed",
            )
        )
    return tuple(problems)


def disk_erasure(record: Mapping[str, Any]) -> DiskErasure:
    claimed = str(get(record, "status", default="?"))
    if claimed in _CERTIFIABLE:
        problems = consistency_problems(record)
        status = INCONSISTENT if problems else claimed
    elif claimed in STATUS_TEXT and claimed not in (INCONSISTENT, NO_DISK):
        problems, status = (), claimed
    else:
        problems = (
            _r(
                "certificate.unknown_status",
                f"statut inconnu {claimed!r}",
                f"unknown status {claimed!r}",
            ),
        )
        status = INCONSISTENT
    return DiskErasure(record=record, claimed=claimed, status=status, problems=problems)


@dataclass(frozen=True)
class OverallErasure:
    status: str
    disks: tuple[DiskErasure, ...]

    @property
    def certified(self) -> bool:
        return self.status in _CERTIFIABLE

    @property
    def not_certified(self) -> tuple[DiskErasure, ...]:
        return tuple(d for d in self.disks if not d.certified)

    def headline(self, lang: str) -> str:
        """One line for the top of a certificate ('EFFACÉ : 2 disques sur 2')."""
        total = len(self.disks)
        if self.status == NO_DISK:
            return pick(lang, STATUS_TEXT[NO_DISK])
        if self.certified:
            word = pick(lang, STATUS_TEXT[self.status])
            return pick(
                lang,
                (f"{word} : {total} disque(s) sur {total}", f"{word}: {total} of {total} disk(s)"),
            )
        bad = len(self.not_certified)
        return pick(
            lang,
            (
                f"EFFACEMENT NON CERTIFIÉ : {bad} disque(s) sur {total} "
                f"({pick(lang, STATUS_TEXT[self.status])})",
                f"ERASURE NOT CERTIFIED: {bad} of {total} disk(s) "
                f"({pick(lang, STATUS_TEXT[self.status])})",
            ),
        )


# Worst first: the overall status is the worst disk's (a single failed disk means the
# machine's data is not certified gone).
_SEVERITY = [INCONSISTENT, "FAILED", "INTERRUPTED", "SKIPPED", "ERASED_WITH_WARNINGS", "ERASED"]


def overall_erasure(report: Mapping[str, Any]) -> OverallErasure:
    records = get(report, "erasure", default=[])
    disks = tuple(disk_erasure(r) for r in records if isinstance(r, Mapping))
    if not disks:
        return OverallErasure(status=NO_DISK, disks=())
    worst = min(disks, key=lambda d: _SEVERITY.index(d.status)).status
    # An inconsistent record is reported overall as FAILED: the machine's erasure failed
    # to be proven, whatever the tool claimed.
    return OverallErasure(status="FAILED" if worst == INCONSISTENT else worst, disks=disks)


def method_summary(overall: OverallErasure, lang: str) -> str:
    """'Purge nvme-format-ses1' or 'Clear overwrite-zero + Purge ...' over certified disks."""
    parts: list[str] = []
    for disk in overall.disks:
        if not disk.certified:
            continue
        category = get(disk.record, "category", default="?")
        technique = get(disk.record, "technique", default="?")
        text = f"NIST {category} {technique}"
        if text not in parts:
            parts.append(text)
    return " + ".join(parts) if parts else pick(lang, ("aucune", "none"))


def erasure_date(overall: OverallErasure) -> str | None:
    """Latest end time over the disks (ISO string) or None."""
    ends = [str(get(d.record, "ended_at")) for d in overall.disks if get(d.record, "ended_at")]
    return max(ends) if ends else None


def verdict_text(report: Mapping[str, Any], lang: str) -> str:
    verdict = get(report, "grade", "verdict")
    if verdict is None:
        # The schema allows "grade": null (run stopped before grading).
        return pick(lang, ("NON ÉVALUÉ", "NOT GRADED"))
    return pick(lang, VERDICT_TEXT.get(str(verdict), (str(verdict), str(verdict))))


def main_reason(report: Mapping[str, Any], lang: str) -> str:
    """The grade's suggestion (what to do with the machine), else its first reason."""
    suggestion = get(report, "grade", "suggestion")
    if suggestion:
        return reason_text(suggestion, lang)
    reasons = get(report, "grade", "reasons", default=[])
    return reason_text(reasons[0], lang) if reasons else ""


def certificate_url(report: Mapping[str, Any], server: str) -> str:
    uuid = get(report, "uuid")
    if not uuid:
        raise ValueError("report has no uuid: no certificate URL can be printed")
    return f"{server.rstrip('/')}/c/{uuid}"
