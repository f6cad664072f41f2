"""HTML pages (French/English). Public: the certificate page /c/<uuid> (the QR target).
Everything else needs the admin token (cookie set by /login, or Bearer header)."""

from __future__ import annotations

import csv
import functools
import importlib
import importlib.util
import io
from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from uuid import UUID

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from deuxvie_server import queries
from deuxvie_server.auth import COOKIE, is_admin, presented_token
from deuxvie_server.i18n import pick_lang, translate
from deuxvie_server.models import Device, Donor, Lot, Report
from deuxvie_server.redirects import safe_next
from deuxvie_server.verification import verify_stored

bp = Blueprint("pages", __name__)
F = TypeVar("F", bound=Callable[..., Any])
PAGE_SIZE = 200


def sessions() -> sessionmaker[Session]:
    sm: sessionmaker[Session] = current_app.extensions["deuxvie"]["sessions"]
    return sm


def render(template: str, **ctx: Any) -> str:
    lang = pick_lang()
    return render_template(
        template, lang=lang, other_lang="en" if lang == "fr" else "fr",
        t=lambda key, **kw: translate(lang, key, **kw), **ctx,
    )


def admin_page(view: F) -> F:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not is_admin(presented_token()):
            return redirect(url_for("pages.login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


UNITS = {"fr": ("o", "ko", "Mo", "Go", "To"), "en": ("B", "kB", "MB", "GB", "TB")}


def human_bytes(n: int | None, lang: str = "fr") -> str:
    """Decimal units, as disk vendors label capacity (a "250 GB" SSD reads 250.1 GB)."""
    if n is None:
        return "—"
    value = float(n)
    units = UNITS.get(lang, UNITS["en"])
    for unit in units:
        if abs(value) < 1000 or unit == units[-1]:
            return f"{value:.0f} {unit}" if unit == units[0] else f"{value:.1f} {unit}"
        value /= 1000
    return str(n)


@bp.app_template_filter("bytes")
def _bytes_filter(n: int | None, lang: str = "fr") -> str:
    return human_bytes(n, lang)


@bp.get("/login")
def login() -> str:
    return render("login.html", next=safe_next(request.args.get("next")), error=False)


@bp.post("/login")
def login_post() -> Any:
    token = request.form.get("token", "")
    target = safe_next(request.form.get("next"))  # never off-site (redirects.py)
    if not is_admin(token):
        return render("login.html", next=target, error=True), 401
    resp = redirect(target)
    resp.set_cookie(COOKIE, token, httponly=True, samesite="Strict", max_age=8 * 3600)
    return resp


@bp.get("/")
@admin_page
def index() -> Any:
    return redirect(url_for("pages.devices"))


@bp.get("/devices")
@admin_page
def devices() -> str:
    q = request.args.get("q", "").strip()[:200] or None
    with sessions()() as session:
        stmt = queries.devices_query(q)
        total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = [queries.device_json(session, d) for d in session.scalars(stmt.limit(PAGE_SIZE))]
    return render("devices.html", q=q or "", rows=rows, total=total)


@bp.get("/devices/<int:device_id>")
@admin_page
def device(device_id: int) -> str:
    with sessions()() as session:
        dev = session.get(Device, device_id) if device_id < 2**31 else None
        if dev is None:
            abort(404)
        info = queries.device_json(session, dev, with_reports=True)
        erasures = {
            r.uuid: [e for e in r.erasures] for r in dev.reports
        }
    return render("device.html", dev=info, erasures=erasures)


@bp.get("/donors")
@admin_page
def donors() -> str:
    with sessions()() as session:
        rows = [(d, queries.donor_ledger(session, d.id)) for d in queries.donors(session)]
        total = queries.donor_ledger(session)
    return render("donors.html", rows=rows, total=total)


@bp.get("/donors/<donor_id>")
@admin_page
def donor(donor_id: str) -> str:
    with sessions()() as session:
        d = session.get(Donor, donor_id)
        if d is None:
            abort(404)
        led = queries.donor_ledger(session, donor_id)
        lot_rows = [(lot, queries.donor_ledger(session, lot_id=lot.id))
                    for lot in queries.lots(session, donor_id)]
    return render("donor.html", donor=d, ledger=led, lots=lot_rows)


@bp.get("/lots")
@admin_page
def lots() -> str:
    with sessions()() as session:
        rows = [(lot, queries.donor_ledger(session, lot_id=lot.id))
                for lot in queries.lots(session)]
    return render("lots.html", rows=rows)


@bp.get("/lots/<lot_id>")
@admin_page
def lot(lot_id: str) -> str:
    with sessions()() as session:
        row = session.get(Lot, lot_id)
        if row is None:
            abort(404)
        led = queries.donor_ledger(session, lot_id=lot_id)
        reports = session.scalars(
            select(Report).where(Report.lot_id == lot_id).order_by(Report.received_at)
        ).all()
        items = [queries.report_json(r) for r in reports]
    return render("lot.html", lot=row, ledger=led, reports=items)


def _csv_cell(value: Any) -> Any:
    # Spreadsheet formula injection (OWASP "CSV Injection"): a donated machine's serial is
    # attacker-controlled text; prefix cells a spreadsheet would evaluate.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv_response(name: str, header: list[str], rows: Iterator[list[Any]]) -> Response:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    resp = Response(buf.getvalue(), mimetype="text/csv")
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp


@bp.get("/export/devices.csv")
@admin_page
def export_devices() -> Response:
    with sessions()() as session:
        return _csv_response(
            "deuxvie-devices.csv", queries.DEVICE_CSV_HEADER, queries.device_csv_rows(session)
        )


@bp.get("/export/erasure.csv")
@admin_page
def export_erasure() -> Response:
    with sessions()() as session:
        return _csv_response(
            "deuxvie-erasure.csv", queries.ERASURE_CSV_HEADER, queries.erasure_csv_rows(session)
        )


def _load(rid: UUID) -> tuple[Report, dict[str, Any]]:
    with sessions()() as session:
        row = session.get(Report, str(rid))
        if row is None:
            abort(404, description="unknown_cert")
        return row, verify_stored(session, row)


@bp.get("/c/<uuid:rid>")
def certificate(rid: UUID) -> Any:
    """The QR target. Re-verifies the signature on every view (never a cached verdict)."""
    with sessions()() as session:
        row = session.get(Report, str(rid))
        if row is None:
            return render("certificate_missing.html", rid=str(rid)), 404
        verification = verify_stored(session, row)
    report = verification.pop("report") or {}
    has_pdf = importlib.util.find_spec("deuxvie.certificate") is not None
    resp = Response(render("certificate.html", rid=str(rid), v=verification, r=report,
                           has_pdf=has_pdf))
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/c/<uuid:rid>/certificate.pdf")
def certificate_pdf(rid: UUID) -> Response:
    """Hook for the certificate helper: deuxvie.certificate.pdf.render_certificate(report,
    verification, lang) -> bytes. Imported lazily: the service runs without it (404)."""
    try:
        module = importlib.import_module("deuxvie.certificate.pdf")
        render_certificate = module.render_certificate
    except (ImportError, AttributeError):
        abort(404, description="PDF certificates are not available on this server")
    _row, verification = _load(rid)
    report = verification.pop("report")
    if report is None:
        abort(404)
    lang = pick_lang()
    if not verification["valid"]:
        verification["message"] = f"{translate(lang, 'invalid_text')} ({verification['reason']})"
    config = current_app.extensions["deuxvie"]["config"]
    server = (config.public_url or request.host_url).rstrip("/")  # serve sets public_url
    pdf: bytes = render_certificate(report, verification, lang, server=server)
    resp = Response(pdf, mimetype="application/pdf")
    resp.headers["Content-Disposition"] = f'inline; filename="certificat-{rid}.pdf"'
    resp.headers["Cache-Control"] = "no-store"
    return resp
