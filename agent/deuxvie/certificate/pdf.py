"""The erasure certificate: one PDF per machine (fpdf2, DejaVu fonts; ADR 0050).

Page 1 summarises the machine (identity, grade, overall erasure status, who/where/when,
signature key, QR to `{server}/c/{uuid}`); then one section per disk with every field of
NIST SP 800-88 Rev.1 Appendix G ("Sample Certificate of Sanitization") plus what nwipe and
Blancco certificates add (commands, errors with offsets, SMART before/after).

The wording of statuses comes from `facts`: only a record that is certifiable AND passes
the consistency checks is called ERASED/EFFACÉ; anything else says what happened.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import segno
from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos
from fpdf.fonts import FontFace

from deuxvie.certificate import facts
from deuxvie.certificate.facts import DiskErasure, OverallErasure, get, pick
from deuxvie.certificate.fonts import font_path

DEFAULT_SERVER = "https://deuxvie.invalid"
_GREEN = (0, 110, 40)
_RED = (180, 0, 0)
_GREY = (235, 235, 235)
# A dying disk can log thousands of offsets; the signed report keeps them all, the
# printed certificate lists the first ones and says how many more there are.
MAX_ERRORS_LISTED = 40

_KIND_TEXT: dict[str, tuple[str, str]] = {
    "nvme": ("SSD NVMe (mémoire flash)", "NVMe SSD (flash memory)"),
    "sata_ssd": ("SSD SATA (mémoire flash)", "SATA SSD (flash memory)"),
    "hdd": ("Disque dur magnétique (HDD)", "Magnetic hard disk (HDD)"),
    "usb": ("Support USB", "USB medium"),
    "mmc": ("Carte/puce eMMC ou SD", "eMMC or SD flash"),
    "virtual": ("Disque virtuel", "Virtual disk"),
    "loop": ("Périphérique loop (test)", "Loop device (test)"),
}


class _Doc(FPDF):
    def __init__(self, lang: str, uuid: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.lang = lang
        self.report_uuid = uuid
        self.add_font("DejaVu", "", str(font_path("regular")))
        self.add_font("DejaVu", "B", str(font_path("bold")))
        self.set_auto_page_break(auto=True, margin=14)
        self.set_margins(15, 12, 15)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", "", 7.5)
        self.set_text_color(90, 90, 90)
        label = pick(self.lang, ("Rapport", "Report"))
        self.cell(0, 5, f"{label} {self.report_uuid}  ·  deuxvie", align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"{self.page_no()}/{{nb}}", align="R")
        self.set_text_color(0, 0, 0)


def _t(lang: str, fr: str, en: str) -> str:
    return fr if lang == "fr" else en


def _text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "oui/yes" if value else "non/no"
    return str(value)


def _bytes(n: Any, lang: str) -> str:
    if not isinstance(n, int):
        return "—"
    unit = _t(lang, "octets", "bytes")
    return f"{n:,} {unit} ({n / 1e9:.1f} GB)".replace(",", " ")


def _qr_png(url: str) -> io.BytesIO:
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="png", scale=8, border=2)
    buf.seek(0)
    return buf


def _heading(pdf: _Doc, text: str, size: float = 11, keep_mm: float = 20) -> None:
    """A section title, moved to the next page with its first rows (no orphan titles)."""
    if pdf.will_page_break(keep_mm + 7):
        pdf.add_page()
    pdf.ln(1.5)
    pdf.set_font("DejaVu", "B", size)
    pdf.cell(0, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    pdf.set_font("DejaVu", "", 8.5)


def _table(pdf: _Doc, rows: Sequence[tuple[str, str]], widths: tuple[int, int] = (55, 125)) -> None:
    """Key/value rows, key on grey. Drawn by hand rather than with `pdf.table()`, which
    lays each cell out several times: this lays it out once (dry run for the lines, then
    one `cell` per line) and halves the certificate's render time (ADR 0050)."""
    key_w = pdf.epw * widths[0] / sum(widths)
    value_w = pdf.epw - key_w
    line_h, pad_x, pad_y = 3.9, 1.0, 0.5
    for key, value in rows:
        pdf.set_font("DejaVu", "B", 8.5)
        key_lines = _lines(pdf, key, key_w - 2 * pad_x, line_h)
        pdf.set_font("DejaVu", "", 8.5)
        value_lines = _lines(pdf, value, value_w - 2 * pad_x, line_h)
        height = max(len(key_lines), len(value_lines)) * line_h + 2 * pad_y
        if pdf.will_page_break(height):
            pdf.add_page()
        x, y = pdf.l_margin, pdf.get_y()
        pdf.set_fill_color(*_GREY)
        pdf.rect(x, y, key_w, height, style="DF")
        pdf.rect(x + key_w, y, value_w, height, style="D")
        pdf.set_font("DejaVu", "B", 8.5)
        for i, line in enumerate(key_lines):
            pdf.set_xy(x + pad_x, y + pad_y + i * line_h)
            pdf.cell(key_w - 2 * pad_x, line_h, line)
        pdf.set_font("DejaVu", "", 8.5)
        for i, line in enumerate(value_lines):
            pdf.set_xy(x + key_w + pad_x, y + pad_y + i * line_h)
            pdf.cell(value_w - 2 * pad_x, line_h, line)
        pdf.set_xy(x, y + height)


def _lines(pdf: _Doc, text: str, width: float, line_h: float) -> list[str]:
    lines = pdf.multi_cell(width, line_h, text, dry_run=True, output=MethodReturnValue.LINES)
    assert isinstance(lines, list)  # output=LINES returns the list of lines
    return [str(line) for line in lines] or [""]


def _banner(pdf: _Doc, text: str, ok: bool, size: float = 15) -> None:
    color = _GREEN if ok else _RED
    pdf.set_draw_color(*color)
    pdf.set_text_color(*color)
    pdf.set_line_width(0.8)
    pdf.set_font("DejaVu", "B", size)
    pdf.multi_cell(
        0, size * 0.5, text, border=1, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT, padding=2
    )
    pdf.set_text_color(0, 0, 0)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.2)
    pdf.ln(1)


def _machine_rows(report: Mapping[str, Any], lang: str) -> list[tuple[str, str]]:
    system = get(report, "inventory", "system", "value", default={})
    device = get(report, "device", default={})
    return [
        (_t(lang, "N° d'inventaire", "Asset id"), _text(get(report, "asset_id"))),
        (
            _t(lang, "Fabricant", "Manufacturer"),
            _text(get(device, "vendor") or get(system, "vendor")),
        ),
        (_t(lang, "Modèle", "Model"), _text(get(device, "model") or get(system, "version"))),
        (_t(lang, "Référence produit", "Product"), _text(get(system, "product"))),
        (
            _t(lang, "Numéro de série", "Serial number"),
            _text(get(device, "serial") or get(system, "serial")),
        ),
        ("UUID SMBIOS", _text(get(system, "uuid"))),
        (
            _t(lang, "Type de châssis", "Chassis"),
            _text(get(device, "chassis_type") or get(system, "chassis_type")),
        ),
        (_t(lang, "Empreinte d'identité", "Identity hash"), _text(get(device, "identity_hash"))),
    ]


def _loose_disk_rows(report: Mapping[str, Any], lang: str) -> list[tuple[str, str]]:
    """A disk wiped at the station on its own (report kind "loose_disk"): the disk is the
    device; its identity as the station read it."""
    disks = get(report, "inventory", "disks", "value", default=[]) or [{}]
    disk = disks[0]
    device = get(report, "device", default={})
    return [
        (_t(lang, "N° d'inventaire", "Asset id"), _text(get(report, "asset_id"))),
        (_t(lang, "Fabricant", "Manufacturer"), _text(get(device, "vendor"))),
        (_t(lang, "Modèle", "Model"), _text(get(device, "model"))),
        (_t(lang, "Numéro de série", "Serial number"), _text(get(device, "serial"))),
        ("WWN", _text(get(disk, "wwn"))),
        (_t(lang, "Bus", "Bus"), _text(get(disk, "transport"))),
        (_t(lang, "Capacité", "Capacity"), _bytes(get(disk, "size_bytes"), lang)),
        ("HPA / DCO", f"{_text(get(disk, 'hpa'))} / {_text(get(disk, 'dco'))}"),
        (_t(lang, "Empreinte d'identité", "Identity hash"), _text(get(device, "identity_hash"))),
    ]


def _workshop_rows(report: Mapping[str, Any], lang: str) -> list[tuple[str, str]]:
    donor = get(report, "donor", default={})
    donor_text = " — ".join(str(v) for v in (get(donor, "id"), get(donor, "name")) if v)
    return [
        (_t(lang, "Organisation", "Organisation"), _text(get(report, "organisation"))),
        (_t(lang, "Poste (station)", "Station"), _text(get(report, "station", "id"))),
        (_t(lang, "Opérateur", "Operator"), _text(get(report, "operator"))),
        (_t(lang, "Donateur", "Donor"), _text(donor_text)),
        (_t(lang, "Lot", "Lot"), _text(get(report, "lot", "id"))),
    ]


def _signature_rows(
    report: Mapping[str, Any], verification: Mapping[str, Any] | None, lang: str
) -> list[tuple[str, str]]:
    rows = [
        (
            _t(lang, "Clé de signature du poste (SHA-256)", "Station signing key (SHA-256)"),
            _text(get(report, "station", "key_id")),
        ),
        (_t(lang, "Identifiant du rapport", "Report id"), _text(get(report, "uuid"))),
        (
            _t(lang, "Logiciel", "Software"),
            f"deuxvie {_text(get(report, 'agent', 'version'))}"
            f"  ·  image {_text(get(report, 'agent', 'image_hash'))}",
        ),
    ]
    if verification is None:
        status = _t(
            lang,
            "non vérifiée ici : le rapport est signé (Ed25519, DSSE) par le poste ; "
            "scannez le QR code pour la vérification par le service",
            "not checked here: the report is signed (Ed25519, DSSE) by the station; "
            "scan the QR code for the service's verification",
        )
    else:
        # The service's verify_stored() dict: {valid, reason, keyid, station_id,
        # station_revoked_at, checked_at}.
        valid = bool(verification.get("valid"))
        word = _t(lang, "VALIDE", "VALID") if valid else _t(lang, "INVALIDE", "INVALID")
        when = facts.date_time(verification.get("checked_at"))
        status = f"{word} ({_t(lang, 'vérifiée par le service le', 'checked by the service on')} "
        status += f"{when})"
        if verification.get("keyid"):
            status += f"\n{_t(lang, 'clé', 'key')} {verification['keyid']}"
        if not valid and verification.get("reason"):
            status += f"\n{_t(lang, 'motif', 'reason')} : {verification['reason']}"
        if verification.get("station_revoked_at"):
            revoked = facts.date_time(verification["station_revoked_at"])
            status += "\n" + _t(
                lang,
                f"clé du poste révoquée le {revoked} (rapport reçu avant)",
                f"station key revoked on {revoked} (report received before)",
            )
        if verification.get("message"):
            status += f"\n{verification['message']}"
    rows.append((_t(lang, "Signature", "Signature"), status))
    return rows


def _date_rows(
    report: Mapping[str, Any], overall: OverallErasure, lang: str
) -> list[tuple[str, str]]:
    starts = [
        str(get(d.record, "started_at")) for d in overall.disks if get(d.record, "started_at")
    ]
    return [
        (
            _t(lang, "Inventaire", "Inventory"),
            facts.date_time(get(report, "inventory", "collected_at") or None),
        ),
        (
            _t(lang, "Début de l'effacement", "Erasure start"),
            facts.date_time(min(starts, default=None)),
        ),
        (
            _t(lang, "Fin de l'effacement", "Erasure end"),
            facts.date_time(facts.erasure_date(overall)),
        ),
        (
            _t(lang, "Rapport établi le", "Report created"),
            facts.date_time(get(report, "created_at")),
        ),
    ]


def _summary_page(
    pdf: _Doc,
    report: Mapping[str, Any],
    overall: OverallErasure,
    verification: Mapping[str, Any] | None,
    url: str,
) -> None:
    lang = pdf.lang
    pdf.add_page()
    title = (
        _t(lang, "Certificat d'effacement des données", "Data erasure certificate")
        if overall.certified
        else _t(lang, "Rapport d'effacement — NON CERTIFIÉ", "Erasure report — NOT CERTIFIED")
    )
    pdf.set_font("DejaVu", "B", 17)
    pdf.cell(140, 9, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    pdf.set_font("DejaVu", "", 9)
    pdf.cell(
        140,
        5,
        _t(
            lang,
            "Selon NIST SP 800-88 Rév. 1 (Clear / Purge), annexe G",
            "Following NIST SP 800-88 Rev. 1 (Clear / Purge), Appendix G",
        ),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    # QR in the top-right corner, its URL printed under it for people without a phone.
    top = 12.0
    pdf.image(_qr_png(url), x=160, y=top, w=35, h=35)
    pdf.set_xy(155, top + 35)
    pdf.set_font("DejaVu", "", 6)
    pdf.multi_cell(45, 2.8, url, align="C")
    pdf.set_xy(pdf.l_margin, 31)
    if verification is not None and not verification.get("valid"):
        _banner(
            pdf,
            _t(
                lang,
                "SIGNATURE INVALIDE : ce document ne prouve rien",
                "INVALID SIGNATURE: this document proves nothing",
            ),
            ok=False,
            size=12,
        )
    pdf.set_x(pdf.l_margin)
    pdf.set_right_margin(55)
    _banner(pdf, overall.headline(lang), ok=overall.certified, size=13)
    pdf.set_right_margin(15)
    pdf.set_y(max(pdf.get_y(), 62))

    if overall.certified:
        statement = _t(
            lang,
            "Les supports de stockage listés ci-dessous ont été assainis selon la méthode "
            "indiquée, et chaque effacement a été vérifié par relecture.",
            "The storage media listed below were sanitized with the stated method, and each "
            "erasure was verified by reading back.",
        )
    else:
        statement = _t(
            lang,
            "L'effacement n'est PAS certifié pour les supports marqués ci-dessous. Ils ne "
            "doivent pas quitter l'atelier avant un nouvel effacement réussi ou une "
            "destruction physique.",
            "Erasure is NOT certified for the media marked below. They must not leave the "
            "workshop before a successful new erasure or physical destruction.",
        )
    pdf.set_font("DejaVu", "", 9.5)
    pdf.multi_cell(0, 5, statement, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")

    _heading(pdf, _t(lang, "Supports de stockage", "Storage media"))
    with pdf.table(
        col_widths=(10, 55, 40, 45, 30),
        line_height=3.9,
        padding=(0.5, 1),
        text_align="LEFT",
        headings_style=FontFace(emphasis="BOLD", fill_color=_GREY),
    ) as table:
        head = table.row()
        for text in (
            "#",
            _t(lang, "Modèle", "Model"),
            _t(lang, "N° de série", "Serial"),
            _t(lang, "Méthode", "Method"),
            _t(lang, "Statut", "Status"),
        ):
            head.cell(text)
        for index, disk in enumerate(overall.disks, 1):
            row = table.row()
            row.cell(str(index))
            row.cell(_text(get(disk.record, "media", "model")))
            row.cell(disk.serial)
            row.cell(
                f"{_text(get(disk.record, 'category'))} · {_text(get(disk.record, 'technique'))}"
            )
            color = _GREEN if disk.certified else _RED
            row.cell(disk.text(lang), style=FontFace(emphasis="BOLD", color=color))

    # a loose disk has no grade (grading judges a whole PC): no verdict section
    if get(report, "kind") != "loose_disk":
        _heading(pdf, _t(lang, "Verdict du diagnostic", "Diagnostic verdict"))
        verdict_ok = get(report, "grade", "verdict") != "FAIL"
        pdf.set_font("DejaVu", "B", 14)
        pdf.set_text_color(*(_GREEN if verdict_ok else _RED))
        pdf.cell(
            0,
            8,
            f"{facts.verdict_text(report, lang)} — {facts.main_reason(report, lang)}",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.set_text_color(0, 0, 0)
        pdf.set_font("DejaVu", "", 9)
        for reason in get(report, "grade", "reasons", default=[]):
            pdf.multi_cell(
                0, 4.5, f"• {facts.reason_text(reason, lang)}", new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )

    if get(report, "kind") == "loose_disk":
        _heading(pdf, _t(lang, "Disque seul (sans machine hôte)", "Loose disk (no host machine)"))
        _table(pdf, _loose_disk_rows(report, lang))
    else:
        _heading(pdf, _t(lang, "Machine", "Machine"))
        _table(pdf, _machine_rows(report, lang))
    _heading(pdf, _t(lang, "Atelier, provenance et dates", "Workshop, origin and dates"))
    _table(pdf, _workshop_rows(report, lang) + _date_rows(report, overall, lang))
    _heading(pdf, _t(lang, "Signature et vérification", "Signature and verification"))
    _table(pdf, _signature_rows(report, verification, lang))


def _smart_before(report: Mapping[str, Any], disk: DiskErasure) -> Mapping[str, Any] | None:
    """SMART before the erasure: the record's own reading, else the inventory's."""
    own = get(disk.record, "smart_before")
    if own:
        return own
    for info in get(report, "inventory", "disks", "value", default=[]):
        if get(info, "serial") == disk.serial and get(info, "smart", "status") == "ok":
            return get(info, "smart", "value")
    return None


def _smart_rows(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, lang: str
) -> list[tuple[str, str, str]]:
    fields: list[tuple[tuple[str, ...], str, str]] = [
        (("smart_passed",), "Bilan SMART global", "SMART overall health"),
        (("power_on_hours",), "Heures de fonctionnement", "Power-on hours"),
        (("reallocated_sectors",), "Secteurs réalloués (5)", "Reallocated sectors (5)"),
        (("pending_sectors",), "Secteurs en attente (197)", "Pending sectors (197)"),
        (("offline_uncorrectable",), "Non corrigibles (198)", "Offline uncorrectable (198)"),
        (("reported_uncorrectable",), "Erreurs signalées (187)", "Reported uncorrectable (187)"),
        (("command_timeout",), "Délais de commande (188)", "Command timeouts (188)"),
        (("selftest_failures",), "Auto-tests en échec", "Failed self-tests"),
        (("nvme", "critical_warning"), "NVMe : alerte critique", "NVMe critical warning"),
        (("nvme", "percentage_used"), "NVMe : usure (%)", "NVMe percentage used"),
        (("nvme", "available_spare"), "NVMe : réserve disponible (%)", "NVMe available spare"),
        (("nvme", "media_errors"), "NVMe : erreurs média", "NVMe media errors"),
        (("scsi_grown_defects",), "SCSI : défauts apparus", "SCSI grown defects"),
        (("temperature_c",), "Température (°C)", "Temperature (°C)"),
    ]
    rows = []
    for keys, fr, en in fields:
        b = get(before, *keys) if before else None
        a = get(after, *keys) if after else None
        if b is None and a is None:
            continue
        if keys == ("smart_passed",):
            words = {True: _t(lang, "réussi", "passed"), False: _t(lang, "ÉCHEC", "FAILED")}
            rows.append(
                (
                    _t(lang, fr, en),
                    words.get(bool(b), "—") if b is not None else "—",
                    words.get(bool(a), "—") if a is not None else "—",
                )
            )
            continue
        rows.append((_t(lang, fr, en), _text(b), _text(a)))
    return rows


def _destination(report: Mapping[str, Any], disk: DiskErasure, lang: str) -> str:
    """NIST App. G 'post-sanitization destination', from the record or derived."""
    given = get(disk.record, "destination")
    if given:
        return str(given)
    if not disk.certified:
        return _t(
            lang,
            "Conservé à l'atelier : à ré-effacer ou à détruire physiquement",
            "Kept in the workshop: to be erased again or physically destroyed",
        )
    if get(report, "kind") == "loose_disk":
        return _t(lang, "Réemploi du disque (disque seul)", "Reuse of the disk (loose disk)")
    for comp in get(report, "grade", "components", default=[]):
        if get(comp, "component") == f"disk:{disk.serial}" and get(comp, "status") == "fail":
            return _t(
                lang,
                "Retiré de la machine : recyclage DEEE",
                "Removed from the machine: WEEE recycling",
            )
    return _t(lang, "Réemploi dans la machine reconditionnée", "Reuse in the refurbished machine")


def _disk_section(
    pdf: _Doc, report: Mapping[str, Any], disk: DiskErasure, index: int, total: int
) -> None:
    lang = pdf.lang
    rec = disk.record
    media = get(rec, "media", default={})
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 14)
    pdf.multi_cell(
        0,
        7,
        f"{_t(lang, 'Disque', 'Disk')} {index}/{total}{_t(lang, ' :', ':')} "
        f"{_text(get(media, 'model'))} ({disk.serial})",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
        align="L",
    )
    _banner(pdf, disk.text(lang), ok=disk.certified, size=12)
    if disk.problems:
        pdf.set_font("DejaVu", "B", 9)
        pdf.set_text_color(*_RED)
        claimed = _t(lang, "statut annoncé par l'outil", "status reported by the tool")
        because = "; ".join(p.text(lang) for p in disk.problems)
        pdf.multi_cell(
            0,
            5,
            f"{_t(lang, 'Non certifié', 'Not certified')} ({claimed}{_t(lang, ' :', ':')} "
            f"{disk.claimed}){_t(lang, ' :', ':')} {because}",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
            align="L",
        )
        pdf.set_text_color(0, 0, 0)

    kind = str(get(media, "kind", default="unknown"))
    device = get(report, "device", default={})
    source = " ".join(
        str(v) for v in (get(device, "vendor"), get(device, "model"), get(device, "serial")) if v
    )
    commands = get(rec, "commands", default=[])
    commands_text = "\n".join(" ".join(str(a) for a in argv) for argv in commands) or "—"
    coverage = get(rec, "verification_coverage_pct")
    coverage_text = f"{coverage:.1f} %" if isinstance(coverage, int | float) else "—"
    throughput = get(rec, "throughput_bytes_per_s")
    notes = [facts.reason_text(r, lang) for r in get(rec, "reasons", default=[])]
    notes += [p.text(lang) for p in disk.problems]

    _heading(pdf, _t(lang, "Support (annexe G : identification)", "Media (Appendix G: identity)"))
    _table(
        pdf,
        [
            (_t(lang, "Fabricant", "Manufacturer"), _text(get(media, "vendor"))),
            (_t(lang, "Modèle", "Model"), _text(get(media, "model"))),
            (_t(lang, "Numéro de série", "Serial number"), disk.serial),
            ("WWN / EUI", _text(get(media, "wwn"))),
            ("Firmware", _text(get(media, "firmware"))),
            (
                _t(lang, "Type de support", "Media type"),
                pick(lang, _KIND_TEXT.get(kind, (kind, kind))),
            ),
            ("Bus", _text(get(media, "bus"))),
            (
                _t(lang, "Chemin / by-id", "Path / by-id"),
                f"{_text(get(media, 'path'))}\n{_text(get(media, 'by_id'))}",
            ),
            (
                _t(lang, "Secteurs logique / physique", "Logical / physical sector"),
                f"{_text(get(media, 'logical_sector_bytes'))} / "
                f"{_text(get(media, 'physical_sector_bytes'))} {_t(lang, 'octets', 'bytes')}",
            ),
            (
                _t(lang, "Taille apparente", "Apparent size"),
                _bytes(get(media, "apparent_size_bytes"), lang),
            ),
            (
                _t(lang, "Taille native", "Native size"),
                _bytes(get(media, "native_size_bytes"), lang),
            ),
            ("HPA / DCO", f"{_text(get(media, 'hpa'))} / {_text(get(media, 'dco'))}"),
            *(
                [
                    (
                        _t(lang, "Taille avant / après HPA", "Size before / after HPA"),
                        f"{_bytes(get(rec, 'size_before_bytes'), lang)} / "
                        f"{_bytes(get(rec, 'size_after_bytes'), lang)}",
                    )
                ]
                if get(rec, "size_before_bytes") is not None
                else []
            ),
            (
                _t(lang, "Provenance du support", "Media source"),
                f"{source or '—'} ({_t(lang, 'inventaire', 'asset')} "
                f"{_text(get(report, 'asset_id'))})",
            ),
        ],
    )
    _heading(pdf, _t(lang, "Assainissement", "Sanitization"))
    _table(
        pdf,
        [
            (_t(lang, "Catégorie NIST", "NIST category"), _text(get(rec, "category"))),
            (_t(lang, "Technique", "Technique"), _text(get(rec, "technique"))),
            (_t(lang, "Commandes exécutées", "Commands run"), commands_text),
            (
                _t(lang, "Motif / passes", "Pattern / passes"),
                f"{_text(get(rec, 'pattern'))} / {_text(get(rec, 'passes'))}",
            ),
            (_t(lang, "Outil et version", "Tool and version"), _text(get(rec, "tool"))),
            (
                _t(lang, "Méthode de vérification", "Verification method"),
                _text(get(rec, "verification")),
            ),
            (_t(lang, "Couverture vérifiée", "Verification coverage"), coverage_text),
            (_t(lang, "Octets écrits", "Bytes written"), _bytes(get(rec, "bytes_written"), lang)),
            (
                _t(lang, "Octets vérifiés", "Bytes verified"),
                _bytes(get(rec, "bytes_verified"), lang),
            ),
            (
                _t(lang, "Débit", "Throughput"),
                f"{throughput / 1e6:.1f} MB/s" if isinstance(throughput, int | float) else "—",
            ),
            *(
                [
                    (
                        _t(lang, "Plages relues", "Ranges read back"),
                        _text(get(rec, "verification_samples")),
                    )
                ]
                if get(rec, "verification_samples")
                else []
            ),
            (_t(lang, "Début", "Start"), facts.date_time(get(rec, "started_at"))),
            (_t(lang, "Fin", "End"), facts.date_time(get(rec, "ended_at"))),
            (_t(lang, "Statut", "Status"), disk.text(lang)),
            (
                _t(lang, "Destination après effacement", "Post-sanitization destination"),
                _destination(report, disk, lang),
            ),
            (
                _t(lang, "Opérateur / lieu", "Operator / location"),
                f"{_text(get(report, 'operator'))} / {_text(get(report, 'organisation'))}, "
                f"{_text(get(report, 'station', 'id'))}",
            ),
            (_t(lang, "Notes", "Notes"), "\n".join(notes) or "—"),
            *(
                [
                    (
                        _t(lang, "Journal du firmware", "Firmware log"),
                        "\n".join(str(x) for x in get(rec, "firmware_log", default=[])),
                    )
                ]
                if get(rec, "firmware_log")
                else []
            ),
        ],
    )
    errors = get(rec, "errors", default=[])
    shown = errors[:MAX_ERRORS_LISTED]
    count = facts.error_count(rec)
    if count:
        _heading(pdf, _t(lang, f"Erreurs d'E/S ({count})", f"I/O errors ({count})"))
        with pdf.table(
            col_widths=(45, 25, 25, 85),
            line_height=5,
            padding=1,
            headings_style=FontFace(emphasis="BOLD", fill_color=_GREY),
        ) as table:
            head = table.row()
            for text in (
                _t(lang, "Position (octet)", "Offset (byte)"),
                _t(lang, "Longueur", "Length"),
                _t(lang, "Phase", "Phase"),
                "Message",
            ):
                head.cell(text)
            for err in shown:
                row = table.row()
                row.cell(_text(get(err, "offset_bytes")))
                row.cell(_text(get(err, "length_bytes")))
                row.cell(_text(get(err, "phase")))
                row.cell(_text(get(err, "message")))
        if count > len(shown):
            more = count - len(shown)
            pdf.multi_cell(
                0,
                4.5,
                _t(
                    lang,
                    f"… et {more} autres erreurs (liste complète dans le rapport signé)",
                    f"… and {more} more errors (full list in the signed report)",
                ),
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
                align="L",
            )

    smart = _smart_rows(_smart_before(report, disk), get(rec, "smart_after"), lang)
    _heading(pdf, _t(lang, "SMART avant / après l'effacement", "SMART before / after erasure"))
    if not smart:
        pdf.multi_cell(
            0, 5, _t(lang, "SMART non lu", "SMART not read"), new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        return
    with pdf.table(
        col_widths=(80, 50, 50),
        line_height=3.9,
        padding=(0.5, 1),
        text_align="LEFT",
        headings_style=FontFace(emphasis="BOLD", fill_color=_GREY),
    ) as table:
        head = table.row()
        for text in ("", _t(lang, "Avant", "Before"), _t(lang, "Après", "After")):
            head.cell(text)
        for name, before, after in smart:
            row = table.row()
            row.cell(name)
            row.cell(before)
            row.cell(after)


def _functions_section(pdf: _Doc, report: Mapping[str, Any]) -> None:
    """Every function of the PC and what its test said (issue #12, décret 2022-190)."""
    from deuxvie.functions.labels import function_rows

    functions = get(report, "functions") or []
    if not functions:
        return
    lang = pdf.lang
    _heading(pdf, _t(lang, "Fonctions du PC testées", "PC functions tested"))
    _table(pdf, [(name, f"{status} · {detail}") for name, status, detail
                 in function_rows(list(functions), lang)])


def render_certificate(
    report: Mapping[str, Any],
    verification: Mapping[str, Any] | None = None,
    lang: str = "fr",
    server: str | None = None,
) -> bytes:
    """The certificate PDF of one report payload.

    `verification` is what the service knows about the signature, when it renders the
    PDF: {"valid": bool, "checked_at": ISO time, "message": str (optional)}. The agent,
    which signs, passes None and the page points to the QR code instead.
    `server` prefixes the QR URL {server}/c/{uuid}; when None, `verification
    ["certificate_url"]` is used if the service gave it, else DEFAULT_SERVER (an .invalid
    host: a QR that opens nothing rather than someone else's site).
    Raises ValueError for an unknown language or a report without uuid, FontMissing when
    DejaVu is not installed.
    """
    facts.check_lang(lang)
    if server is None and verification is not None and verification.get("certificate_url"):
        url = str(verification["certificate_url"])
    else:
        url = facts.certificate_url(report, server or DEFAULT_SERVER)
    overall = facts.overall_erasure(report)
    pdf = _Doc(lang, str(get(report, "uuid")))
    pdf.set_title(
        f"{_t(lang, 'Certificat d effacement', 'Erasure certificate')} "
        f"{_text(get(report, 'asset_id'))}"
    )
    pdf.set_author(_text(get(report, "organisation")))
    pdf.set_creator("deuxvie")
    _summary_page(pdf, report, overall, verification, url)
    _functions_section(pdf, report)
    for index, disk in enumerate(overall.disks, 1):
        _disk_section(pdf, report, disk, index, len(overall.disks))
    return bytes(pdf.output())
