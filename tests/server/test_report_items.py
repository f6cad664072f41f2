"""A report attaches to its intake item by asset tag, else by device; a report for a device
not at intake creates its item, in_audit, in the report's lot (issue 14). Both backends."""

from __future__ import annotations

from pathlib import Path

import factories
import ledger_2024
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from deuxvie import wire
from deuxvie_server.ingest import category_of
from flask import Flask
from flask.testing import FlaskClient
from ledger_2024 import ok
from sqlalchemy import text


def _items(app: Flask) -> list[dict[str, object]]:
    engine = app.extensions["deuxvie"]["engine"]
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT i.id, i.lot_id, i.category, i.serial, i.asset_tag, i.state, i.device_id, "
            "(SELECT count(*) FROM item_events e WHERE e.item_id = i.id) AS events "
            "FROM items i ORDER BY i.id")).mappings().all()
    return [dict(r) for r in rows]


def _send(client: FlaskClient, key: Ed25519PrivateKey, report: dict[str, object]) -> None:
    ok(client.post("/api/v1/reports", json=wire.sign_report(report, key)))


def test_unknown_device_creates_its_item_once(
        app: Flask, client: FlaskClient, station_key: Ed25519PrivateKey) -> None:
    report = factories.make_report(key=station_key, lot_id="LOT-NEW", system_serial="CZC777")
    _send(client, station_key, report)
    items = _items(app)
    assert len(items) == 1
    item = items[0]
    assert item["lot_id"] == "LOT-NEW" and item["state"] == "in_audit"
    assert item["serial"] == "CZC777" and item["asset_tag"] == report["asset_id"]
    assert item["category"] == category_of(report["device"]["chassis_type"])  # type: ignore
    assert item["events"] == 1 and item["device_id"] is not None
    # the same PC audited again (a new report, a new station asset id): no second item
    again = factories.make_report(key=station_key, lot_id="LOT-NEW", system_serial="CZC777")
    again["asset_id"] = "DV-2026-000999"
    _send(client, station_key, again)
    assert len(_items(app)) == 1
    # the item's history says where it came from
    hist = ok(client.get(f"/api/v1/items/{item['id']}", headers=_admin(app)), 200)
    assert report["uuid"] in hist["history"][0]["reason"]
    assert hist["erasure"]["certified"] is True  # attached by its device
    # the attestation of that lot lists it with its erased disk
    from deuxvie_server import attestation
    with app.extensions["deuxvie"]["sessions"]() as session:
        att = attestation.collect(session, "D-2026-014", lot_id="LOT-NEW")
    assert [r.item_id for r in att.rows] == [item["id"]]
    # a report without a lot creates nothing (an item needs its lot)
    _send(client, station_key, factories.make_report(key=station_key, lot_id=None,
                                                     system_serial="CZC888",
                                                     mac="00:11:22:33:44:55"))
    assert len(_items(app)) == 1


def test_report_with_the_intake_tag_attaches_and_creates_nothing(
        app: Flask, client: FlaskClient, station_key: Ed25519PrivateKey) -> None:
    h = ledger_2024.setup_accounts(app)
    lot = ok(client.post("/api/v1/lots", headers=h, json={
        "donor": "D1", "workshop": ledger_2024.WORKSHOP, "reference": "PV 1",
        "date": "2026-01-10"}))
    tag = ok(client.post(f"/api/v1/lots/{lot['id']}/items", headers=h,
                         json={"category": "laptop"}))["items"][0]["asset_tag"]
    report = factories.make_report(key=station_key, lot_id="LOT-OTHER")
    report["asset_id"] = tag  # typed by the operator from the intake label
    _send(client, station_key, report)
    items = _items(app)
    assert len(items) == 1 and items[0]["lot_id"] == lot["id"]
    # by serial: an item entered at intake with the PC's serial is found too
    ok(client.post(f"/api/v1/lots/{lot['id']}/items", headers=h,
                   json={"category": "desktop", "serial": "SER-AT-INTAKE"}))
    _send(client, station_key, factories.make_report(
        key=station_key, lot_id=lot["id"], system_serial="SER-AT-INTAKE",
        mac="00:1a:4b:00:00:99"))
    assert len(_items(app)) == 2


def test_chassis_categories() -> None:
    assert category_of("Notebook") == "laptop"
    assert category_of("Mini Tower") == "mini_tower"
    assert category_of("All in One") == "all_in_one"
    assert category_of("Tablet") == "tablet"
    assert category_of("Other") == "desktop" and category_of(None) == "desktop"


def _admin(app: Flask) -> dict[str, str]:
    from deuxvie_server import accounts
    with app.extensions["deuxvie"]["sessions"].begin() as session:
        user = accounts.create_user(session, "net-admin", ledger_2024.PASSWORD,
                                    accounts.NETWORK_ADMIN, None)
        token, _ = accounts.create_token(session, user.id, "t")
    return {"Authorization": f"Bearer {token}"}


def test_csv_import_of_items(app: Flask, client: FlaskClient) -> None:
    h = ledger_2024.setup_accounts(app)
    lot = ok(client.post("/api/v1/lots", headers=h, json={
        "donor": "D1", "workshop": ledger_2024.WORKSHOP, "reference": "PV 2",
        "date": "2026-02-01"}))
    url = f"/api/v1/lots/{lot['id']}/items"
    csv_h = {**h, "Content-Type": "text/csv"}
    # a French spreadsheet's export: BOM, semicolons, columns in its own order, blank lines
    body = ("\ufeffasset_tag;category\n"
            + "INV-1;laptop\n;screen\n\nINV-3;mini_tower\n").encode()
    got = ok(client.post(url, headers=csv_h, data=body))
    assert got["count"] == 3
    assert [i["category"] for i in got["items"]] == ["laptop", "screen", "mini_tower"]
    assert got["items"][0]["asset_tag"] == "INV-1"
    assert got["items"][1]["asset_tag"].startswith("DV-")  # generated when the cell is empty
    got = ok(client.post(url, headers=csv_h, data=b"category,serial\ndesktop,CZC42\n"))
    assert got["items"][0]["serial"] == "CZC42"
    before = len(_items(app))
    # all or nothing, the bad row named
    bad = client.post(url, headers=csv_h, data=b"category,serial\nlaptop,A\nfridge,B\n")
    assert bad.status_code == 422 and "row 3" in bad.get_json()["message"]
    taken = client.post(url, headers=csv_h, data=b"category,asset_tag\nlaptop,INV-1\n")
    assert taken.status_code == 409
    twice = client.post(url, headers=csv_h, data=b"category,asset_tag\nups,X1\nups,X1\n")
    assert twice.status_code == 409
    for junk in (b"serial\nA\n", b"", b"\xff\xfe", b"category,colour\nlaptop,red\n",
                 b"category\nlaptop,extra\n"):
        resp = client.post(url, headers=csv_h, data=junk)
        assert resp.status_code in (400, 422), (junk, resp.get_json())
    assert len(_items(app)) == before


LABEL_PROBE = r"""
import sys
# the agent's hardware stack absent: the service renders labels without it
for name in ("psutil", "pySMART", "smbus2", "dmidecode", "rich", "numpy"):
    sys.modules[name] = None
from deuxvie.label.render import png_bytes, render_asset_tag
assert png_bytes(render_asset_tag("DV-ABCD1234", ("laptop",)))[:4] == b"\x89PNG"
hw = sorted(m for m in sys.modules if m.startswith(("deuxvie.probes", "deuxvie.host",
                                                    "deuxvie.wipe", "deuxvie.pipeline")))
assert not hw, hw
print("label-isolated-ok")
"""


def test_intake_label_png(app: Flask, client: FlaskClient, tmp_path: Path) -> None:
    import io

    from PIL import Image
    from pyzbar.pyzbar import decode

    h = ledger_2024.setup_accounts(app)
    lot = ok(client.post("/api/v1/lots", headers=h, json={
        "donor": "D1", "workshop": ledger_2024.WORKSHOP, "reference": "PV 3",
        "date": "2026-03-01"}))
    item = ok(client.post(f"/api/v1/lots/{lot['id']}/items", headers=h, json={
        "category": "mini_tower", "serial": "CZC1234XYZ"}))["items"][0]
    for size in ("29x90", "62"):
        resp = client.get(f"/items/{item['id']}/label.png?size={size}", headers=h)
        assert resp.status_code == 200 and resp.mimetype == "image/png"
        image = Image.open(io.BytesIO(resp.data))
        (tmp_path / f"label-{size}.png").write_bytes(resp.data)
        codes = {(d.type, d.data.decode()) for d in decode(image.convert("L"))}
        # what the operator scans into the station: the tag, as bars and as a QR code
        assert ("CODE128", item["asset_tag"]) in codes and ("QRCODE", item["asset_tag"]) in codes
    assert client.get(f"/items/{item['id']}/label.png?size=nope", headers=h).status_code == 400
    assert client.get("/items/999999/label.png", headers=h).status_code == 404
    assert client.get(f"/items/{item['id']}/label.png").status_code in (302, 401)
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, "-c", LABEL_PROBE], capture_output=True, text=True,
                          timeout=60)
    assert proc.stdout.strip() == "label-isolated-ok", proc.stderr


def test_station_workshop_from_its_token_and_reports_land_there(
        app: Flask, client: FlaskClient) -> None:
    from deuxvie_server import accounts
    from server_helpers import ADMIN
    with app.extensions["deuxvie"]["sessions"].begin() as session:
        accounts.create_workshop(session, "ws-b", "Atelier B", "Valenciennes Métropole")
    admin = {"Authorization": f"Bearer {ADMIN}"}
    assert client.post("/api/v1/tokens", headers=admin, json={"workshop": "nope"}
                       ).status_code == 404
    token = ok(client.post("/api/v1/tokens", headers=admin, json={"workshop": "ws-b"}))["token"]
    key = wire.generate_private_key()
    ok(client.post("/api/v1/stations/enrol", json={
        "token": token, "station_id": "poste-b", "public_key": wire.public_key_b64(
            key.public_key())}))
    listed = ok(client.get("/api/v1/stations", headers=admin), 200)["items"]
    assert [s["workshop_id"] for s in listed if s["id"] == "poste-b"] == ["ws-b"]
    _send(client, key, factories.make_report(key=key, station_id="poste-b", lot_id="LOT-B"))
    engine = app.extensions["deuxvie"]["engine"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT workshop_id FROM lots WHERE id = 'LOT-B'")
                            ).scalar() == "ws-b"
    # an admin moves the station: its next new lot lands in the other workshop
    moved = ok(client.post("/api/v1/stations/poste-b/workshop", headers=admin,
                           json={"workshop": None}), 200)
    assert moved["workshop_id"] is None
    assert client.post("/api/v1/stations/poste-b/workshop", headers=admin,
                       json={"workshop": "nope"}).status_code == 404
    assert client.post("/api/v1/stations/nope/workshop", headers=admin,
                       json={"workshop": "ws-b"}).status_code == 404


def test_bilan_territory_filter(app: Flask, client: FlaskClient) -> None:
    h = ledger_2024.setup_accounts(app)
    ok(client.post("/api/v1/lots", headers=h, json={
        "donor": "D-T", "territory": "CA Porte du Hainaut", "workshop": ledger_2024.WORKSHOP,
        "reference": "PV T", "date": "2026-04-01", "id": "LOT-T"}))
    ok(client.post("/api/v1/lots/LOT-T/items", headers=h, json={"screen": 3}))
    url = "/api/v1/donors/D-T/bilan?year=2026"
    assert ok(client.get(url, headers=h), 200)["received"] == 3
    assert ok(client.get(url + "&territory=CA+Porte+du+Hainaut", headers=h), 200
              )["received"] == 3
    assert ok(client.get(url + "&territory=Ailleurs", headers=h), 200)["received"] == 0
