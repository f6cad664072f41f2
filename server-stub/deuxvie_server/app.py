"""Flask app factory: `create_app(Config)` builds everything from its config (each test
gets its own database; nothing is created at import time)."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from deuxvie_server import api, pages, service_key
from deuxvie_server.bodies import BodyWatchdog
from deuxvie_server.config import Config
from deuxvie_server.db import make_engine, make_sessionmaker, upgrade, write_engine, writer_queue
from deuxvie_server.errors import ApiError
from deuxvie_server.i18n import pick_lang, translate
from deuxvie_server.ingest import KeyCache, SettledRows
from deuxvie_server.ratelimit import RateLimit

CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def _wants_json() -> bool:
    path = request.path
    # the attestation PDF and its .sig are fetched by scripts too (OpenAPI: JSON errors)
    return (path.startswith("/api/")
            or path.endswith((".json", "/key", "/check-serial", ".pdf", ".sig"))
            or request.method != "GET")


def create_app(config: Config | None = None) -> Flask:
    config = config or Config.from_env()
    app = Flask(__name__)
    # Werkzeug refuses bodies over this size with 413 before the view reads them.
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    app.config["MAX_FORM_MEMORY_SIZE"] = 64 * 1024
    app.config["JSON_SORT_KEYS"] = False
    engine = make_engine(config.db_url)
    if config.migrate:
        upgrade(engine)
    app.extensions["deuxvie"] = {
        "config": config,
        "engine": engine,
        "sessions": make_sessionmaker(engine),
        "write_engine": write_engine(engine),
        # ORM sessions on the write engine, for writes other than ingest (db.write_transaction)
        "write_sessions": make_sessionmaker(write_engine(engine)),
        # SQLite has one writer at a time: queue this process's writers fairly (ingest.py).
        "write_lock": writer_queue(engine),
        "key_cache": KeyCache(),
        # donors and lots whose ingest statements are known no-ops (ingest.SettledRows)
        "settled_rows": SettledRows(),
        # cuts bodies that trickle in slower than bodies.MIN_RATE (one thread per process)
        "body_watchdog": BodyWatchdog(),
        "enrol_limit": RateLimit(),
        "serial_check_limit": RateLimit(attempts=10),
        # signs the delivery receipts of POST /api/v1/reports (ADR 0046)
        "service_key": service_key.resolve(config.service_key_path, config.db_url,
                                           config.service_key_pem),
    }

    @app.before_request
    def _refuse_nul() -> None:
        # PostgreSQL text cannot hold NUL (SQLite can): refuse it at the door with a 400
        # instead of a driver error (500) deep in a query. Found by schemathesis.
        if "\x00" in request.path or any(
            "\x00" in k or "\x00" in v for k, v in request.args.items(multi=True)
        ):
            raise ApiError(400, "bad_request", "NUL character in the URL")

    @app.after_request
    def _security_headers(resp: Response) -> Response:
        # Pages are server-rendered with one inline <style> and no script: nothing else
        # may load, and no other site may frame them (clickjacking the admin pages).
        resp.headers.setdefault("Content-Security-Policy", CSP)
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "no-referrer")
        if request.path != "/api/v1/openapi.json":
            # admin pages, CSV exports, API answers: never kept by a browser or proxy
            # cache (the certificate pages re-verify on every view, no-store too)
            resp.headers.setdefault("Cache-Control", "no-store")
        return resp

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> tuple[Response, int]:
        resp = jsonify(exc.body())
        if exc.status in (400, 408, 413):
            # the rest of the body was not read: the connection cannot be reused
            resp.headers["Connection"] = "close"
        return resp, exc.status

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        status = exc.code or 500
        error = (exc.name or "error").lower().replace(" ", "_")
        if _wants_json():
            resp = jsonify({"error": error, "message": exc.description or exc.name})
            if exc.code == 405 and exc.valid_methods:  # type: ignore[attr-defined]
                resp.headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
            return resp, status
        lang = pick_lang()
        return render_template(
            "error.html", lang=lang, t=lambda k, **kw: translate(lang, k, **kw),
            status=status, message=exc.description or exc.name,
        ), status

    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    return app
