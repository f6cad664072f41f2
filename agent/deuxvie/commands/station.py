"""`deuxvie station init|enrol|show`: this workshop station's signing key."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import requests

from deuxvie import wire
from deuxvie.commands import help_of
from deuxvie.report.upload import CONNECT_TIMEOUT_S
from deuxvie.station import StationError, StationStore, default_dir


def _dir_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dir", type=Path, default=None,
                   help="station directory (default $DEUXVIE_STATION_DIR or "
                        "/var/lib/deuxvie/station)")


def cmd_init(args: argparse.Namespace) -> int:
    store = StationStore(args.dir or default_dir())
    try:
        info = store.init(args.station_id)
    except StationError as exc:
        print(f"deuxvie station init: {exc}", file=sys.stderr)
        return 1
    print(f"station {info['station_id']}\nkey id {info['key_id']}\n"
          f"clé privée / private key: {store.key_path} (0600)")
    return 0


def cmd_enrol(args: argparse.Namespace) -> int:
    store = StationStore(args.dir or default_dir())
    try:
        info = store.info()
    except StationError as exc:
        print(f"deuxvie station enrol: {exc}", file=sys.stderr)
        return 1
    url = args.server.rstrip("/") + "/api/v1/stations/enrol"
    try:
        resp = requests.post(url, json={
            "token": args.token, "station_id": info["station_id"],
            "public_key": info["public_key"]}, timeout=(CONNECT_TIMEOUT_S, 30))
    except requests.RequestException as exc:
        print(f"deuxvie station enrol: serveur injoignable / server unreachable: {exc}",
              file=sys.stderr)
        return 1
    try:
        body = resp.json()
    except ValueError:
        body = {"message": resp.text[:300]}
    if resp.status_code != 201:
        print(f"deuxvie station enrol: refusé / refused (HTTP {resp.status_code}): "
              f"{body.get('message') or body}", file=sys.stderr)
        return 1
    if body.get("key_id") != info["key_id"]:
        print("deuxvie station enrol: the server recorded another key id", file=sys.stderr)
        return 1
    pinned = _service_key(body.get("service_key"))
    if pinned is None:
        print("deuxvie station enrol: le service n'a pas donné de clé de reçu valide / the "
              "service gave no valid receipt key: reports cannot be proven delivered",
              file=sys.stderr)
        return 1
    info["server"] = args.server.rstrip("/")
    info["station_id"] = body["id"]
    info["service_key"] = pinned
    info["enrolled_at"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    store.save_info(info)
    print(f"station {info['station_id']} enregistrée / enrolled at {info['server']}\n"
          f"clé du service / service key: {pinned['key_id']}")
    return 0


def _service_key(value: object) -> dict[str, str] | None:
    """The enrol answer's service key, checked (its key id is the hash of its key)."""
    if not isinstance(value, dict):
        return None
    try:
        key = wire.public_key_from_b64(str(value.get("public_key")))
    except (wire.WireError, ValueError):
        return None
    kid = wire.key_id(key)
    if value.get("key_id") != kid:
        return None
    return {"key_id": kid, "public_key": wire.public_key_b64(key)}


def cmd_show(args: argparse.Namespace) -> int:
    store = StationStore(args.dir or default_dir())
    try:
        info = store.info()
    except StationError as exc:
        print(f"deuxvie station show: {exc}", file=sys.stderr)
        return 1
    for k in ("station_id", "key_id", "server", "enrolled_at"):
        print(f"{k}: {info.get(k)}")
    pinned = info.get("service_key") or {}
    print(f"service_key_id: {pinned.get('key_id')}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("station", help=help_of("station"))
    ssub = p.add_subparsers(dest="station_command", metavar="ACTION", required=True)
    q = ssub.add_parser("init", help="create the Ed25519 key pair")
    _dir_arg(q)
    q.add_argument("--station-id", help="name of this station (default: station-<key id>)")
    q.set_defaults(func=cmd_init)
    q = ssub.add_parser("enrol", help="register the public key with a one-time token")
    _dir_arg(q)
    q.add_argument("--server", required=True, help="service URL, e.g. https://deuxvie.example")
    q.add_argument("--token", required=True, help="from `deuxvie-server token create`")
    q.set_defaults(func=cmd_enrol)
    q = ssub.add_parser("show", help="print the station id, key id and server")
    _dir_arg(q)
    q.set_defaults(func=cmd_show)
