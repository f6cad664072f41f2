"""The donor's balance page as its reader sees it, in Debian's headless Chromium: the 2024
Porte du Hainaut balance rebuilt through the API, the page fetched with the donor_viewer's
login session, rendered by Chromium (screenshot kept in tests/server/out/)."""

from __future__ import annotations

import re
from pathlib import Path

import ledger_2024
from deuxvie_server import accounts
from deuxvie_server.app import create_app
from deuxvie_server.config import Config
from server_helpers import ADMIN, enrol
from test_accounts import login
from test_certificate_browser import OUT, chromium, visible_text


def test_2024_balance_page_in_chromium(tmp_path: Path) -> None:
    app = create_app(Config(db_url=f"sqlite:///{tmp_path / 'bilan.sqlite3'}",
                            admin_token=ADMIN))
    try:
        client = app.test_client()
        ledger_2024.build(app, client, enrol(app))
        with app.extensions["deuxvie"]["sessions"].begin() as session:
            accounts.create_user(session, "caph-climat", ledger_2024.PASSWORD,
                                 accounts.DONOR_VIEWER, donor_id=ledger_2024.DONOR)
        assert login(client, "caph-climat", ledger_2024.PASSWORD) == 302
        # the portal's landing page is the donor's own balance
        landing = client.get("/")
        assert landing.status_code == 302 and f"/donors/{ledger_2024.DONOR}/bilan" in \
            landing.headers["Location"]
        resp = client.get(f"/donors/{ledger_2024.DONOR}/bilan?year=2024&lang=en")
        assert resp.status_code == 200
        html = resp.get_data(as_text=True)
    finally:
        app.extensions["deuxvie"]["engine"].dispose()
    # Chromium renders the page as served (a file: its session cookie cannot be handed to
    # Chromium's command line; the HTML is self-contained, no external resource)
    page = tmp_path / "bilan.html"
    page.write_text(html, encoding="utf-8")
    text = visible_text(chromium(tmp_path, page.as_uri(), "--dump-dom"))
    numbers = re.search(r"Received In audit Refurbished Distributed Recycled \(WEEE\) "
                        r"To repair (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)", text)
    assert numbers, text[:2000]
    assert numbers.groups() == ("514", "128", "13", "1", "373", "0")
    for label, n in (("Screens", 29), ("Mini-towers", 77), ("Keyboards", 21), ("UPSs", 1)):
        assert f"{label} {n}" in text
    assert "1053.0 kg CO2e" in text and "ADEME" in text
    OUT.mkdir(exist_ok=True)
    shot = OUT / "bilan-2024.png"
    shot.unlink(missing_ok=True)
    chromium(tmp_path, page.as_uri(), f"--screenshot={shot}")
    assert shot.stat().st_size > 10_000
