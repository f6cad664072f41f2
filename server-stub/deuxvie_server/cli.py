"""`deuxvie-server` command line (the coordination service)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from deuxvie_server import roles
from deuxvie_server.config import DEFAULT_DB_URL, Config
from deuxvie_server.errors import ApiError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

# The database layer (SQLAlchemy, the models, alembic) is imported by the commands that use
# it, not by the parser: `deuxvie-server --help` and the offline verify-* commands pay
# none of it (issue 16, docs/adr/0095).

# Threads per gunicorn worker. gthread gives a connection a thread from when its request is
# readable until answered, including the time its body takes to arrive: with 4 threads x 3
# workers, 32 clients trickling bodies held every thread and normal requests waited 30 s+
# (issue 11 item 6; tests/server/test_harden_slow_clients.py). 32 threads a worker leaves
# room beside them while bodies.py cuts the tricklers after their grace time.
THREADS = 32


def _db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db", default=os.environ.get("DEUXVIE_DB", DEFAULT_DB_URL),
        help="SQLAlchemy URL: sqlite:///FILE (default) or postgresql+psycopg://user@host/db "
             "(env DEUXVIE_DB)",
    )


def _sessions(url: str):  # type: ignore[no-untyped-def]
    from deuxvie_server.db import make_engine, make_sessionmaker, upgrade

    engine = make_engine(url)
    upgrade(engine)
    return make_sessionmaker(engine)


def _write(url: str) -> AbstractContextManager[Session]:
    """A write transaction queued with the running service's writers (db.write_transaction:
    the same flock queue and BEGIN IMMEDIATE on SQLite)."""
    from deuxvie_server.db import (
        make_engine,
        make_sessionmaker,
        upgrade,
        write_engine,
        write_transaction,
        writer_queue,
    )

    engine = make_engine(url)
    upgrade(engine)
    return write_transaction(make_sessionmaker(write_engine(engine)), writer_queue(engine))


def cmd_serve(args: argparse.Namespace) -> int:
    if args.workers is None:
        args.workers = (os.cpu_count() or 1) + 1
    if args.admin_token is not None:
        # argv is world-readable in /proc/*/cmdline and ps (issue 11 item 13)
        print("deuxvie-server: --admin-token is refused (visible in ps); use "
              "DEUXVIE_ADMIN_TOKEN or --admin-token-file FILE", file=sys.stderr)
        return 2
    token = os.environ.get("DEUXVIE_ADMIN_TOKEN") or None
    if args.admin_token_file:
        try:
            with open(args.admin_token_file, encoding="utf-8") as fh:
                token = fh.read().strip() or None
        except OSError as exc:
            print(f"deuxvie-server: {args.admin_token_file}: {exc.strerror}", file=sys.stderr)
            return 2
    # certificate URLs and the PDF link never come from the Host header: the public URL
    # from the environment, else the address served
    public_url = (os.environ.get("DEUXVIE_PUBLIC_URL") or
                  f"http://{args.host}:{args.port}").rstrip("/")
    config = Config(db_url=args.db, admin_token=token, public_url=public_url,
                    service_key_path=args.service_key)
    print(f"deuxvie-server: http://{args.host}:{args.port}/ ({public_url}, db {args.db}, "
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
    from deuxvie_server.db import current_revision, make_engine, upgrade

    engine = make_engine(args.db)
    upgrade(engine)
    print(f"database at revision {current_revision(engine)}")
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    from deuxvie_server import stations

    with _write(args.db) as session:
        token = stations.create_enrolment_token(
            session, args.note, dt.timedelta(hours=args.ttl_hours), workshop_id=args.workshop
        )
    print(token)
    return 0


def _user_id(session, username: str | None) -> int | None:  # type: ignore[no-untyped-def]
    if username is None:
        return None
    from sqlalchemy import select

    from deuxvie_server.models import User

    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise ApiError(404, "not_found", f"no user {username!r}")
    return int(user.id)


def cmd_admin_token_create(args: argparse.Namespace) -> int:
    from deuxvie_server import stations

    with _write(args.db) as session:
        token = stations.create_admin_token(
            session, args.note, _user_id(session, args.user), dt.timedelta(days=args.ttl_days))
    print(token)
    return 0


def cmd_admin_token_list(args: argparse.Namespace) -> int:
    from deuxvie_server import accounts
    from deuxvie_server.models import User

    with _sessions(args.db)() as session:
        names = {u.id: u.username for u in session.query(User)}
        for row in accounts.list_tokens(session, everyone=True):
            info = accounts.token_json(row, names.get(row.user_id or -1))
            state = f"revoked {info['revoked_at']}" if info["revoked_at"] else \
                f"expires {info['expires_at']}"
            print(f"{info['id']}\t{info['user'] or '(network_admin)'}\t{state}\t"
                  f"{info['note'] or ''}")
    return 0


def cmd_admin_token_revoke(args: argparse.Namespace) -> int:
    from deuxvie_server import accounts

    with _write(args.db) as session:
        row = accounts.revoke_token(session, args.token_id)
        print(f"token {row.token_id} revoked at {row.revoked_at}")
    return 0


def cmd_workshop_create(args: argparse.Namespace) -> int:
    from deuxvie_server import accounts

    with _write(args.db) as session:
        accounts.create_workshop(session, args.workshop_id, args.name, args.territory)
    print(f"workshop {args.workshop_id} created")
    return 0


def cmd_user_create(args: argparse.Namespace) -> int:
    from deuxvie_server import accounts

    # the password comes from the environment or stdin, never argv (/proc/*/cmdline)
    password = os.environ.get("DEUXVIE_PASSWORD") or sys.stdin.readline().rstrip("\n")
    with _write(args.db) as session:
        user = accounts.create_user(session, args.username, password, args.role,
                                    args.workshop, args.donor)
        print(f"user {user.username} ({user.role}) created")
    return 0


def cmd_station_revoke(args: argparse.Namespace) -> int:
    from deuxvie_server import stations

    try:
        with _write(args.db) as session:
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


def cmd_attestation(args: argparse.Namespace) -> int:
    from pathlib import Path

    from deuxvie_server.attestation import write_attestation

    if (args.lot is None) == (args.year is None):
        print("deuxvie-server: give --lot or --year", file=sys.stderr)
        return 2
    pdf, sig = write_attestation(args.db, args.donor, Path(args.out), lot_id=args.lot,
                                 year=args.year, server=args.server, lang=args.lang)
    print(pdf)
    print(sig)
    return 0


def cmd_verify_attestation(args: argparse.Namespace) -> int:
    """Exit 0 and VALID, or exit 1 and INVALID with the reason."""
    from pathlib import Path

    from deuxvie_server import service_key

    pdf = Path(args.pdf).read_bytes()
    sig = Path(args.sig or args.pdf + ".sig").read_bytes()
    if args.public_key:
        public = args.public_key
    elif args.server:
        import requests

        resp = requests.get(args.server.rstrip("/") + "/api/v1/service-key", timeout=10)
        resp.raise_for_status()
        public = resp.json()["public_key"]
    else:
        key = service_key.resolve(args.key_file or os.environ.get("DEUXVIE_SERVICE_KEY"),
                                  args.db)
        public = service_key.public_json(key)["public_key"]
    ok, why = service_key.verify_file(pdf, sig, public)
    print(f"{'VALIDE / VALID' if ok else 'INVALIDE / INVALID'}: {why}")
    return 0 if ok else 1


def cmd_verify_public_view(args: argparse.Namespace) -> int:
    """A certificate's public view (/c/<uuid>.json) against the service's pinned public key,
    offline; with --envelope, also that the full envelope is the one it speaks of."""
    from pathlib import Path

    from deuxvie_server import public_view

    doc = Path(args.file).read_bytes()
    envelope = Path(args.envelope).read_bytes() if args.envelope else None
    ok, why = public_view.verify(doc, args.public_key, envelope)
    print(f"{'VALIDE / VALID' if ok else 'INVALIDE / INVALID'}: {why}")
    return 0 if ok else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="deuxvie-server", description=(
        "Service de coordination deuxvie / deuxvie coordination service"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("serve", help="run the HTTP service (applies migrations first)")
    _db_arg(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--admin-token", help=argparse.SUPPRESS)  # refused: shows in ps
    p.add_argument("--admin-token-file", metavar="FILE",
                   help="accept the admin token this file holds (else DEUXVIE_ADMIN_TOKEN, "
                        "or tokens made by `admin-token create`; never on the command line)")
    p.add_argument("--service-key", default=os.environ.get("DEUXVIE_SERVICE_KEY") or None,
                   help="PEM file of the service's receipt-signing key, created on first "
                        "start (env DEUXVIE_SERVICE_KEY; default: beside a SQLite database)")
    p.add_argument("--workers", type=int, default=None,
                   help="gunicorn worker processes (default: cores + 1; 0: werkzeug, one "
                        "process, for debugging)")
    p.add_argument("--threads", type=int, default=THREADS,
                   help=f"threads per worker (default {THREADS}: a thread waiting on a slow "
                        "client's body costs no CPU, see docs/deployment.md)")
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
    q.add_argument("--workshop", help="the workshop the enrolled station belongs to (its "
                                      "reports land in that workshop's ledger)")
    q.set_defaults(func=cmd_token_create)

    p = sub.add_parser("admin-token", help="admin tokens (API and pages)")
    asub = p.add_subparsers(dest="admin_command", required=True)
    q = asub.add_parser("create", help="print a new API token (of --user, else a "
                        "network_admin token without a user)")
    _db_arg(q)
    q.add_argument("--note")
    q.add_argument("--user", help="the token acts as this user, with its role")
    q.add_argument("--ttl-days", type=int, default=roles.DEFAULT_TOKEN_TTL.days)
    q.set_defaults(func=cmd_admin_token_create)
    q = asub.add_parser("list", help="list API tokens (id, user, expiry or revocation)")
    _db_arg(q)
    q.set_defaults(func=cmd_admin_token_list)
    q = asub.add_parser("revoke", help="revoke the API token with this id (from `list`)")
    _db_arg(q)
    q.add_argument("token_id")
    q.set_defaults(func=cmd_admin_token_revoke)

    p = sub.add_parser("workshop", help="workshops (ateliers) of the network")
    wsub = p.add_subparsers(dest="workshop_command", required=True)
    q = wsub.add_parser("create", help="add a workshop")
    _db_arg(q)
    q.add_argument("workshop_id")
    q.add_argument("--name", required=True)
    q.add_argument("--territory", help="commune / EPCI")
    q.set_defaults(func=cmd_workshop_create)

    p = sub.add_parser("user", help="users and roles")
    usub = p.add_subparsers(dest="user_command", required=True)
    q = usub.add_parser("create", help="add a user; password from DEUXVIE_PASSWORD or stdin")
    _db_arg(q)
    q.add_argument("username")
    q.add_argument("--role", required=True, choices=roles.ROLES)
    q.add_argument("--workshop", help="operator / workshop_admin: its workshop")
    q.add_argument("--donor", help="donor_viewer: the donor it sees")
    q.set_defaults(func=cmd_user_create)

    p = sub.add_parser("station", help="enrolled stations")
    ssub = p.add_subparsers(dest="station_command", required=True)
    q = ssub.add_parser("revoke", help="refuse reports signed by this station from now on")
    _db_arg(q)
    q.add_argument("station_id")
    q.set_defaults(func=cmd_station_revoke)
    q = ssub.add_parser("list", help="list stations")
    _db_arg(q)
    q.set_defaults(func=cmd_station_list)

    p = sub.add_parser("attestation", help="write a donor's signed erasure attestation "
                       "(PDF + detached .sig)")
    _db_arg(p)
    p.add_argument("donor")
    p.add_argument("--lot")
    p.add_argument("--year", type=int)
    p.add_argument("--out", default=".", help="directory (default: here)")
    p.add_argument("--server", default=os.environ.get("DEUXVIE_PUBLIC_URL",
                                                      "http://127.0.0.1:8080"),
                   help="base URL printed in the PDF (certificate links)")
    p.add_argument("--lang", choices=("fr", "en"), default="fr")
    p.set_defaults(func=cmd_attestation)

    p = sub.add_parser("verify-attestation", help="check an attestation PDF against its "
                       ".sig and the service's public key")
    p.add_argument("pdf")
    p.add_argument("--sig", help="default: PDF path + .sig")
    key = p.add_mutually_exclusive_group()
    key.add_argument("--server", help="fetch the key from SERVER/api/v1/service-key")
    key.add_argument("--public-key", help="the service's public key (base64)")
    key.add_argument("--key-file", help="the service's key file (on the server itself)")
    _db_arg(p)
    p.set_defaults(func=cmd_verify_attestation)

    p = sub.add_parser("verify-public-view", help="check a certificate's public view "
                       "(/c/<uuid>.json) against the service's public key, offline")
    p.add_argument("file")
    p.add_argument("--public-key", required=True,
                   help="the service's public key (base64, from /api/v1/service-key)")
    p.add_argument("--envelope", help="the full envelope (/c/<uuid>/full.json): check the "
                   "view's payload_sha256 is its payload's")
    p.set_defaults(func=cmd_verify_public_view)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ApiError as exc:
        print(f"deuxvie-server: {exc.message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
