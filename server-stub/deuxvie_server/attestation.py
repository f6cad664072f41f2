"""The donor's erasure attestation (issue 14): one PDF per donor and lot (or year) listing
every data-bearing item received, each disk's serial, method, verification and status,
the certificate URL (QR), the items not erased and why; with the year's balance. Signed by
the service's Ed25519 key (service_key.py) as a detached signature over the PDF's bytes.

The PDF is a function of the database only (its date is the latest event in scope, not
"now"), so `attestation.pdf` and `attestation.pdf.sig` fetched separately match, and the
same state gives the same bytes. ADR 0047.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import segno
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from deuxvie.certificate.fonts import font_path
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from deuxvie_server import bilan, intake, service_key
from deuxvie_server.errors import ApiError
from deuxvie_server.models import Donor, Item, ItemEvent, Lot, Report

_GREEN = (0, 110, 40)
_RED = (180, 0, 0)
_GREY = (235, 235, 235)


@dataclass(frozen=True)
class DiskRow:
    serial: str
    method: str
    verification: str
    status: str
    certified: bool


@dataclass(frozen=True)
class ItemRow:
    item_id: int
    asset_tag: str
    category: str
    serial: str
    state: str
    outcome: str  # ERASED | DESTROYED | PENDING (still in the workshop, not erased yet)
    why: str | None
    certificate_uuid: str | None
    disks: tuple[DiskRow, ...]


@dataclass
class Attestation:
    donor_id: str
    donor_name: str | None
    territory: str | None
    scope: str  # "lot L2024-... (ref, date)" / "2024"
    lots: list[tuple[str, str | None, str | None]]
    rows: list[ItemRow]
    other_items: dict[str, int]  # items that bear no data, by category
    balance: dict[str, Any]
    as_of: dt.datetime
    filename: str = field(default="attestation.pdf")

    @property
    def counts(self) -> dict[str, int]:
        out = {"ERASED": 0, "DESTROYED": 0, "PENDING": 0}
        for r in self.rows:
            out[r.outcome] += 1
        return out


def _aware(ts: dt.datetime) -> dt.datetime:
    return ts if ts.tzinfo else ts.replace(tzinfo=dt.UTC)


def collect(session: Session, donor_id: str, lot_id: str | None = None,
            year: int | None = None, workshop_id: str | None = None) -> Attestation:
    donor = session.get(Donor, donor_id) if len(donor_id) <= 128 else None
    if donor is None:
        raise ApiError(404, "not_found", f"no donor {donor_id!r}")
    if (lot_id is None) == (year is None):
        raise ApiError(400, "bad_query", "give lot=<id> or year=YYYY")
    stmt = select(Lot).where(Lot.donor_id == donor_id).order_by(Lot.received_on, Lot.id)
    if lot_id is not None:
        stmt = stmt.where(Lot.id == lot_id)
    else:
        assert year is not None
        stmt = stmt.where(Lot.received_on >= dt.date(year, 1, 1),
                          Lot.received_on <= dt.date(year, 12, 31))
    if workshop_id is not None:
        stmt = stmt.where(Lot.workshop_id == workshop_id)
    lots = list(session.scalars(stmt))
    if lot_id is not None and not lots:
        raise ApiError(404, "not_found", f"no lot {lot_id!r} of donor {donor_id!r}")
    lot_ids = [lot.id for lot in lots]
    items = list(session.scalars(select(Item).where(Item.lot_id.in_(lot_ids))
                                 .order_by(Item.id))) if lot_ids else []
    rows: list[ItemRow] = []
    others: dict[str, int] = {}
    for item in items:
        if item.category not in intake.DATA_BEARING:
            others[item.category] = others.get(item.category, 0) + 1
            continue
        rows.append(_row(session, item))
    order = {"ERASED": 0, "DESTROYED": 1, "PENDING": 2}
    rows.sort(key=lambda r: (order[r.outcome], r.item_id))  # the proof first, then the rest
    if lot_id is not None:
        lot = lots[0]
        scope = f"{lot.id} — {lot.reference or ''} ({lot.received_on or '?'})"
        scope_obj = bilan.Scope(year=None, donor_id=donor_id, lot_id=lot.id,
                                workshop_id=workshop_id)
        filename = f"attestation-{donor_id}-{lot.id}.pdf"
    else:
        scope = str(year)
        scope_obj = bilan.Scope(year=year, donor_id=donor_id, workshop_id=workshop_id)
        filename = f"attestation-{donor_id}-{year}.pdf"
    as_of = _as_of(session, lot_ids)
    return Attestation(
        donor_id=donor_id, donor_name=donor.name, territory=donor.territory, scope=scope,
        lots=[(lot.id, lot.reference, lot.received_on.isoformat() if lot.received_on
               else None) for lot in lots],
        rows=rows, other_items=dict(sorted(others.items())),
        balance=bilan.balance(session, scope_obj), as_of=as_of, filename=filename)


def _as_of(session: Session, lot_ids: Sequence[str]) -> dt.datetime:
    """The latest thing that happened in scope: the attestation's date (deterministic)."""
    if not lot_ids:
        return dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    last_event = session.scalar(select(func.max(ItemEvent.at)).join(
        Item, ItemEvent.item_id == Item.id).where(Item.lot_id.in_(lot_ids)))
    tags = select(Item.asset_tag).where(Item.lot_id.in_(lot_ids))
    last_report = session.scalar(select(func.max(Report.received_at)).where(
        Report.asset_id.in_(tags)))
    stamps = [_aware(t) for t in (last_event, last_report) if t is not None]
    return max(stamps) if stamps else dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def _row(session: Session, item: Item) -> ItemRow:
    ev = intake.erasure_evidence(session, item)
    destroyed: list[str] = []
    destruction = False
    for event in session.scalars(select(ItemEvent).where(
            ItemEvent.item_id == item.id, ItemEvent.removed_for_destruction.is_(True))):
        destruction = True
        detail = json.loads(event.detail) if event.detail else {}
        destroyed += [str(s) for s in detail.get("destroyed_disk_serials", [])]
    disks = [DiskRow(d.serial or "—", (d.method or "—").upper(), d.verification or "—",
                     d.status, d.certified) for d in ev.disks]
    if ev.certified:
        outcome, why = "ERASED", None
    elif destruction:
        outcome = "DESTROYED"
        why = "support de stockage retiré pour destruction / storage removed for destruction"
        known = {d.serial for d in disks}
        disks += [DiskRow(s, "—", "—", "DESTROYED", False) for s in destroyed
                  if s not in known]
        if not disks:
            disks = [DiskRow("(n° non relevé / not recorded)", "—", "—", "DESTROYED", False)]
    else:
        # the decision gate keeps it in the workshop until it is erased or destroyed
        outcome, why = "PENDING", f"{item.state}: {ev.reason}"
    return ItemRow(item.id, item.asset_tag or "—", item.category, item.serial or "—",
                   item.state, outcome, why, ev.report_uuid if ev.signature_valid else None,
                   tuple(disks))


# -- PDF ---------------------------------------------------------------------------------

def _t(lang: str, fr: str, en: str) -> str:
    return fr if lang == "fr" else en


class _Doc(FPDF):
    def __init__(self, lang: str, key_id: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.lang = lang
        self.key_id = key_id
        self.add_font("DejaVu", "", str(font_path("regular")))
        self.add_font("DejaVu", "B", str(font_path("bold")))
        self.set_auto_page_break(auto=True, margin=14)
        self.set_margins(12, 12, 12)

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font("DejaVu", "", 7)
        self.set_text_color(90, 90, 90)
        self.cell(0, 4, _t(self.lang, "Signé par le service, clé Ed25519 ",
                           "Signed by the service, Ed25519 key ") + self.key_id, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 4, f"{self.page_no()}/{{nb}}", align="R")
        self.set_text_color(0, 0, 0)


def _fit(pdf: FPDF, text: str, width: float) -> str:
    if pdf.get_string_width(text) <= width - 1:
        return text
    while text and pdf.get_string_width(text + "…") > width - 1:
        text = text[:-1]
    return text + "…"


def render_pdf(att: Attestation, server: str, key_id: str, lang: str = "fr") -> bytes:
    pdf = _Doc(lang, key_id)
    pdf.set_creation_date(att.as_of)
    pdf.set_title(f"Attestation d'effacement — {att.donor_id} — {att.scope}")
    pdf.set_author("deuxvie")
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(0, 7, _t(lang, "Attestation d'effacement des données et bilan des dons",
                            "Data erasure attestation and donation balance"),
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("DejaVu", "", 9)
    head = [
        (_t(lang, "Donateur", "Donor"), f"{att.donor_name or att.donor_id} ({att.donor_id})"),
        (_t(lang, "Territoire", "Territory"), att.territory or "—"),
        (_t(lang, "Périmètre", "Scope"), att.scope),
        (_t(lang, "Lots", "Lots"), ", ".join(f"{i} ({d or '?'})" for i, _r, d in att.lots)
         or "—"),
        (_t(lang, "État au", "As of"), att.as_of.strftime("%Y-%m-%d %H:%M UTC")),
        (_t(lang, "Service", "Service"), server),
    ]
    _kv(pdf, head)
    c = att.counts
    pdf.ln(2)
    ok = c["PENDING"] == 0
    pdf.set_font("DejaVu", "B", 11)
    pdf.set_text_color(*(_GREEN if ok else _RED))
    pdf.multi_cell(0, 6, _t(
        lang,
        f"{len(att.rows)} appareils porteurs de données : {c['ERASED']} effacés (certificat "
        f"VALIDE), {c['DESTROYED']} stockage détruit, {c['PENDING']} pas encore effacés "
        "(encore à l'atelier)",
        f"{len(att.rows)} data-bearing items: {c['ERASED']} erased (VALID certificate), "
        f"{c['DESTROYED']} storage destroyed, {c['PENDING']} not erased yet (still in the "
        "workshop)"),
        new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    _balance(pdf, att.balance, lang)
    _items(pdf, att, server, lang)
    pdf.ln(3)
    pdf.set_font("DejaVu", "", 8)
    pdf.multi_cell(0, 4, _t(
        lang,
        "Chaque certificat a été revérifié (signature Ed25519 du poste) à l'émission de "
        "cette attestation. Cette attestation est signée par le service (signature "
        f"détachée {att.filename}.sig) ; vérifier : deuxvie-server verify-attestation "
        f"{att.filename} --sig {att.filename}.sig --server {server}, ou sur "
        f"{server}/attestation/verify.",
        "Every certificate was re-verified (station's Ed25519 signature) when this "
        "attestation was issued. This attestation is signed by the service (detached "
        f"signature {att.filename}.sig); verify: deuxvie-server verify-attestation "
        f"{att.filename} --sig {att.filename}.sig --server {server}, or at "
        f"{server}/attestation/verify."), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    out = pdf.output()
    return bytes(out)


def _kv(pdf: FPDF, rows: Sequence[tuple[str, str]]) -> None:
    for k, v in rows:
        pdf.set_font("DejaVu", "B", 8.5)
        pdf.cell(40, 5, k, border=1, fill=False)
        pdf.set_font("DejaVu", "", 8.5)
        pdf.cell(0, 5, _fit(pdf, v, pdf.epw - 40), border=1, new_x=XPos.LMARGIN,
                 new_y=YPos.NEXT)


def _balance(pdf: FPDF, b: dict[str, Any], lang: str) -> None:
    pdf.ln(2)
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(0, 6, _t(lang, "Bilan des dons", "Donation balance"), new_x=XPos.LMARGIN,
             new_y=YPos.NEXT)
    audit = b["in_audit"]
    cats = ", ".join(f"{n} {k}" for k, n in audit["by_category"].items()) or "—"
    _kv(pdf, [
        (_t(lang, "Reçus", "Received"), str(b["received"])),
        (_t(lang, "En diagnostic", "In audit"), f"{audit['total']} ({cats})"),
        (_t(lang, "Reconditionnés", "Refurbished"), str(b["refurbished"])),
        (_t(lang, "Distribués", "Distributed"), str(b["distributed"])),
        (_t(lang, "Recyclés (DEEE)", "Recycled (WEEE)"), str(b["recycled_weee"])),
        (_t(lang, "CO2e évité", "CO2e avoided"), f"{b['co2e_avoided_kg']:.1f} kg"),
        (_t(lang, "DEEE évités", "WEEE avoided"), f"{b['weee_avoided_kg']:.1f} kg"),
    ])
    pdf.set_font("DejaVu", "", 7)
    pdf.multi_cell(0, 3.5, _t(lang, "Facteurs : ", "Factors: ") + b["factors_source"],
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)


_COLS = ((23, "N° inventaire", "Asset tag"), (18, "Type", "Type"),
         (24, "N° série", "Serial"), (32, "Disque", "Disk serial"),
         (14, "Méthode", "Method"), (14, "Vérif.", "Verif."),
         (29, "Statut", "Status"), (32, "Certificat", "Certificate"))
_STATUS = {"ERASED": ("EFFACÉ", "ERASED"), "ERASED_WITH_WARNINGS": ("EFFACÉ (réserves)",
           "ERASED (warnings)"), "DESTROYED": ("DÉTRUIT", "DESTROYED"),
           "PENDING": ("EN ATTENTE", "PENDING"), "MISSING": ("NON EFFACÉ (absent)",
           "NOT ERASED (missing)"), "FAILED": ("ÉCHEC", "FAILED"),
           "INTERRUPTED": ("INTERROMPU", "INTERRUPTED"), "SKIPPED": ("NON EFFACÉ", "SKIPPED")}


def _items(pdf: FPDF, att: Attestation, server: str, lang: str) -> None:
    pdf.ln(2)
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(0, 6, _t(lang, "Appareils porteurs de données et leurs disques",
                      "Data-bearing items and their disks"), new_x=XPos.LMARGIN,
             new_y=YPos.NEXT)

    def header() -> None:
        pdf.set_font("DejaVu", "B", 7)
        pdf.set_fill_color(*_GREY)
        for w, fr, en in _COLS:
            pdf.cell(w, 5, _t(lang, fr, en), border=1, fill=True)
        pdf.ln(5)

    header()
    for row in att.rows:
        disks = row.disks or (DiskRow("—", "—", "—", row.outcome, False),)
        qr = row.certificate_uuid is not None and row.outcome == "ERASED"
        line_h = 4.5
        height = max(line_h * len(disks), 13.0 if qr else line_h)
        if pdf.will_page_break(height + (6 if row.why else 0)):
            pdf.add_page()
            header()
        x0, y0 = pdf.get_x(), pdf.get_y()
        pdf.set_font("DejaVu", "", 7)
        for i, d in enumerate(disks):
            pdf.set_xy(x0, y0 + i * line_h)
            cells = (row.asset_tag if i == 0 else "", row.category if i == 0 else "",
                     row.serial if i == 0 else "", d.serial, d.method, d.verification)
            for (w, _fr, _en), text in zip(_COLS[:6], cells, strict=True):
                pdf.cell(w, line_h, _fit(pdf, text, w))
            color = _GREEN if d.certified else _RED
            pdf.set_text_color(*color)
            pdf.set_font("DejaVu", "B", 7)
            fr, en = _STATUS.get(d.status, (d.status, d.status))
            pdf.cell(_COLS[6][0], line_h, _fit(pdf, _t(lang, fr, en), _COLS[6][0]))
            pdf.set_font("DejaVu", "", 7)
            pdf.set_text_color(0, 0, 0)
        x_cert = x0 + sum(w for w, _f, _e in _COLS[:7])
        if qr:
            url = f"{server}/c/{row.certificate_uuid}"
            buf = io.BytesIO()
            segno.make(url, error="m").save(buf, kind="png", scale=4, border=1)
            buf.seek(0)
            pdf.image(buf, x=x_cert, y=y0 + 0.5, w=12, h=12)
            pdf.set_font("DejaVu", "", 5)
            pdf.set_xy(x_cert + 12.5, y0 + 0.5)
            pdf.multi_cell(_COLS[7][0] - 12.5, 2.2, f"/c/{row.certificate_uuid}")
            pdf.set_font("DejaVu", "", 7)
        pdf.rect(x0, y0, sum(w for w, _f, _e in _COLS), height)
        pdf.set_xy(x0, y0 + height)
        if row.why:
            pdf.set_font("DejaVu", "", 6.5)
            pdf.set_text_color(120, 0, 0)
            pdf.multi_cell(0, 3.2, "  → " + row.why, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.set_text_color(0, 0, 0)
    if att.other_items:
        pdf.ln(2)
        pdf.set_font("DejaVu", "", 8)
        others = ", ".join(f"{n} {k}" for k, n in att.other_items.items())
        pdf.multi_cell(0, 4, _t(lang, "Sans stockage de données (non concernés) : ",
                                "Bearing no data (not concerned): ") + others,
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)


# -- for the CLI, the pages and `make demo` ----------------------------------------------

def issue(session: Session, key: Ed25519PrivateKey, server: str, donor_id: str,
          lot_id: str | None = None, year: int | None = None,
          workshop_id: str | None = None, lang: str = "fr"
          ) -> tuple[Attestation, bytes, dict[str, Any]]:
    """(attestation, PDF bytes, detached signature) for a donor's lot or year."""
    att = collect(session, donor_id, lot_id, year, workshop_id)
    pdf = render_pdf(att, server, service_key.public_json(key)["key_id"], lang)
    return att, pdf, service_key.sign_file(key, pdf, att.filename)


def write_attestation(db_url: str, donor_id: str, out_dir: Path, *, lot_id: str | None = None,
                      year: int | None = None, server: str = "http://127.0.0.1:8080",
                      key_file: str | None = None, lang: str = "fr") -> tuple[Path, Path]:
    """Write `<out_dir>/attestation-<donor>-<lot|year>.pdf` and its `.sig`; the paths.
    (What `deuxvie-server attestation` and `make demo` call.)"""
    from deuxvie_server.db import make_engine, make_sessionmaker, upgrade

    engine = make_engine(db_url)
    upgrade(engine)
    key = service_key.resolve(key_file or os.environ.get("DEUXVIE_SERVICE_KEY"), db_url)
    try:
        with make_sessionmaker(engine)() as session:
            att, pdf, sig = issue(session, key, server.rstrip("/"), donor_id, lot_id, year,
                                  lang=lang)
    finally:
        engine.dispose()
    out_dir.mkdir(parents=True, exist_ok=True)
    pdf_path = out_dir / att.filename
    pdf_path.write_bytes(pdf)
    sig_path = out_dir / (att.filename + ".sig")
    sig_path.write_text(json.dumps(sig, indent=1) + "\n", encoding="utf-8")
    return pdf_path, sig_path
