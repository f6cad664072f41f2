"""`deuxvie sync --glpi URL`: the GLPI inventory reaches a listener on 127.0.0.1 with the
agent protocol's headers, compressed as asked, and decodes to what `export glpi` writes."""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path

import pytest
from deuxvie.cli import main
from deuxvie.wire import canonical_json, generate_private_key, sign_report

from .glpi_check import glpi_schema_errors
from .listener import listening

DATA = Path(__file__).resolve().parents[1] / "data"
LAPTOP = DATA / "bundles" / "laptop-t440"


@pytest.mark.parametrize(
    ("compression", "ctype", "decode"),
    [
        ("zlib", "application/x-compress-zlib", zlib.decompress),
        ("gzip", "application/x-compress-gzip", gzip.decompress),
        ("none", "application/json", lambda b: b),
    ],
)
def test_sync_glpi_posts_the_inventory(
    tmp_path: Path, compression: str, ctype: str, decode: object
) -> None:
    expected = tmp_path / "expected.json"
    assert main(["export", "glpi", "--replay", str(LAPTOP), "--out", str(expected)]) == 0
    with listening() as glpi:
        rc = main(["sync", "--glpi", glpi.url, "--replay", str(LAPTOP),
                   "--compression", compression, "--dir", str(tmp_path / "no-station")])
    assert rc == 0
    assert len(glpi.requests) == 1
    req = glpi.requests[0]
    assert (req.method, req.path) == ("POST", "/front/inventory.php")
    assert req.headers["content-type"] == ctype
    assert "content-encoding" not in req.headers  # the protocol says it in Content-Type
    doc = json.loads(decode(req.body))  # type: ignore[operator]
    assert doc == json.loads(expected.read_text())
    assert req.headers["glpi-agent-id"] == doc["deviceid"]
    assert req.headers["user-agent"].startswith("deuxvie/")
    assert glpi_schema_errors(doc) == []


def test_sync_glpi_sends_each_report_and_reports_refusals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = json.loads((DATA / "report-example.json").read_text())
    path = tmp_path / f"{report['uuid']}.dsse.json"
    path.write_bytes(canonical_json(sign_report(report, generate_private_key())))
    with listening() as glpi:
        url = glpi.url + "/marketplace/glpiinventory/"  # a path: used as given
        assert main(["sync", "--glpi", url, "--report", str(path),
                     "--server", "https://svc.example", "--dir", str(tmp_path / "x")]) == 0
        assert glpi.requests[0].path == "/marketplace/glpiinventory/"
        doc = json.loads(zlib.decompress(glpi.requests[0].body))
        assert f"https://svc.example/c/{report['uuid']}" in doc["content"]["hardware"][
            "description"]

        glpi.status, glpi.reply = 400, b'{"status":"error","message":"bad"}'
        assert main(["sync", "--glpi", glpi.url, "--report", str(path),
                     "--dir", str(tmp_path / "x")]) == 1
    err = capsys.readouterr().err
    assert "HTTP 400" in err and path.name in err


def test_sync_glpi_server_down_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with listening() as glpi:
        url = glpi.url  # closed once the block ends: nothing listens there any more
    assert main(["sync", "--glpi", url, "--replay", str(LAPTOP),
                 "--dir", str(tmp_path / "x")]) == 1
    assert "not sent" in capsys.readouterr().err


def test_sync_glpi_defaults_to_the_station_reports(tmp_path: Path) -> None:
    from deuxvie.station import StationStore

    store = StationStore(tmp_path / "station")
    info = store.init()
    info["server"] = "https://svc.example"
    store.save_info(info)
    report = json.loads((DATA / "report-example.json").read_text())
    report["station"] = {"id": info["station_id"], "key_id": info["key_id"]}
    store.sign_and_spool(report)
    with listening() as glpi:
        assert main(["sync", "--glpi", glpi.url, "--dir", str(store.root)]) == 0
    assert len(glpi.requests) == 1
    doc = json.loads(zlib.decompress(glpi.requests[0].body))
    # the enrolled service is the certificate URL's prefix
    assert f"https://svc.example/c/{report['uuid']}" in doc["content"]["hardware"]["description"]
    # the spooled report is untouched: exporting is not delivering to the service
    assert [p.name for p in store.spool_dir.iterdir()] == [f"{report['uuid']}.dsse.json"]
