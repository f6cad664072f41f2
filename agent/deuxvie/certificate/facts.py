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

from deuxvie.i18n import (
    ERASURE_WORDS,
    INCONSISTENT,
    NO_DISK,
    NOT_GRADED,
    VERDICT_WORDS,
    number,
    pick,
    reason,
)
from deuxvie.model.common import Reason
from deuxvie.model.erasure import ErasureStatus

__all__ = ["INCONSISTENT", "NO_DISK", "pick"]

LANGS = ("fr", "en")

# The QR prefix when no service is known: ".invalid" (RFC 2606) can never resolve, so an
# offline certificate's QR opens nothing rather than someone else's site.
OFFLINE_SERVER = "https://deuxvie.invalid"

_CERTIFIABLE = {ErasureStatus.ERASED.value, ErasureStatus.ERASED_WITH_WARNINGS.value}

# Operator/donor wording of each status and verdict: deuxvie.i18n, shared with the screen.
STATUS_TEXT = ERASURE_WORDS
VERDICT_TEXT = VERDICT_WORDS


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


def date_time(iso: str | None, tz: dt.tzinfo | None = None) -> str:
    """'2026-11-22 11:42 CET (UTC+01:00)' from an ISO 8601 time, in the local time zone of
    the machine rendering it (the workshop's; `tz` overrides), its zone always named;
    '2026-11-22 10:42 UTC' where local time is UTC; '?' when absent."""
    if not iso:
        return "?"
    try:
        when = dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    if when.tzinfo is None:
        return when.strftime("%Y-%m-%d %H:%M")
    local = when.astimezone(tz)
    offset = local.utcoffset() or dt.timedelta(0)
    name = local.tzname() or ""
    if not offset and name in ("UTC", "GMT", "Z", ""):
        return local.strftime("%Y-%m-%d %H:%M UTC")
    sign = "-" if offset < dt.timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    utc = f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    zone = utc if not name or name.startswith(("+", "-")) else f"{name} ({utc})"
    return f"{local:%Y-%m-%d %H:%M} {zone}"


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

    @property
    def is_loop(self) -> bool:
        """A loop device (demo, tests): its "serial" is a backing-file path, no disk's."""
        return get(self.record, "media", "kind") == "loop" or self.serial.startswith("loop:")

    @property
    def shown_serial(self) -> str:
        """The serial as printed: '—' for a loop device (see `loop_note`)."""
        return "—" if self.is_loop else self.serial

    def loop_note(self, lang: str) -> str | None:
        """'périphérique de test /dev/loop3 (fichier /tmp/x.img)' for a loop device."""
        if not self.is_loop:
            return None
        path = str(get(self.record, "media", "path", default="?"))
        backing = self.serial.removeprefix("loop:") if self.serial.startswith("loop:") else ""
        fr = f"périphérique de test {path}" + (f" (fichier {backing})" if backing else "")
        en = f"test device {path}" + (f" (file {backing})" if backing else "")
        return pick((fr, en), lang)

    def text(self, lang: str) -> str:
        return pick(STATUS_TEXT.get(self.status, STATUS_TEXT[INCONSISTENT]), lang)


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
            reason(
                "certificate.errors_listed",
                f"le relevé liste {count} erreur(s) d'E/S",
                f"the record lists {count} I/O error(s)",
            )
        )
    verification = str(get(record, "verification", default="none"))
    coverage = get(record, "verification_coverage_pct", default=0)
    if verification == "none" or not isinstance(coverage, int | float) or coverage <= 0:
        problems.append(
            reason(
                "certificate.unverified", "aucune vérification relue", "no read-back verification"
            )
        )
    media = get(record, "media", default={})
    expected = _expected_bytes(media)
    technique = str(get(record, "technique", default=""))
    written = get(record, "bytes_written", default=0)
    if technique.startswith("overwrite") and expected is not None and written < expected:
        problems.append(
            reason(
                "certificate.unwritten",
                f"{expected - written} octets non écrits",
                f"{expected - written} bytes not written",
            )
        )
    verified = get(record, "bytes_verified", default=0)
    if verification == "full" and expected is not None and verified < expected:
        problems.append(
            reason(
                "certificate.unverified_bytes",
                f"vérification complète annoncée mais {expected - verified} octets non relus",
                f"full verification claimed but {expected - verified} bytes not read back",
            )
        )
    if get(media, "hpa") == "present" or get(media, "dco") == "present":
        problems.append(
            reason(
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
            reason(
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
            return pick(STATUS_TEXT[NO_DISK], lang)
        if self.certified:
            word = pick(STATUS_TEXT[self.status], lang)
            return pick(
                (f"{word} : {total} disque(s) sur {total}", f"{word}: {total} of {total} disk(s)"),
                lang,
            )
        bad = len(self.not_certified)
        status = pick(STATUS_TEXT[self.status], lang)
        return pick(
            (
                f"EFFACEMENT NON CERTIFIÉ : {bad} disque(s) sur {total} ({status})",
                f"ERASURE NOT CERTIFIED: {bad} of {total} disk(s) ({status})",
            ),
            lang,
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
    return " + ".join(parts) if parts else pick(("aucune", "none"), lang)


def erasure_date(overall: OverallErasure) -> str | None:
    """Latest end time over the disks (ISO string) or None."""
    ends = [str(get(d.record, "ended_at")) for d in overall.disks if get(d.record, "ended_at")]
    return max(ends) if ends else None


def verdict_text(report: Mapping[str, Any], lang: str) -> str:
    verdict = get(report, "grade", "verdict")
    if verdict is None:
        # The schema allows "grade": null (run stopped before grading).
        return pick(NOT_GRADED, lang)
    return pick(VERDICT_TEXT.get(str(verdict), (str(verdict), str(verdict))), lang)


def main_reason(report: Mapping[str, Any], lang: str) -> str:
    """The grade's suggestion (what to do with the machine), else its first reason."""
    suggestion = get(report, "grade", "suggestion")
    if suggestion:
        return reason_text(suggestion, lang)
    reasons = get(report, "grade", "reasons", default=[])
    return reason_text(reasons[0], lang) if reasons else ""


def certificate_url(report: Mapping[str, Any], server: str | None) -> str:
    """The one builder of a certificate's URL, {server}/c/{uuid} (the QR's target); with
    no server known, OFFLINE_SERVER."""
    uuid = get(report, "uuid")
    if not uuid:
        raise ValueError("report has no uuid: no certificate URL can be printed")
    return f"{(server or OFFLINE_SERVER).rstrip('/')}/c/{uuid}"


def software_text(report: Mapping[str, Any], lang: str) -> str:
    """'deuxvie 0.1.0 · image ISO live 0.1.0, commit 1a2b3c4d5e6f, construite le … ·
    système de fichiers racine SHA-256 …': which build erased the disks (NIST SP 800-88
    app. G: the tool and its version)."""
    version = get(report, "agent", "version", default="?")
    return f"deuxvie {version} · {image_text(get(report, 'agent', 'image'), lang)}"


IMAGE_KINDS: dict[str, tuple[str, str]] = {
    "live-iso": ("image ISO live", "live ISO image"),
    "test-guest": ("invité de test QEMU", "QEMU test guest"),
}


def image_text(image: Any, lang: str, short: bool = False) -> str:
    """The image identity in words; `short` for a label's small print."""
    if not isinstance(image, Mapping):
        return pick(("hors image (poste de développement)", "outside an image (development)"),
                    lang)
    kind = str(image.get("kind") or "?")
    words = pick(IMAGE_KINDS.get(kind, (kind, kind)), lang)
    commit = str(image.get("commit") or "?")[:12]
    dirty = pick((" (modifié)", " (modified)"), lang) if image.get("dirty") else ""
    text = f"{words} {image.get('version') or '?'}, commit {commit}{dirty}"
    if short:
        return text
    built = date_time(image.get("built_at"))
    text += pick((f", construite le {built}", f", built {built}"), lang)
    rootfs = image.get("rootfs_sha256")
    if rootfs:
        text += pick((f" · système de fichiers racine SHA-256 {rootfs}",
                      f" · root filesystem SHA-256 {rootfs}"), lang)
    return text


_MIB = 1024 * 1024


def _size_unit(n: Any, lang: str) -> str:
    if isinstance(n, int) and n and n % _MIB == 0:
        return f"{n // _MIB} {pick(('Mio', 'MiB'), lang)}"
    return f"{n} {pick(('octets', 'bytes'), lang)}"


def _operation_text(op: Mapping[str, Any], lang: str) -> str:
    direct = op.get("direct_io")
    io = {True: ("E/S directes (O_DIRECT)", "direct I/O (O_DIRECT)"),
          False: ("E/S par le cache du noyau", "I/O through the kernel cache")}.get(
        bool(direct)) if direct is not None else None
    block = _size_unit(op.get("block_bytes"), lang)
    size = op.get("bytes")
    amount = number(size, lang) if isinstance(size, int) else "?"
    amount += f" {pick(('octets', 'bytes'), lang)}"
    tail = f"blocs de {block}" if lang == "fr" else f"{block} blocks"
    tail += f", {pick(io, lang)}" if io else ""
    if op.get("phase") == "write":
        fr = (f"écriture par deuxvie : motif {op.get('pattern')}, passe {op.get('pass_no')}/"
              f"{op.get('passes')}, {tail}, {amount} écrits, vidage du cache du disque (fsync)")
        en = (f"write by deuxvie: pattern {op.get('pattern')}, pass {op.get('pass_no')}/"
              f"{op.get('passes')}, {tail}, {amount} written, drive cache flushed (fsync)")
    else:
        scope = ({"full": ("disque entier", "whole disk")}.get(str(op.get("scope")))
                 or (f"{op.get('ranges')} plages tirées au hasard",
                     f"{op.get('ranges')} random ranges"))
        fr = (f"relecture de vérification : {scope[0]}, comparée au motif "
              f"{op.get('pattern')}, {tail}, {amount} relus")
        en = (f"verification read: {scope[1]}, compared with pattern {op.get('pattern')}, "
              f"{tail}, {amount} read back")
    return pick((fr, en), lang)


def commands_text(record: Mapping[str, Any], lang: str) -> str:
    """What ran on the disk: each firmware command's argv, then the overwrite and the
    verification read the engine did itself (deuxvie.wipe.engine `operations`); for an
    older record without them, what its fields say. '—' only when nothing ran."""
    lines = [" ".join(str(a) for a in argv) for argv in get(record, "commands", default=[])]
    operations = get(record, "operations", default=[])
    lines += [_operation_text(op, lang) for op in operations if isinstance(op, Mapping)]
    technique = str(get(record, "technique", default=""))
    if not operations and technique.startswith("overwrite") and get(record, "bytes_written"):
        pattern, passes = get(record, "pattern", default="?"), get(record, "passes", default="?")
        verification = get(record, "verification", default="none")
        lines.append(pick((
            f"écriture par deuxvie : motif {pattern}, {passes} passe(s), puis relecture "
            f"de vérification ({verification})",
            f"write by deuxvie: pattern {pattern}, {passes} pass(es), then a verification "
            f"read ({verification})"), lang))
    return "\n".join(lines) or "—"


_SMART_FIELDS: tuple[tuple[tuple[str, ...], str, str, bool], ...] = (
    # keys, fr, en, is an error counter (a rise during the wipe is news)
    (("smart_passed",), "Bilan SMART global", "SMART overall health", False),
    (("power_on_hours",), "Heures de fonctionnement", "Power-on hours", False),
    (("reallocated_sectors",), "Secteurs réalloués (5)", "Reallocated sectors (5)", True),
    (("pending_sectors",), "Secteurs en attente (197)", "Pending sectors (197)", True),
    (("offline_uncorrectable",), "Non corrigibles (198)", "Offline uncorrectable (198)", True),
    (("reported_uncorrectable",), "Erreurs signalées (187)", "Reported uncorrectable (187)",
     True),
    (("command_timeout",), "Délais de commande (188)", "Command timeouts (188)", True),
    (("selftest_failures",), "Auto-tests en échec", "Failed self-tests", True),
    (("nvme", "critical_warning"), "NVMe : alerte critique", "NVMe critical warning", True),
    (("nvme", "percentage_used"), "NVMe : usure (%)", "NVMe percentage used", False),
    (("nvme", "available_spare"), "NVMe : réserve disponible (%)", "NVMe available spare",
     False),
    (("nvme", "media_errors"), "NVMe : erreurs média", "NVMe media errors", True),
    (("scsi_grown_defects",), "SCSI : défauts apparus", "SCSI grown defects", True),
    (("temperature_c",), "Température (°C)", "Temperature (°C)", False),
)


@dataclass(frozen=True)
class SmartComparison:
    rows: tuple[tuple[str, str, str, bool], ...]  # name, before, after, changed (counter)
    summary: str  # what changed, or why the disk did not answer after the wipe


def smart_before(report: Mapping[str, Any], disk: DiskErasure) -> Mapping[str, Any] | None:
    """SMART before the erasure: the record's own reading, else the inventory's."""
    own = get(disk.record, "smart_before")
    if own:
        return own
    for info in get(report, "inventory", "disks", "value", default=[]):
        if get(info, "serial") == disk.serial and get(info, "smart", "status") == "ok":
            return get(info, "smart", "value")
    return None


def _smart_value(keys: tuple[str, ...], value: Any, lang: str) -> str:
    if value is None:
        return "—"
    if keys == ("smart_passed",):
        return pick(("réussi", "passed"), lang) if value else pick(("ÉCHEC", "FAILED"), lang)
    return str(value)


def smart_comparison(report: Mapping[str, Any], disk: DiskErasure, lang: str) -> SmartComparison:
    """SMART (and the NVMe health log) read before the wipe and again after the wipe and its
    verification (deuxvie.wipe.smart_after): each value, what grew, or why no answer."""
    before = smart_before(report, disk)
    after = get(disk.record, "smart_after")
    why = get(disk.record, "smart_after_reason")
    no_answer = pick(("pas de réponse", "no answer"), lang)
    rows, grew = [], []
    for keys, fr, en, counter in _SMART_FIELDS:
        b = get(before, *keys) if before else None
        a = get(after, *keys) if after else None
        if b is None and a is None:
            continue
        after_text = _smart_value(keys, a, lang) if after else no_answer
        changed = False
        if counter and isinstance(a, int) and isinstance(b, int) and a != b:
            changed = True
            after_text += f" ({a - b:+d})"
            grew.append(f"{pick((fr, en), lang)} {a - b:+d}")
        rows.append((pick((fr, en), lang), _smart_value(keys, b, lang), after_text, changed))
    if not after:
        summary = pick((f"Après l'effacement, le disque n'a pas répondu : {why or 'non relu'}",
                        f"After the erasure the disk did not answer: {why or 'not read'}"), lang)
    elif not before:
        summary = pick(("Relu après l'effacement et la vérification ; aucune lecture avant "
                        "l'effacement à comparer.", "Read after the erasure and its "
                        "verification; no reading before the erasure to compare with."), lang)
    elif grew:
        summary = pick(("Changé pendant l'effacement : ", "Changed during the erasure: "),
                       lang) + ", ".join(grew)
    else:
        summary = pick(("Relu après l'effacement et la vérification : aucun compteur d'erreurs "
                        "n'a changé.", "Read again after the erasure and its verification: no "
                        "error counter changed."), lang)
    return SmartComparison(tuple(rows), summary)
