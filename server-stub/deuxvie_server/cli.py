"""`deuxvie-server` command line (the coordination service)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Sequence

from deuxvie_server import stations
from deuxvie_server.config import DEFAULT_DB_URL, Config
from deuxvie_server.db import current_revision, make_engine, make_sessionmaker, upgrade
from deuxvie_server.errors import ApiError


def _db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db", default=os.environ.get("DEUXVIE_DB", DEFAULT_DB_URL),
        help="SQLAlchemy URL: sqlite:///FILE (default) or postgresql+psycopg://user@host/db "
             "(env DEUXVIE_DB)",
    )


def _sessions(url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(url)
    upgrade(engine)
    return make_sessionmaker(engine)


def cmd_serve(args: argparse.Namespace) -> int:
    if args.workers is None:
        args.workers = (os.cpu_count() or 1) + 1
    config = Config(db_url=args.db, admin_token=args.admin_token or
                    os.environ.get("DEUXVIE_ADMIN_TOKEN") or None,
                    service_key_path=args.service_key)
    print(f"deuxvie-server: http://{args.host}:{args.port}/ (db {args.db}, "
          f"{args.workers or 'werkzeug'} workers)", file=sys.stderr)
    if args.workers == 0:  # one process, werkzeug's server (debugging)
        from werkzeug.serving import run_simple

        from deuxvie_server.app import create_app

        run_simple(args.host, args.port, create_app(config), threaded=True,
                   use_reloader=False)
        return 0
    from deuxvie_server.wsgi_server import serve

    serve(config, args.host, args.port, args.workers, args.threads)
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    engine = make_engine(args.db)
    upgrade(engine)
    print(f"database at revision {current_revision(engine)}")
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    with _sessions(args.db).begin() as session:
        token = stations.create_enrolment_token(
            session, args.note, dt.timedelta(hours=args.ttl_hours)
        )
    print(token)
    return 0


def cmd_admin_token_create(args: argparse.Namespace) -> int:
    with _sessions(args.db).begin() as session:
        token = stations.create_admin_token(session, args.note)
    print(token)
    return 0


def cmd_station_revoke(args: argparse.Namespace) -> int:
    try:
        with _sessions(args.db).begin() as session:
            station = stations.revoke(session, args.station_id)
            print(f"station {station.id} revoked at {station.revoked_at}")
    except ApiError as exc:
        print(f"deuxvie-server: {exc.message}", file=sys.stderr)
        return 1
    return 0


def cmd_station_list(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from deuxvie_server.models import Station

    with _sessions(args.db)() as session:
        for s in session.scalars(select(Station).order_by(Station.id)):
            state = f"revoked {s.revoked_at:%Y-%m-%d}" if s.revoked_at else "active"
            print(f"{s.id}\t{s.key_id}\t{state}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="deuxvie-server", description=(
        "Service de coordination deuxvie / deuxvie coordination service"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("serve", help="run the HTTP service (applies migrations first)")
    _db_arg(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--admin-token", help="accept this admin token (else DEUXVIE_ADMIN_TOKEN "
                   "or tokens made by `admin-token create`)")
    p.add_argument("--service-key", default=os.environ.get("DEUXVIE_SERVICE_KEY") or None,
                   help="PEM file of the service's receipt-signing key, created on first "
                        "start (env DEUXVIE_SERVICE_KEY; default: beside a SQLite database)")
    p.add_argument("--workers", type=int, default=None,
                   help="gunicorn worker processes (default: cores + 1; 0: werkzeug, one "
                        "process, for debugging)")
    p.add_argument("--threads", type=int, default=4, help="threads per worker (default 4)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("db", help="database maintenance")
    dbsub = p.add_subparsers(dest="db_command", required=True)
    q = dbsub.add_parser("upgrade", help="apply schema migrations (alembic) up to head")
    _db_arg(q)
    q.set_defaults(func=cmd_db_upgrade)

    p = sub.add_parser("token", help="one-time station enrolment tokens")
    tsub = p.add_subparsers(dest="token_command", required=True)
    q = tsub.add_parser("create", help="print a new enrolment token")
    _db_arg(q)
    q.add_argument("--note", help="what the token is for (kept with it)")
    q.add_argument("--ttl-hours", type=float, default=24 * 7)
    q.set_defaults(func=cmd_token_create)

    p = sub.add_parser("admin-token", help="admin tokens (API and pages)")
    asub = p.add_subparsers(dest="admin_command", required=True)
    q = asub.add_parser("create", help="print a new admin token")
    _db_arg(q)
    q.add_argument("--note")
    q.set_defaults(func=cmd_admin_token_create)

    p = sub.add_parser("station", help="enrolled stations")
    ssub = p.add_subparsers(dest="station_command", required=True)
    q = ssub.add_parser("revoke", help="refuse reports signed by this station from now on")
    _db_arg(q)
    q.add_argument("station_id")
    q.set_defaults(func=cmd_station_revoke)
    q = ssub.add_parser("list", help="list stations")
    _db_arg(q)
    q.set_defaults(func=cmd_station_list)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
