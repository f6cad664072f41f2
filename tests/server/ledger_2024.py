"""La Porte du Hainaut's published 2024 balance, rebuilt through the HTTP API alone:
514 items received; 128 in audit (29 screens, 77 mini-towers, 21 keyboards, 1 UPS);
13 refurbished; 373 recycled as WEEE (issue 14).

The split of the 373 recycled and 13 refurbished items by category is not published; here
the 13 refurbished are mini-towers erased by the agent (signed reports attached by asset
tag), one of them handed out in a pack, and the recycled ones are towers whose disks were
removed for destruction plus screens, keyboards and mice."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import factories
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from deuxvie import wire
from deuxvie_server import accounts
from flask import Flask
from flask.testing import FlaskClient

DONOR = "CA-PORTE-DU-HAINAUT"
WORKSHOP = "caph-wallers"
PUBLISHED = {"received": 514, "in_audit": {"total": 128, "by_category": {
    "keyboard": 21, "mini_tower": 77, "screen": 29, "ups": 1}},
    "refurbished": 13, "recycled_weee": 373}
# in audit / refurbished / recycled, by category (sums: 128 / 13 / 373)
PLAN = {
    "mini_tower": (77, 13, 200),
    "screen": (29, 0, 100),
    "keyboard": (21, 0, 50),
    "ups": (1, 0, 0),
    "mouse": (0, 0, 23),
}
PASSWORD = "correct horse battery"


@dataclass
class Built:
    lot_id: str
    operator: dict[str, str]  # Authorization header of the operator
    refurbished: list[int]
    recycled: list[int]
    in_audit: list[int]
    disk_serials: list[str]
    pack_id: int


def setup_accounts(app: Flask) -> dict[str, str]:
    """The workshop and its operator (as `deuxvie-server workshop/user create` would), and
    the operator's API token; returns the token header."""
    with app.extensions["deuxvie"]["sessions"].begin() as session:
        accounts.create_workshop(session, WORKSHOP, "Atelier de Wallers", "CA Porte du Hainaut")
        user = accounts.create_user(session, "op-wallers", PASSWORD, accounts.OPERATOR,
                                    WORKSHOP)
        token, _ = accounts.create_token(session, user.id, "intake")
    return {"Authorization": f"Bearer {token}"}


def ok(resp: Any, status: int = 201) -> Any:
    assert resp.status_code == status, (resp.status_code, resp.get_json())
    return resp.get_json()


def build(app: Flask, client: FlaskClient, station_key: Ed25519PrivateKey) -> Built:
    h = setup_accounts(app)
    lot = ok(client.post("/api/v1/lots", headers=h, json={
        "donor": DONOR, "donor_name": "Communauté d'agglomération de La Porte du Hainaut",
        "territory": "CA Porte du Hainaut", "workshop": WORKSHOP,
        "reference": "Convention de don 2024-07", "date": "2024-03-14"}))
    counts = {cat: sum(plan) for cat, plan in PLAN.items()}
    added = ok(client.post(f"/api/v1/lots/{lot['id']}/items", headers=h, json=counts))
    assert added["count"] == 514
    by_cat: dict[str, list[dict[str, Any]]] = {}
    for item in added["items"]:
        by_cat.setdefault(item["category"], []).append(item)
    for item in added["items"]:
        ok(client.post(f"/api/v1/items/{item['id']}/decisions", headers=h,
                       json={"state": "in_audit", "reason": "déballé, inventorié"}))
    refurbished: list[int] = []
    recycled: list[int] = []
    in_audit: list[int] = []
    serials: list[str] = []
    for cat, (audit, refurb, recycle) in PLAN.items():
        items = by_cat[cat]
        in_audit += [i["id"] for i in items[:audit]]
        for n, item in enumerate(items[audit:audit + refurb]):
            # the operator typed the intake label into the station: the report carries it
            serial = f"S3Z9NB0K{n:06d}X"
            report = factories.make_report(key=station_key, disk_serial=serial,
                                           system_serial=f"CZC{n:07d}",
                                           mac=f"00:1a:4b:00:00:{n:02x}")
            report["asset_id"] = item["asset_tag"]
            ok(client.post("/api/v1/reports", json=wire.sign_report(report, station_key)))
            ok(client.post(f"/api/v1/items/{item['id']}/decisions", headers=h, json={
                "state": "refurbished", "reason": "nettoyé, Linux Mint installé"}))
            refurbished.append(item["id"])
            serials.append(serial)
        for item in items[audit + refurb:audit + refurb + recycle]:
            body: dict[str, Any] = {"state": "recycled_weee", "reason": "hors d'usage"}
            if cat == "mini_tower":
                body["removed_for_destruction"] = True
                body["reason"] = "carte mère HS ; disque retiré pour destruction"
            ok(client.post(f"/api/v1/items/{item['id']}/decisions", headers=h, json=body))
            recycled.append(item["id"])
    pack = ok(client.post("/api/v1/packs", headers=h,
                          json={"items": [refurbished[0]], "note": "pack numérique 1"}))
    ok(client.post(f"/api/v1/packs/{pack['id']}/distribution", headers=h, json={
        "structure": "CCAS de Wallers", "date": "2024-11-05",
        "pseudonymous_ref": "CCAS-2024-117", "criterion": "rsa_ass_aah"}))
    ok(client.post("/api/v1/weee-batches", headers=h, json={
        "items": recycled, "organisation": "ecosystem", "slip_number": "BSD-2024-0042",
        "date": "2024-12-10",
        "weights_kg": {"mini_tower": 1600.0, "screen": 650.0, "keyboard": 40.0,
                       "mouse": 3.5}}))
    return Built(lot["id"], h, refurbished, recycled, in_audit, serials, pack["id"])
