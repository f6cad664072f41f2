"""HTML pages (French/English). Public: the certificate page /c/<uuid> (the QR target).
Everything else needs the admin token (cookie set by /login, or Bearer header)."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import importlib
import importlib.util
import io
import json
import secrets
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

from deuxvie_server import (
    accounts,
    api,
    attestation,
    bilan,
    intake,
    public_view,
    queries,
    service_key,
)
from deuxvie_server.accounts import Principal
from deuxvie_server.auth import (
    COOKIE,
    CSRF_COOKIE,
    page_principal,
    session_principal,
    token_principal,
)
from deuxvie_server.errors import ApiError
from deuxvie_server.i18n import pick_lang, translate
from deuxvie_server.models import Device, Donor, Lot, Report
from deuxvie_server.redirects import safe_next
from deuxvie_server.security import same
from deuxvie_server.verification import verify_stored

bp = Blueprint("pages", __name__)
F = TypeVar("F", bound=Callable[..., Any])
PAGE_SIZE = 200


def sessions() -> sessionmaker[Session]:
    sm: sessionmaker[Session] = current_app.extensions["deuxvie"]["sessions"]
    return sm


# Forms posted without a session (login, attestation check) carry a double-submit token:
# the form field must equal the SameSite=Strict cookie set with the form (OWASP CSRF
# Prevention Cheat Sheet, "Signed double-submit cookie"; a cross-site page can read
# neither).
PRE_SESSION_FORMS = ("/login", "/attestation/verify")


def csrf_token() -> str:
    found = session_principal()
    if found is not None:
        return found[1]
    token = request.cookies.get(CSRF_COOKIE) or getattr(request, "_dv_new_csrf", None)
    if not token:
        token = secrets.token_urlsafe(32)
        request._dv_new_csrf = token  # type: ignore[attr-defined]
    return token


@bp.before_app_request
def _check_csrf() -> None:
    if request.method != "POST" or request.path.startswith("/api/") or \
            request.blueprint != "pages":
        return
    sent = request.form.get("csrf_token", "")
    found = session_principal()
    if request.path in PRE_SESSION_FORMS and found is None:
        want = request.cookies.get(CSRF_COOKIE, "")
    else:
        want = found[1] if found is not None else ""
    if not sent or not want or not same(sent, want):
        abort(403, description="CSRF token missing or wrong: reload the form")


@bp.after_app_request
def _set_csrf_cookie(resp: Response) -> Response:
    new = getattr(request, "_dv_new_csrf", None)
    if new:
        resp.set_cookie(CSRF_COOKIE, new, httponly=True, samesite="Strict",
                        secure=_https())
    return resp


def _https() -> bool:
    public = current_app.extensions["deuxvie"]["config"].public_url or ""
    return request.is_secure or public.startswith("https://")


def render(template: str, **ctx: Any) -> str:
    lang = pick_lang()
    who = page_principal()
    return render_template(
        template, lang=lang, other_lang="en" if lang == "fr" else "fr",
        t=lambda key, **kw: translate(lang, key, **kw), csrf=csrf_token(), who=who,
        logged_in=session_principal() is not None, **ctx,
    )


def page_auth(*roles: str) -> Callable[[F], F]:
    """Pages for these roles (all roles when none given): no login -> the login form; a
    logged-in user of another role -> 403. The view gets the caller as `who`."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            who = page_principal()
            if who is None:
                if request.path.endswith((".pdf", ".sig")):
                    # fetched by scripts too (curl with a Bearer token): say so, as the API
                    raise ApiError(401, "unauthorized", "log in, or send a Bearer token")
                return redirect(url_for("pages.login", next=request.full_path))
            if roles and who.role not in roles:
                abort(403)
            return view(*args, who=who, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def admin_page(view: F) -> F:
    """The registry pages (devices, donors, lots, exports): network_admin."""
    inner = page_auth(accounts.NETWORK_ADMIN)(
        functools.wraps(view)(lambda *a, who, **kw: view(*a, **kw)))
    return inner  # type: ignore[return-value]


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


def _login_principal() -> Principal | None:
    username = request.form.get("username", "").strip()
    if username:
        with sessions()() as session:
            return accounts.authenticate(session, username[:100],
                                         request.form.get("password", "")[:1000])
    # the bootstrap admin token (or a stored API token) still opens a session
    return token_principal(request.form.get("token", ""))


@bp.post("/login")
def login_post() -> Any:
    target = safe_next(request.form.get("next"))  # never off-site (redirects.py)
    who = _login_principal()
    if who is None:
        return render("login.html", next=target, error=True), 401
    # on the writers' path like every write (issue 11 item 5: a deferred transaction that
    # then writes is "database is locked" under an ingest burst on SQLite)
    with api.writing() as session:
        sid, _csrf = accounts.open_session(session, who)
    resp = redirect(target)
    # the cookie holds a random session id (web_sessions), never a token (issue 11 #13)
    resp.set_cookie(COOKIE, sid, httponly=True, samesite="Strict", secure=_https(),
                    max_age=int(accounts.SESSION_TTL.total_seconds()))
    resp.delete_cookie(CSRF_COOKIE)
    return resp


@bp.post("/logout")
def logout() -> Any:
    sid = request.cookies.get(COOKIE)
    if sid:
        with api.writing() as session:
            accounts.end_session(session, sid)
    resp = redirect(url_for("pages.login"))
    resp.delete_cookie(COOKIE)
    return resp


@bp.get("/")
@page_auth()
def index(who: Principal) -> Any:
    if who.role == accounts.DONOR_VIEWER and who.donor_id:
        return redirect(url_for("pages.donor_bilan", donor_id=who.donor_id))
    if who.role != accounts.NETWORK_ADMIN:
        return redirect(url_for("pages.network_bilan"))
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
    """The QR target. Re-verifies the signature on every view (never a cached verdict).
    Shows the public view only (ADR 0048); `?serial=` answers "does it belong here?"."""
    from deuxvie_server import api  # the JSON side of the same rules

    serial = request.args.get("serial", "")[:128]
    belongs: bool | None = None
    with sessions()() as session:
        row = session.get(Report, str(rid))
        if row is None:
            return render("certificate_missing.html", rid=str(rid)), 404
        verification = verify_stored(session, row)
        report = verification.pop("report") or {}
        view = public_view.view(row.uuid, report, verification, row.payload_sha256)
        if serial.strip():
            try:
                belongs = api.check_serial_answer(session, row, serial)
            except ApiError as exc:
                abort(exc.status, description=exc.message)
        reader = api.certificate_reader(row) is not None
    has_pdf = importlib.util.find_spec("deuxvie.certificate") is not None
    resp = Response(render("certificate.html", rid=str(rid), v=verification, p=view,
                           has_pdf=has_pdf, reader=reader, serial=serial, belongs=belongs))
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/items/<int:item_id>/label.png")
@page_auth(accounts.OPERATOR, accounts.WORKSHOP_ADMIN, accounts.NETWORK_ADMIN)
def item_label(item_id: int, who: Principal) -> Response:
    """The asset-tag label printed at intake (issue 14), drawn by the agent's label
    renderer (deuxvie.label.render: Pillow, segno, python-barcode; no hardware code),
    imported here only: the rest of the service runs without it (404)."""
    try:
        render = importlib.import_module("deuxvie.label.render")
    except ImportError:
        abort(404, description="label rendering is not available on this server")
    size = request.args.get("size", "29x90")
    with sessions()() as session:
        item, lot = intake.readable_item(session, who, item_id)
        lines = (f"{item.category} · {lot.id}"[:80],
                 f"{lot.workshop_id or ''} · {item.serial or ''}".strip(" ·")[:80])
        tag = item.asset_tag
    if not tag:
        abort(404, description="this item has no asset tag")
    try:
        image = render.render_asset_tag(tag, tuple(x for x in lines if x), size)
    except ValueError as exc:
        abort(400, description=str(exc))
    resp = Response(render.png_bytes(image), mimetype="image/png")
    resp.headers["Content-Disposition"] = f'inline; filename="label-{tag}.png"'
    return resp


@bp.get("/c/<uuid:rid>/certificate.pdf")
def certificate_pdf(rid: UUID) -> Response:
    """Hook for the certificate helper: deuxvie.certificate.pdf.render_certificate(report,
    verification, lang) -> bytes. Imported lazily: the service runs without it (404).
    Public: the redacted report (no donor, operator, MACs, UUID; serials masked);
    `?full=1` for admins and the report's donor renders the whole report (ADR 0048)."""
    from deuxvie_server import api

    try:
        module = importlib.import_module("deuxvie.certificate.pdf")
        render_certificate = module.render_certificate
    except (ImportError, AttributeError):
        abort(404, description="PDF certificates are not available on this server")
    row, verification = _load(rid)
    report = verification.pop("report")
    if report is None:
        abort(404)
    if request.args.get("full") == "1":
        if api.certificate_reader(row) is None:
            abort(401 if page_principal() is None else 403)
    else:
        report = public_view.redacted_report(report)
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


# -- the balance and the donor's attestation (issue 14) ----------------------------------

def _year(default_now: bool = True) -> int:
    raw = request.args.get("year", "")
    if not raw and default_now:
        return dt.date.today().year
    if not (raw.isascii() and raw.isdigit() and len(raw) == 4 and 2000 <= int(raw) <= 2100):
        abort(400, description="year=YYYY (2000..2100)")
    return int(raw)


def _donor_scope(session: Session, who: Principal, donor_id: str) -> tuple[Donor, str | None]:
    """The donor (404) if the caller may see it (403), and the workshop it is limited to."""
    if not who.may_read_donor(donor_id):
        abort(403)
    donor = session.get(Donor, donor_id) if len(donor_id) <= 128 else None
    if donor is None:
        abort(404)
    workshop = who.workshop_filter()
    if workshop is None and who.is_network_admin and request.args.get("workshop"):
        workshop = request.args["workshop"][:64]
    return donor, workshop


def _donor_balance(session: Session, who: Principal, donor_id: str,
                   year: int) -> tuple[Donor, str | None, dict[str, Any]]:
    """The donor, the workshop the caller is limited to, and the donor's balance of the year
    (the HTML page and the CSV must count the same items)."""
    donor, workshop = _donor_scope(session, who, donor_id)
    b = bilan.balance(session, bilan.Scope(year=year, donor_id=donor_id, workshop_id=workshop))
    return donor, workshop, b


@bp.get("/donors/<donor_id>/bilan")
@page_auth()
def donor_bilan(donor_id: str, who: Principal) -> Any:
    year = _year()
    with sessions()() as session:
        donor, workshop, b = _donor_balance(session, who, donor_id, year)
        lots = [lot for lot in queries.lots(session, donor_id)
                if lot.received_on and lot.received_on.year == year
                and (workshop is None or lot.workshop_id == workshop)]
    resp = Response(render("bilan.html", donor=donor, b=b, year=year, lots=lots,
                           title=donor.name or donor.id))
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/bilan")
@page_auth(accounts.NETWORK_ADMIN, accounts.WORKSHOP_ADMIN, accounts.OPERATOR)
def network_bilan(who: Principal) -> Any:
    """The network's balance (a workshop's, for its staff), donor by donor."""
    year = _year()
    workshop = who.workshop_filter()
    with sessions()() as session:
        total = bilan.balance(session, bilan.Scope(year=year, workshop_id=workshop))
        rows = [(d, bilan.balance(session, bilan.Scope(year=year, donor_id=d.id,
                                                       workshop_id=workshop)))
                for d in queries.donors(session)]
    rows = [(d, b) for d, b in rows if b["received"]]
    return render("bilan_network.html", total=total, rows=rows, year=year,
                  workshop=workshop)


@bp.get("/donors/<donor_id>/bilan.csv")
@page_auth()
def donor_bilan_csv(donor_id: str, who: Principal) -> Response:
    year = _year()
    with sessions()() as session:
        _donor, _workshop, b = _donor_balance(session, who, donor_id, year)
    resp = _csv_response(f"bilan-{donor_id}-{year}.csv", bilan.CSV_HEADER,
                         iter([bilan.csv_row(b)]))
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _attestation(donor_id: str, who: Principal) -> tuple[bytes, dict[str, Any], str]:
    lot = request.args.get("lot") or None
    year = _year(default_now=False) if request.args.get("year") else None
    if (lot is None) == (year is None):
        abort(400, description="lot=<id> or year=YYYY")
    if lot is not None and len(lot) > 128:
        abort(404)
    ext = current_app.extensions["deuxvie"]
    config = ext["config"]
    server = (config.public_url or request.host_url).rstrip("/")
    key = service_key.of_app(ext)
    with sessions()() as session:
        _donor, workshop = _donor_scope(session, who, donor_id)
        try:
            att, pdf, sig = attestation.issue(session, key, server, donor_id, lot, year,
                                              workshop, pick_lang())
        except ApiError as exc:
            abort(exc.status, description=exc.message)
    return pdf, sig, att.filename


@bp.get("/donors/<donor_id>/attestation.pdf")
@page_auth()
def donor_attestation(donor_id: str, who: Principal) -> Response:
    pdf, _sig, name = _attestation(donor_id, who)
    resp = Response(pdf, mimetype="application/pdf")
    resp.headers["Content-Disposition"] = f'inline; filename="{name}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/donors/<donor_id>/attestation.pdf.sig")
@page_auth()
def donor_attestation_sig(donor_id: str, who: Principal) -> Response:
    _pdf, sig, name = _attestation(donor_id, who)
    resp = Response(json.dumps(sig, indent=1) + "\n", mimetype="application/json")
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}.sig"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/attestation/verify")
def attestation_verify_form() -> str:
    key = service_key.public_json(service_key.of_app(current_app.extensions["deuxvie"]))
    return render("attestation_verify.html", key=key, result=None)


@bp.post("/attestation/verify")
def attestation_verify() -> Any:
    """Anyone holding an attestation and its .sig checks them against this service's key."""
    key = service_key.public_json(service_key.of_app(current_app.extensions["deuxvie"]))
    pdf = request.files.get("pdf")
    sig = request.files.get("sig")
    if pdf is None or sig is None:
        return render("attestation_verify.html", key=key, result=(False, "PDF + .sig")), 400
    ok, why = service_key.verify_file(pdf.read(), sig.read(), key["public_key"])
    return render("attestation_verify.html", key=key, result=(ok, why)), 200 if ok else 422
