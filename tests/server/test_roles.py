"""Every role against every route (issue 14): 403 where due, never 401/403 where allowed.
A donor_viewer sees only its donor's data; an operator writes only in its workshop."""

from __future__ import annotations

from typing import Any

import pytest
from deuxvie_server import accounts
from flask import Flask
from flask.testing import FlaskClient
from server_helpers import ADMIN

PASSWORD = "correct horse battery"
DONOR, OTHER = "D1", "D2"
# role name -> (role, workshop, donor)
ROLES: dict[str, tuple[str, str | None, str | None]] = {
    "network_admin": (accounts.NETWORK_ADMIN, None, None),
    "workshop_admin_w1": (accounts.WORKSHOP_ADMIN, "w1", None),
    "operator_w1": (accounts.OPERATOR, "w1", None),
    "operator_w2": (accounts.OPERATOR, "w2", None),
    "viewer_d1": (accounts.DONOR_VIEWER, None, DONOR),
    "viewer_d2": (accounts.DONOR_VIEWER, None, OTHER),
}
W1 = {"network_admin", "workshop_admin_w1", "operator_w1"}
READ_D1 = W1 | {"operator_w2", "viewer_d1"}  # operator_w2 reads its (empty) part
STAFF = W1 | {"operator_w2"}


def _seed(app: Flask, client: FlaskClient) -> dict[str, Any]:
    """Lots of D1 (in w1) and D2 (in w2), a refurbished screen, a recycled keyboard."""
    boot = {"Authorization": f"Bearer {ADMIN}"}
    with app.extensions["deuxvie"]["sessions"].begin() as session:
        accounts.create_workshop(session, "w1", "Atelier 1")
        accounts.create_workshop(session, "w2", "Atelier 2")
    seeded: dict[str, Any] = {}
    for donor, ws in ((DONOR, "w1"), (OTHER, "w2")):
        lot = client.post("/api/v1/lots", headers=boot, json={
            "donor": donor, "workshop": ws, "reference": "PV", "date": "2026-01-05"}).get_json()
        items = client.post(f"/api/v1/lots/{lot['id']}/items", headers=boot,
                            json={"screen": 2, "keyboard": 1}).get_json()["items"]
        seeded[donor] = (lot["id"], items)
    lot, items = seeded[DONOR]
    screens = [i["id"] for i in items if i["category"] == "screen"]
    keyboard = next(i["id"] for i in items if i["category"] == "keyboard")
    for iid, target in ((screens[0], "refurbished"), (screens[1], "refurbished"),
                        (keyboard, "recycled_weee")):
        for state in ("in_audit", target):
            assert client.post(f"/api/v1/items/{iid}/decisions", headers=boot,
                               json={"state": state, "reason": "seed"}).status_code == 201
    pack = client.post("/api/v1/packs", headers=boot, json={"items": [screens[1]]}).get_json()
    return {"lot": lot, "screen": screens[0], "keyboard": keyboard, "pack": pack["id"]}


def _routes(s: dict[str, Any]) -> list[tuple[str, str, Any, set[str]]]:
    """(method, path, JSON body, roles allowed)."""
    dist = {"structure": "CCAS", "date": "2026-02-01", "pseudonymous_ref": "C-1",
            "criterion": "senior"}
    weee = {"items": [s["keyboard"]], "organisation": "ecosystem", "slip_number": "B1",
            "date": "2026-02-02", "weights_kg": {"keyboard": 0.5}}
    every = set(ROLES)
    return [
        ("GET", "/api/v1/stations", None, {"network_admin"}),
        ("GET", "/api/v1/reports", None, {"network_admin"}),
        ("GET", "/api/v1/devices", None, {"network_admin"}),
        ("GET", f"/api/v1/donors/{DONOR}/ledger", None, {"network_admin"}),
        ("POST", "/api/v1/tokens", {}, {"network_admin"}),
        ("GET", "/api/v1/admin-tokens", None, every),
        ("POST", "/api/v1/admin-tokens", {"note": "x"}, every),
        ("POST", "/api/v1/lots", {"donor": DONOR, "workshop": "w1", "reference": "PV2",
                                  "date": "2026-03-01"}, W1),
        ("POST", f"/api/v1/lots/{s['lot']}/items", {"mouse": 1}, W1),
        ("GET", f"/api/v1/items/{s['screen']}", None, W1 | {"viewer_d1"}),
        ("POST", f"/api/v1/items/{s['screen']}/decisions",
         {"state": "to_repair", "reason": "x"}, W1),
        ("POST", "/api/v1/packs", {"items": [s["screen"]]}, W1),
        ("POST", f"/api/v1/packs/{s['pack']}/distribution", dist, W1),
        ("POST", "/api/v1/weee-batches", weee, W1),
        ("GET", f"/api/v1/donors/{DONOR}/bilan?year=2026", None, READ_D1),
        ("GET", f"/donors/{DONOR}/attestation.pdf?year=2026", None, READ_D1),
        ("GET", f"/donors/{DONOR}/attestation.pdf.sig?year=2026", None, READ_D1),
        ("GET", f"/donors/{DONOR}/bilan?year=2026", None, READ_D1),
        ("GET", f"/donors/{DONOR}/bilan.csv?year=2026", None, READ_D1),
        ("GET", "/bilan?year=2026", None, STAFF),
        ("GET", "/devices", None, {"network_admin"}),
        ("GET", "/donors", None, {"network_admin"}),
        ("GET", "/export/erasure.csv", None, {"network_admin"}),
    ]


@pytest.mark.parametrize("name", list(ROLES))
def test_role_against_every_route(app: Flask, client: FlaskClient, name: str) -> None:
    seeded = _seed(app, client)
    role, workshop, donor = ROLES[name]
    with app.extensions["deuxvie"]["sessions"].begin() as session:
        user = accounts.create_user(session, f"u-{name}", PASSWORD, role, workshop, donor)
        token, _ = accounts.create_token(session, user.id)
    h = {"Authorization": f"Bearer {token}"}
    wrong = []
    for method, path, body, allowed in _routes(seeded):
        resp = client.open(path, method=method, headers=h, json=body)
        if name in allowed:
            if resp.status_code in (401, 403):
                wrong.append(f"{method} {path}: {resp.status_code}, expected allowed")
        elif resp.status_code != 403:
            wrong.append(f"{method} {path}: {resp.status_code}, expected 403")
        # without any token: never served
        anon = client.open(path, method=method, json=body)
        if anon.status_code not in (401, 302):
            wrong.append(f"{method} {path}: {anon.status_code} without a token")
    assert not wrong, "\n".join(wrong)


def test_donor_viewer_balance_is_its_own_donor_and_operator_sees_its_workshop(
        app: Flask, client: FlaskClient) -> None:
    _seed(app, client)
    with app.extensions["deuxvie"]["sessions"].begin() as session:
        viewer = accounts.create_user(session, "v", PASSWORD, accounts.DONOR_VIEWER,
                                      donor_id=DONOR)
        op2 = accounts.create_user(session, "o2", PASSWORD, accounts.OPERATOR, "w2")
        tv, _ = accounts.create_token(session, viewer.id)
        to, _ = accounts.create_token(session, op2.id)
    mine = client.get(f"/api/v1/donors/{DONOR}/bilan?year=2026",
                      headers={"Authorization": f"Bearer {tv}"}).get_json()
    assert mine["received"] == 3 and mine["refurbished"] == 2 and mine["recycled_weee"] == 1
    # operator of w2 reading D1's balance: D1 gave nothing to w2
    part = client.get(f"/api/v1/donors/{DONOR}/bilan?year=2026",
                      headers={"Authorization": f"Bearer {to}"}).get_json()
    assert part["received"] == 0 and part["workshop_id"] == "w2"
