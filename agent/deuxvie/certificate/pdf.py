"""The erasure certificate: one PDF per machine (fpdf2, DejaVu fonts; ADR 0050).

Page 1 summarises the machine (identity, grade, overall erasure status, who/where/when,
signature key, QR to `{server}/c/{uuid}`); then one section per disk with every field of
NIST SP 800-88 Rev.1 Appendix G ("Sample Certificate of Sanitization") plus what nwipe and
Blancco certificates add (commands, errors with offsets, SMART before/after).

The document is a list of sections (SUMMARY_SECTIONS, then DISK_SECTIONS per disk), each a
small function drawing one part: a new part of the certificate is one more function there.
Every text goes through `_grid` (wrapped inside its cell, rows never left alone on a page)
or `multi_cell` (wrapped inside the page), and French text through `i18n.typography`.

The wording of statuses comes from `facts` / `deuxvie.i18n`: only a record that is
certifiable AND passes the consistency checks is called ERASED/EFFACÉ; anything else says
what happened.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import segno
from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos

from deuxvie.certificate import facts
from deuxvie.certificate.facts import DiskErasure, OverallErasure, get
from deuxvie.certificate.fonts import font_path
from deuxvie.i18n import number, pick, typography

DEFAULT_SERVER = facts.OFFLINE_SERVER
_GREEN = (0, 110, 40)
_RED = (180, 0, 0)
_GREY = (235, 235, 235)
_NOTE = (90, 90, 90)
# A dying disk can log thousands of offsets; the signed report keeps them all, the
# printed certificate lists the first ones and says how many more there are.
MAX_ERRORS_LISTED = 40
_LINE_H, _PAD_X, _PAD_Y = 3.9, 1.0, 0.5

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

    def normalize_text(self, text: str) -> str:
        # every string drawn passes here: French spacing before ":" ";" "!" "?"
        return super().normalize_text(typography(text, self.lang))

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", "", 7.5)
        self.set_text_color(*_NOTE)
        label = pick(("Rapport", "Report"), self.lang)
        self.cell(0, 5, f"{label} {self.report_uuid}  ·  deuxvie", align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"{self.page_no()}/{{nb}}", align="R")
        self.set_text_color(0, 0, 0)


@dataclass(frozen=True)
class _Cert:
    """What every section reads."""

    report: Mapping[str, Any]
    overall: OverallErasure
    verification: Mapping[str, Any] | None
    url: str
    lang: str

    def t(self, fr: str, en: str) -> str:
        return pick((fr, en), self.lang)


@dataclass(frozen=True)
class Cell:
    """A table cell with its own look (default: the row's)."""

    text: str
    bold: bool = False
    color: tuple[int, int, int] | None = None


# ---- drawing helpers -----------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "oui/yes" if value else "non/no"
    return str(value)


def _bytes(n: Any, lang: str) -> str:
    if not isinstance(n, int):
        return "—"
    unit = pick(("octets", "bytes"), lang)
    gb = number(n / 1e9, lang, 1)
    return f"{number(n, lang)} {unit} ({gb} {pick(('Go', 'GB'), lang)})"


def _pct(value: Any, lang: str) -> str:
    return f"{number(value, lang, 1)} %" if isinstance(value, int | float) else "—"


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
    pdf.multi_cell(0, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    pdf.set_font("DejaVu", "", 8.5)


def _para(pdf: _Doc, text: str, size: float = 9, line_h: float = 4.5, bold: bool = False,
          color: tuple[int, int, int] | None = None) -> None:
    """A paragraph wrapped inside the page's margins."""
    pdf.set_font("DejaVu", "B" if bold else "", size)
    if color:
        pdf.set_text_color(*color)
    pdf.multi_cell(0, line_h, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    pdf.set_text_color(0, 0, 0)


def _lines(pdf: _Doc, text: str, width: float) -> list[str]:
    lines = pdf.multi_cell(width, _LINE_H, text, dry_run=True, output=MethodReturnValue.LINES)
    assert isinstance(lines, list)  # output=LINES returns the list of lines
    return [str(line) for line in lines] or [""]


def _layout(pdf: _Doc, row: Sequence[str | Cell], widths: Sequence[float], bold_first: bool,
            bold_all: bool) -> tuple[list[Cell], list[list[str]], float]:
    cells = [c if isinstance(c, Cell) else Cell(c) for c in row]
    lines = []
    for i, (cell, width) in enumerate(zip(cells, widths, strict=True)):
        bold = cell.bold or bold_all or (bold_first and i == 0)
        pdf.set_font("DejaVu", "B" if bold else "", 8.5)
        lines.append(_lines(pdf, cell.text, width - 2 * _PAD_X))
    return cells, lines, max(len(c) for c in lines) * _LINE_H + 2 * _PAD_Y


def _grid(pdf: _Doc, rows: Sequence[Sequence[str | Cell]], weights: Sequence[float], *,
          header: Sequence[str] | None = None, keys: bool = False, x: float | None = None,
          width: float | None = None) -> float:
    """A table drawn by hand: every cell wrapped to its width (nothing leaves a cell), a
    row never cut across pages, the last row never alone on a page, the header repeated
    after a page break. `keys`: the first column is a grey, bold key. Drawn once (a dry
    run for the lines, then one `cell` per line): half the render time of `pdf.table()`
    (ADR 0050). Returns the y under the table."""
    x = pdf.l_margin if x is None else x
    width = pdf.epw if width is None else width
    widths = [width * w / sum(weights) for w in weights]
    laid = [_layout(pdf, r, widths, keys, False) for r in rows]
    head = _layout(pdf, header, widths, False, True) if header else None
    head_h = head[2] if head else 0.0
    if head and pdf.will_page_break(head_h + (laid[0][2] if laid else 0)):
        pdf.add_page()
    if head:
        _draw_row(pdf, x, widths, head, grey_cols=range(len(widths)), bold_all=True)
    for i, row in enumerate(laid):
        need = row[2] + (laid[i + 1][2] if i == len(laid) - 2 else 0)  # no lone last row
        if pdf.will_page_break(need):
            pdf.add_page()
            if head:
                _draw_row(pdf, x, widths, head, grey_cols=range(len(widths)), bold_all=True)
        _draw_row(pdf, x, widths, row, grey_cols=range(1) if keys else range(0),
                  bold_first=keys)
    return pdf.get_y()


def _draw_row(pdf: _Doc, x: float, widths: Sequence[float],
              laid: tuple[list[Cell], list[list[str]], float], *, grey_cols: range,
              bold_first: bool = False, bold_all: bool = False) -> None:
    cells, lines, height = laid
    y = pdf.get_y()
    left = x
    for i, (cell, cell_lines, w) in enumerate(zip(cells, lines, widths, strict=True)):
        pdf.set_fill_color(*_GREY)
        pdf.rect(left, y, w, height, style="DF" if i in grey_cols else "D")
        bold = cell.bold or bold_all or (bold_first and i == 0)
        pdf.set_font("DejaVu", "B" if bold else "", 8.5)
        pdf.set_text_color(*(cell.color or (0, 0, 0)))
        for n, line in enumerate(cell_lines):
            pdf.set_xy(left + _PAD_X, y + _PAD_Y + n * _LINE_H)
            pdf.cell(w - 2 * _PAD_X, _LINE_H, line)
        left += w
    pdf.set_text_color(0, 0, 0)
    pdf.set_xy(pdf.l_margin, y + height)


def _grid_height(pdf: _Doc, rows: Sequence[Sequence[str | Cell]], weights: Sequence[float],
                 width: float) -> float:
    widths = [width * w / sum(weights) for w in weights]
    return sum(_layout(pdf, r, widths, True, False)[2] for r in rows)


def _side_by_side(pdf: _Doc, left: list[tuple[str, str]], right: list[tuple[str, str]]) -> None:
    """Two key/value tables next to each other (the summary fits one page this way)."""
    gap = 4.0
    half = (pdf.epw - gap) / 2
    weights = (40, 60)
    height = max(_grid_height(pdf, left, weights, half), _grid_height(pdf, right, weights, half))
    if pdf.will_page_break(height):
        pdf.add_page()
    top = pdf.get_y()
    bottom = _grid(pdf, left, weights, keys=True, width=half)
    pdf.set_y(top)
    bottom = max(bottom, _grid(pdf, right, weights, keys=True, x=pdf.l_margin + half + gap,
                               width=half))
    pdf.set_y(bottom)


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


# ---- page 1: the summary ---------------------------------------------------------------------


def _title_section(pdf: _Doc, c: _Cert) -> None:
    title = (
        c.t("Certificat d'effacement des données", "Data erasure certificate")
        if c.overall.certified
        else c.t("Rapport d'effacement — NON CERTIFIÉ", "Erasure report — NOT CERTIFIED")
    )
    pdf.set_font("DejaVu", "B", 17)
    pdf.cell(140, 9, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    pdf.set_font("DejaVu", "", 9)
    pdf.cell(140, 5, c.t("Selon NIST SP 800-88 Rév. 1 (Clear / Purge), annexe G",
                         "Following NIST SP 800-88 Rev. 1 (Clear / Purge), Appendix G"),
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
    # QR in the top-right corner, its URL printed under it for people without a phone.
    top = 12.0
    pdf.image(_qr_png(c.url), x=160, y=top, w=35, h=35)
    pdf.set_xy(155, top + 35)
    pdf.set_font("DejaVu", "", 6)
    pdf.multi_cell(45, 2.8, c.url, align="C")
    pdf.set_xy(pdf.l_margin, 31)
    if c.verification is not None and not c.verification.get("valid"):
        _banner(pdf, c.t("SIGNATURE INVALIDE : ce document ne prouve rien",
                         "INVALID SIGNATURE: this document proves nothing"), ok=False, size=12)
    pdf.set_x(pdf.l_margin)
    pdf.set_right_margin(55)
    _banner(pdf, c.overall.headline(c.lang), ok=c.overall.certified, size=13)
    pdf.set_right_margin(15)
    pdf.set_y(max(pdf.get_y(), 62))
    if c.overall.certified:
        statement = c.t(
            "Les supports de stockage listés ci-dessous ont été assainis selon la méthode "
            "indiquée, et chaque effacement a été vérifié par relecture.",
            "The storage media listed below were sanitized with the stated method, and each "
            "erasure was verified by reading back.",
        )
    else:
        statement = c.t(
            "L'effacement n'est PAS certifié pour les supports marqués ci-dessous. Ils ne "
            "doivent pas quitter l'atelier avant un nouvel effacement réussi ou une "
            "destruction physique.",
            "Erasure is NOT certified for the media marked below. They must not leave the "
            "workshop before a successful new erasure or physical destruction.",
        )
    _para(pdf, statement, size=9.5, line_h=5)


def _media_list_section(pdf: _Doc, c: _Cert) -> None:
    _heading(pdf, c.t("Supports de stockage", "Storage media"))
    rows: list[list[str | Cell]] = []
    notes = []
    for index, disk in enumerate(c.overall.disks, 1):
        color = _GREEN if disk.certified else _RED
        method = f"{_text(get(disk.record, 'category'))} · {_text(get(disk.record, 'technique'))}"
        serial = disk.shown_serial + ("*" if disk.is_loop else "")
        rows.append([str(index), _text(get(disk.record, "media", "model")), serial, method,
                     Cell(disk.text(c.lang), bold=True, color=color)])  # fmt: skip
        note = disk.loop_note(c.lang)
        if note:
            notes.append(f"* {index} : {note}" if c.lang == "fr" else f"* {index}: {note}")
    header = ["#", c.t("Modèle", "Model"), c.t("N° de série", "Serial"),
              c.t("Méthode", "Method"), c.t("Statut", "Status")]  # fmt: skip
    _grid(pdf, rows, (8, 52, 40, 48, 32), header=header)
    for note in notes:
        _para(pdf, note, size=7, line_h=3.4, color=_NOTE)


def _verdict_section(pdf: _Doc, c: _Cert) -> None:
    if get(c.report, "kind") == "loose_disk":
        return  # a loose disk has no grade (grading judges a whole PC): no verdict section
    _heading(pdf, c.t("Verdict du diagnostic", "Diagnostic verdict"))
    verdict_ok = get(c.report, "grade", "verdict") != "FAIL"
    line = facts.verdict_text(c.report, c.lang)
    reason = facts.main_reason(c.report, c.lang)
    _para(pdf, f"{line} — {reason}" if reason else line, size=12, line_h=6, bold=True,
          color=_GREEN if verdict_ok else _RED)  # fmt: skip
    for r in get(c.report, "grade", "reasons", default=[]):
        _para(pdf, f"• {facts.reason_text(r, c.lang)}", size=8.5, line_h=4)


def _machine_rows(c: _Cert) -> list[tuple[str, str]]:
    system = get(c.report, "inventory", "system", "value", default={})
    device = get(c.report, "device", default={})
    return [
        (c.t("N° d'inventaire", "Asset id"), _text(get(c.report, "asset_id"))),
        (c.t("Fabricant", "Manufacturer"), _text(get(device, "vendor") or get(system, "vendor"))),
        (c.t("Modèle", "Model"), _text(get(device, "model") or get(system, "version"))),
        (c.t("Référence produit", "Product"), _text(get(system, "product"))),
        (c.t("Numéro de série", "Serial number"),
         _text(get(device, "serial") or get(system, "serial"))),
        ("UUID SMBIOS", _text(get(system, "uuid"))),
        (c.t("Type de châssis", "Chassis"),
         _text(get(device, "chassis_type") or get(system, "chassis_type"))),
        (c.t("Empreinte d'identité", "Identity hash"), _text(get(device, "identity_hash"))),
    ]  # fmt: skip


def _loose_disk_rows(c: _Cert) -> list[tuple[str, str]]:
    """A disk wiped at the station on its own (report kind "loose_disk"): the disk is the
    device; its identity as the station read it."""
    disk = (get(c.report, "inventory", "disks", "value", default=[]) or [{}])[0]
    device = get(c.report, "device", default={})
    return [
        (c.t("N° d'inventaire", "Asset id"), _text(get(c.report, "asset_id"))),
        (c.t("Fabricant", "Manufacturer"), _text(get(device, "vendor"))),
        (c.t("Modèle", "Model"), _text(get(device, "model"))),
        (c.t("Numéro de série", "Serial number"), _text(get(device, "serial"))),
        ("WWN", _text(get(disk, "wwn"))),
        (c.t("Bus", "Bus"), _text(get(disk, "transport"))),
        (c.t("Capacité", "Capacity"), _bytes(get(disk, "size_bytes"), c.lang)),
        ("HPA / DCO", f"{_text(get(disk, 'hpa'))} / {_text(get(disk, 'dco'))}"),
        (c.t("Empreinte d'identité", "Identity hash"), _text(get(device, "identity_hash"))),
    ]


def _workshop_rows(c: _Cert) -> list[tuple[str, str]]:
    donor = get(c.report, "donor", default={})
    donor_text = " — ".join(str(v) for v in (get(donor, "id"), get(donor, "name")) if v)
    starts = [str(get(d.record, "started_at")) for d in c.overall.disks
              if get(d.record, "started_at")]  # fmt: skip
    return [
        (c.t("Organisation", "Organisation"), _text(get(c.report, "organisation"))),
        (c.t("Poste (station)", "Station"), _text(get(c.report, "station", "id"))),
        (c.t("Opérateur", "Operator"), _text(get(c.report, "operator"))),
        (c.t("Donateur", "Donor"), _text(donor_text)),
        (c.t("Lot", "Lot"), _text(get(c.report, "lot", "id"))),
        (c.t("Inventaire", "Inventory"),
         facts.date_time(get(c.report, "inventory", "collected_at") or None)),
        (c.t("Début de l'effacement", "Erasure start"), facts.date_time(min(starts, default=None))),
        (c.t("Fin de l'effacement", "Erasure end"),
         facts.date_time(facts.erasure_date(c.overall))),
        (c.t("Rapport établi le", "Report created"), facts.date_time(get(c.report, "created_at"))),
    ]  # fmt: skip


def _machine_and_workshop_section(pdf: _Doc, c: _Cert) -> None:
    if get(c.report, "kind") == "loose_disk":
        _heading(pdf, c.t("Disque seul (sans machine hôte) ; atelier, provenance et dates",
                          "Loose disk (no host machine); workshop, origin and dates"))
        _side_by_side(pdf, _loose_disk_rows(c), _workshop_rows(c))
        return
    _heading(pdf, c.t("Machine ; atelier, provenance et dates",
                      "Machine; workshop, origin and dates"))  # fmt: skip
    _side_by_side(pdf, _machine_rows(c), _workshop_rows(c))


def _verification_text(c: _Cert) -> str:
    v = c.verification
    if v is None:
        return c.t(
            "non vérifiée ici : le rapport est signé (Ed25519, DSSE) par le poste ; "
            "scannez le QR code pour la vérification par le service",
            "not checked here: the report is signed (Ed25519, DSSE) by the station; "
            "scan the QR code for the service's verification",
        )
    # The service's verify_stored() dict: {valid, reason, keyid, station_id,
    # station_revoked_at, checked_at}.
    valid = bool(v.get("valid"))
    word = c.t("VALIDE", "VALID") if valid else c.t("INVALIDE", "INVALID")
    when = facts.date_time(v.get("checked_at"))
    status = f"{word} ({c.t('vérifiée par le service le', 'checked by the service on')} {when})"
    if v.get("keyid"):
        status += f"\n{c.t('clé', 'key')} {v['keyid']}"
    if not valid and v.get("reason"):
        status += f"\n{c.t('motif', 'reason')} : {v['reason']}"
    if v.get("station_revoked_at"):
        revoked = facts.date_time(v["station_revoked_at"])
        status += "\n" + c.t(f"clé du poste révoquée le {revoked} (rapport reçu avant)",
                             f"station key revoked on {revoked} (report received before)")
    if v.get("message"):
        status += f"\n{v['message']}"
    return status


def _signature_section(pdf: _Doc, c: _Cert) -> None:
    _heading(pdf, c.t("Signature et vérification", "Signature and verification"))
    rows = [
        (c.t("Clé de signature du poste (SHA-256)", "Station signing key (SHA-256)"),
         _text(get(c.report, "station", "key_id"))),
        (c.t("Identifiant du rapport", "Report id"), _text(get(c.report, "uuid"))),
        (c.t("Logiciel et image", "Software and image"), facts.software_text(c.report, c.lang)),
        (c.t("Signature", "Signature"), _verification_text(c)),
    ]  # fmt: skip
    _grid(pdf, rows, (55, 125), keys=True)


def _functions_section(pdf: _Doc, c: _Cert) -> None:
    """Every function of the PC and what its test said (issue #12, décret 2022-190: no
    "reconditionné" unless every function was tested)."""
    from deuxvie.functions.labels import function_rows

    functions = get(c.report, "functions") or []
    if not functions:
        return
    _heading(pdf, c.t("Fonctions du PC testées", "PC functions tested"))
    _grid(pdf, [list(row) for row in function_rows(list(functions), c.lang)], (40, 25, 115),
          keys=True)


Section = Callable[[_Doc, _Cert], None]
SUMMARY_SECTIONS: tuple[Section, ...] = (
    _title_section,
    _media_list_section,
    _verdict_section,
    _machine_and_workshop_section,
    _signature_section,
    _functions_section,
)


# ---- one section per disk ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Disk:
    disk: DiskErasure
    index: int
    total: int

    @property
    def record(self) -> Mapping[str, Any]:
        return self.disk.record

    @property
    def media(self) -> Mapping[str, Any]:
        return get(self.disk.record, "media", default={})


def _disk_title(pdf: _Doc, c: _Cert, d: _Disk) -> None:
    pdf.add_page()
    shown = d.disk.loop_note(c.lang) or d.disk.serial
    title = f"{c.t('Disque', 'Disk')} {d.index}/{d.total} : {_text(get(d.media, 'model'))}"
    _para(pdf, f"{title} ({shown})", size=14, line_h=7, bold=True)
    _banner(pdf, d.disk.text(c.lang), ok=d.disk.certified, size=12)
    if d.disk.problems:
        claimed = c.t("statut annoncé par l'outil", "status reported by the tool")
        because = "; ".join(p.text(c.lang) for p in d.disk.problems)
        _para(pdf, f"{c.t('Non certifié', 'Not certified')} ({claimed} : {d.disk.claimed}) : "
                   f"{because}", bold=True, color=_RED)  # fmt: skip


def _media_section(pdf: _Doc, c: _Cert, d: _Disk) -> None:
    media, rec = d.media, d.record
    kind = str(get(media, "kind", default="unknown"))
    device = get(c.report, "device", default={})
    source = " ".join(str(v) for v in (get(device, "vendor"), get(device, "model"),
                                       get(device, "serial")) if v)  # fmt: skip
    rows = [
        (c.t("Fabricant", "Manufacturer"), _text(get(media, "vendor"))),
        (c.t("Modèle", "Model"), _text(get(media, "model"))),
        (c.t("Numéro de série", "Serial number"),
         d.disk.shown_serial + (f"\n{d.disk.loop_note(c.lang)}" if d.disk.is_loop else "")),
        ("WWN / EUI", _text(get(media, "wwn"))),
        ("Firmware", _text(get(media, "firmware"))),
        (c.t("Type de support", "Media type"), pick(_KIND_TEXT.get(kind, (kind, kind)), c.lang)),
        ("Bus", _text(get(media, "bus"))),
        (c.t("Chemin / by-id", "Path / by-id"),
         f"{_text(get(media, 'path'))}\n{_text(get(media, 'by_id'))}"),
        (c.t("Secteurs logique / physique", "Logical / physical sector"),
         f"{_text(get(media, 'logical_sector_bytes'))} / "
         f"{_text(get(media, 'physical_sector_bytes'))} {c.t('octets', 'bytes')}"),
        (c.t("Taille apparente", "Apparent size"),
         _bytes(get(media, "apparent_size_bytes"), c.lang)),
        (c.t("Taille native", "Native size"), _bytes(get(media, "native_size_bytes"), c.lang)),
        ("HPA / DCO", f"{_text(get(media, 'hpa'))} / {_text(get(media, 'dco'))}"),
    ]  # fmt: skip
    if get(rec, "size_before_bytes") is not None:
        rows.append((c.t("Taille avant / après HPA", "Size before / after HPA"),
                     f"{_bytes(get(rec, 'size_before_bytes'), c.lang)} / "
                     f"{_bytes(get(rec, 'size_after_bytes'), c.lang)}"))  # fmt: skip
    rows.append((c.t("Provenance du support", "Media source"),
                 f"{source or '—'} ({c.t('inventaire', 'asset')} "
                 f"{_text(get(c.report, 'asset_id'))})"))  # fmt: skip
    _heading(pdf, c.t("Support (annexe G : identification)", "Media (Appendix G: identity)"))
    _grid(pdf, rows, (55, 125), keys=True)


def _destination(c: _Cert, disk: DiskErasure) -> str:
    """NIST App. G 'post-sanitization destination', from the record or derived."""
    given = get(disk.record, "destination")
    if given:
        return str(given)
    if not disk.certified:
        return c.t("Conservé à l'atelier : à ré-effacer ou à détruire physiquement",
                   "Kept in the workshop: to be erased again or physically destroyed")
    if get(c.report, "kind") == "loose_disk":
        return c.t("Réemploi du disque (disque seul)", "Reuse of the disk (loose disk)")
    for comp in get(c.report, "grade", "components", default=[]):
        if get(comp, "component") == f"disk:{disk.serial}" and get(comp, "status") == "fail":
            return c.t("Retiré de la machine : recyclage DEEE",
                       "Removed from the machine: WEEE recycling")
    return c.t("Réemploi dans la machine reconditionnée", "Reuse in the refurbished machine")


def _method_rows(c: _Cert, d: _Disk) -> list[tuple[str, str]]:
    rec = d.record
    throughput = get(rec, "throughput_bytes_per_s")
    rows = [
        (c.t("Catégorie NIST", "NIST category"), _text(get(rec, "category"))),
        (c.t("Technique", "Technique"), _text(get(rec, "technique"))),
        (c.t("Commandes exécutées", "Commands run"), facts.commands_text(rec, c.lang)),
        (c.t("Motif / passes", "Pattern / passes"),
         f"{_text(get(rec, 'pattern'))} / {_text(get(rec, 'passes'))}"),
        (c.t("Outil et version", "Tool and version"), _text(get(rec, "tool"))),
        (c.t("Méthode de vérification", "Verification method"), _text(get(rec, "verification"))),
        (c.t("Couverture vérifiée", "Verification coverage"),
         _pct(get(rec, "verification_coverage_pct"), c.lang)),
        (c.t("Octets écrits", "Bytes written"), _bytes(get(rec, "bytes_written"), c.lang)),
        (c.t("Octets vérifiés", "Bytes verified"), _bytes(get(rec, "bytes_verified"), c.lang)),
        (c.t("Débit", "Throughput"),
         f"{number(throughput / 1e6, c.lang, 1)} {c.t('Mo/s', 'MB/s')}"
         if isinstance(throughput, int | float) else "—"),
    ]  # fmt: skip
    if get(rec, "verification_samples"):
        rows.append((c.t("Plages relues", "Ranges read back"),
                     _text(get(rec, "verification_samples"))))  # fmt: skip
    return rows


def _sanitization_section(pdf: _Doc, c: _Cert, d: _Disk) -> None:
    rec = d.record
    notes = [facts.reason_text(r, c.lang) for r in get(rec, "reasons", default=[])]
    notes += [p.text(c.lang) for p in d.disk.problems]
    rows = [
        *_method_rows(c, d),
        (c.t("Début", "Start"), facts.date_time(get(rec, "started_at"))),
        (c.t("Fin", "End"), facts.date_time(get(rec, "ended_at"))),
        (c.t("Statut", "Status"), d.disk.text(c.lang)),
        (c.t("Destination après effacement", "Post-sanitization destination"),
         _destination(c, d.disk)),
        (c.t("Opérateur / lieu", "Operator / location"),
         f"{_text(get(c.report, 'operator'))} / {_text(get(c.report, 'organisation'))}, "
         f"{_text(get(c.report, 'station', 'id'))}"),
        (c.t("Notes", "Notes"), "\n".join(notes) or "—"),
    ]  # fmt: skip
    if get(rec, "firmware_log"):
        rows.append((c.t("Journal du firmware", "Firmware log"),
                     "\n".join(str(x) for x in get(rec, "firmware_log", default=[]))))  # fmt: skip
    _heading(pdf, c.t("Assainissement", "Sanitization"))
    _grid(pdf, rows, (55, 125), keys=True)


def _io_errors_section(pdf: _Doc, c: _Cert, d: _Disk) -> None:
    count = facts.error_count(d.record)
    if not count:
        return
    shown = get(d.record, "errors", default=[])[:MAX_ERRORS_LISTED]
    _heading(pdf, c.t(f"Erreurs d'E/S ({count})", f"I/O errors ({count})"))
    header = [c.t("Position (octet)", "Offset (byte)"), c.t("Longueur", "Length"),
              c.t("Phase", "Phase"), "Message"]  # fmt: skip
    rows = [[_text(get(e, "offset_bytes")), _text(get(e, "length_bytes")),
             _text(get(e, "phase")), _text(get(e, "message"))] for e in shown]  # fmt: skip
    _grid(pdf, rows, (45, 25, 25, 85), header=header)
    if count > len(shown):
        more = count - len(shown)
        _para(pdf, c.t(f"… et {more} autres erreurs (liste complète dans le rapport signé)",
                       f"… and {more} more errors (full list in the signed report)"))  # fmt: skip


def _smart_section(pdf: _Doc, c: _Cert, d: _Disk) -> None:
    smart = facts.smart_comparison(c.report, d.disk, c.lang)
    _heading(pdf, c.t("SMART avant / après l'effacement", "SMART before / after erasure"))
    if not smart.rows:
        _para(pdf, c.t("SMART non lu", "SMART not read"))
        return
    header = ["", c.t("Avant", "Before"), c.t("Après", "After")]
    rows: list[list[str | Cell]] = [
        [name, before, Cell(after, bold=changed, color=_RED if changed else None)]
            for name, before, after, changed in smart.rows]  # fmt: skip
    _grid(pdf, rows, (80, 50, 50), header=header)
    pdf.ln(1)
    _para(pdf, smart.summary, size=8.5, line_h=4)


DiskSection = Callable[[_Doc, _Cert, _Disk], None]
DISK_SECTIONS: tuple[DiskSection, ...] = (
    _disk_title,
    _media_section,
    _sanitization_section,
    _io_errors_section,
    _smart_section,
)


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
    ["certificate_url"]` is used if the service gave it, else facts.OFFLINE_SERVER.
    Raises ValueError for an unknown language or a report without uuid, FontMissing when
    DejaVu is not installed.
    """
    facts.check_lang(lang)
    if server is None and verification is not None and verification.get("certificate_url"):
        url = str(verification["certificate_url"])
    else:
        url = facts.certificate_url(report, server)
    cert = _Cert(report, facts.overall_erasure(report), verification, url, lang)
    pdf = _Doc(lang, str(get(report, "uuid")))
    pdf.set_title(f"{cert.t('Certificat d effacement', 'Erasure certificate')} "
                  f"{_text(get(report, 'asset_id'))}")  # fmt: skip
    pdf.set_author(_text(get(report, "organisation")))
    pdf.set_creator("deuxvie")
    pdf.add_page()
    for section in SUMMARY_SECTIONS:
        section(pdf, cert)
    for index, disk in enumerate(cert.overall.disks, 1):
        for disk_section in DISK_SECTIONS:
            disk_section(pdf, cert, _Disk(disk, index, len(cert.overall.disks)))
    return bytes(pdf.output())
