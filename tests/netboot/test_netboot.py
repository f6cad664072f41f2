"""Network boot without a stick: config from `deuxvie.config=URL`, the bench station fetched
beside it, a RAM spool delivered before power-off or the machine kept on with a warning."""

from __future__ import annotations

import base64
import io
import json
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from deuxvie import netboot
from deuxvie.commands.run import EXIT_DONE, netboot_station, run_machine
from deuxvie.config import Config, ConfigError, load_config
from deuxvie.host.base import CommandResult
from deuxvie.host.local import LocalHost
from deuxvie.pipeline import Steps
from deuxvie.station import StationStore
from deuxvie.wire import generate_private_key, key_id, public_key_b64
from deuxvie.wire.receipt import make_receipt, payload_sha256

DATA = Path(__file__).resolve().parents[1] / "data"


class BootHost(LocalHost):
    """This machine, with a chosen kernel command line and mount table, and power-off
    recorded instead of done."""

    def __init__(self, cmdline: str = "", mounts: str | None = None) -> None:
        super().__init__()
        self.cmdline, self.mounts = cmdline, mounts
        self.asked: list[tuple[str, ...]] = []

    def read_text_or(self, path: str, fallback: str | None = None) -> str | None:
        if path == "/proc/cmdline":
            return self.cmdline
        if path == "/proc/mounts" and self.mounts is not None:
            return self.mounts
        return super().read_text_or(path, fallback)

    def run(self, argv, *, timeout_s=60.0, input_bytes=None):  # type: ignore[no-untyped-def]
        if argv[0] in ("systemctl", "poweroff"):
            self.asked.append(tuple(argv))
            return CommandResult(tuple(argv), 0, b"", b"")
        return super().run(argv, timeout_s=timeout_s, input_bytes=input_bytes)


@contextmanager
def serving(root: Path) -> Iterator[str]:
    handler = partial(SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None  # type: ignore[attr-defined]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_config_url_is_read_before_the_init_arguments() -> None:
    assert netboot.config_url("quiet deuxvie.config=http://pxe/d.toml -- x") == "http://pxe/d.toml"
    assert netboot.config_url("quiet -- deuxvie.config=http://pxe/d.toml") is None
    assert netboot.config_url("quiet deuxvie.unattended") is None


def test_config_comes_from_the_url_and_the_command_line_still_wins(tmp_path: Path) -> None:
    (tmp_path / "deuxvie").mkdir()
    (tmp_path / "deuxvie" / "deuxvie.toml").write_text(
        'unattended = true\npower_off = true\n[station]\noperator = "Banc PXE"\n'
        'organisation = "Atelier"\n[server]\nurl = "http://10.0.0.1:8080"\n'
    )
    with serving(tmp_path) as base:
        url = f"{base}/deuxvie/deuxvie.toml"
        host = BootHost(f"boot=live deuxvie.config={url} deuxvie.station.operator=Camille")
        # a stick's file, if any, is replaced by the network one
        local = tmp_path / "stick.toml"
        local.write_text('language = "en"\n')
        cfg = load_config(local, host)
    assert (cfg.unattended, cfg.power_off, cfg.server_url) == (True, True, "http://10.0.0.1:8080")
    assert cfg.operator == "Camille"  # kernel command line > file, as on a stick
    assert cfg.language == "fr"  # the stick's file was not read
    assert cfg.data_dir == Config.data_dir  # RAM folder, not the URL's
    assert cfg.source == (url, "/proc/cmdline")


def test_bad_network_configs_are_clear_errors(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text("unatended = true\n")
    with serving(tmp_path) as base:
        with pytest.raises(ConfigError, match=r"missing.toml: HTTP 404"):
            load_config(None, BootHost(f"deuxvie.config={base}/missing.toml"))
        with pytest.raises(ConfigError, match=r"bad.toml: unknown key 'unatended'"):
            load_config(None, BootHost(f"deuxvie.config={base}/bad.toml"))
    with pytest.raises(ConfigError, match="expected an http"):
        load_config(None, BootHost("deuxvie.config=/etc/deuxvie.toml"))


def test_fetch_retries_while_the_network_comes_up() -> None:
    slept: list[float] = []
    with pytest.raises(netboot.NetConfigError, match="after 3 attempts"):
        netboot.fetch("http://127.0.0.1:9/x.toml", attempts=3, delay_s=1.5, sleep=slept.append)
    assert slept == [1.5, 1.5]


def test_bench_station_is_fetched_beside_the_config(tmp_path: Path) -> None:
    served = tmp_path / "srv"
    bench = StationStore(served / "deuxvie" / "station")
    info = bench.init("banc-pxe")
    (served / "deuxvie" / "deuxvie.toml").write_text("unattended = true\n")
    ram = tmp_path / "ram" / "station"
    with serving(served) as base:
        url = f"{base}/deuxvie/deuxvie.toml"
        assert netboot.fetch_station(url, ram) is True
        assert netboot.fetch_station(url, ram) is False  # a key is there: never overwritten
        assert netboot.fetch_station(f"{base}/other/deuxvie.toml", tmp_path / "x") is False
        # the run does the same from the kernel command line
        cfg = Config(station_dir=tmp_path / "ram2" / "station")
        netboot_station(BootHost(f"deuxvie.config={url}"), cfg)
    got = StationStore(ram)
    assert got.info()["station_id"] == info["station_id"] == "banc-pxe"
    assert stat.S_IMODE(got.key_path.stat().st_mode) == 0o600
    assert got.private_key().public_key() == bench.private_key().public_key()
    assert StationStore(cfg.station_dir).info()["key_id"] == info["key_id"]


def test_spool_on_tmpfs_is_volatile() -> None:
    stick = ("rootfs / rootfs rw 0 0\ntmpfs /run tmpfs rw,nosuid 0 0\n"
             "/dev/sdb3 /run/deuxvie/data vfat rw 0 0\n")
    # the longest mount point wins: the stick's partition inside the tmpfs /run
    assert not netboot.spool_is_volatile(BootHost(mounts=stick), Path("/run/deuxvie/data/x"))
    assert netboot.spool_is_volatile(BootHost(mounts=stick), Path("/run/other"))
    no_stick = "rootfs / rootfs rw 0 0\ntmpfs /run tmpfs rw,nosuid 0 0\n"
    assert netboot.spool_is_volatile(BootHost(mounts=no_stick), Path("/run/deuxvie/data"))
    disk = "/dev/vda1 / ext4 rw 0 0\n"
    assert not netboot.spool_is_volatile(BootHost(mounts=disk), Path("/var/lib/deuxvie"))


def _spool_one(station_dir: Path) -> str:
    store = StationStore(station_dir)
    info = store.init("banc-pxe")
    report = json.loads((DATA / "report-example.json").read_text())
    report["station"] = {"id": info["station_id"], "key_id": info["key_id"]}
    store.sign_and_spool(report)
    return str(report["uuid"])


def _ram(path: Path) -> str:
    return f"tmpfs {path} tmpfs rw 0 0\n"


def test_undelivered_ram_spool_keeps_the_machine_on_and_says_so(tmp_path: Path) -> None:
    _spool_one(tmp_path / "station")
    host = BootHost(mounts=_ram(tmp_path))
    out = io.StringIO()
    slept: list[float] = []
    cfg = Config(unattended=True, power_off=True, data_dir=tmp_path,
                 station_dir=tmp_path / "station")
    code, _ = run_machine(host, cfg, Steps(), stream=out, sleep=slept.append)
    assert code == EXIT_DONE
    assert host.asked == []  # powering off would lose the report
    text = out.getvalue()
    assert "1 rapport(s) NON envoyé(s)" in text and "1 report(s) NOT sent" in text
    assert "la machine reste allumée" in text
    assert slept == [netboot.DELIVERY_DELAY_S] * (netboot.DELIVERY_ATTEMPTS - 1)

    # the same spool on a stick: power off as usual, the report waits on the stick
    host = BootHost(mounts=f"/dev/sdb3 {tmp_path} vfat rw 0 0\n")
    out = io.StringIO()
    run_machine(host, cfg, Steps(), stream=out, sleep=slept.append)
    assert host.asked == [("systemctl", "poweroff")]
    assert "NON envoyé" not in out.getvalue()


SERVICE_KEY = generate_private_key()


class _Service(BaseHTTPRequestHandler):
    """Answers 503 four times (the service restarting; sync_spool retries 503 three times
    per round), then stores and signs a receipt (ADR 0046) as deuxvie-server does."""

    seen: ClassVar[list[bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.seen.append(body)
        status, reply = 503, {"error": "unavailable", "message": "restarting"}
        if len(self.seen) > 4:
            env = json.loads(body)
            uuid = json.loads(base64.b64decode(env["payload"]))["uuid"]
            receipt = make_receipt(SERVICE_KEY, uuid, payload_sha256(env), "stored",
                                   "2026-11-22T10:00:00Z", None)
            status, reply = 201, {"uuid": uuid, "status": "stored", "receipt": receipt}
        data = json.dumps(reply).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *a: object) -> None:
        pass


def test_ram_spool_is_retried_until_delivered_then_powers_off(tmp_path: Path) -> None:
    uuid = _spool_one(tmp_path / "station")
    store = StationStore(tmp_path / "station")
    info = store.info()
    info["service_key"] = {"key_id": key_id(SERVICE_KEY.public_key()),
                           "public_key": public_key_b64(SERVICE_KEY.public_key())}
    store.save_info(info)  # what `deuxvie station enrol` pins
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Service)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        cfg = Config(unattended=True, power_off=True, data_dir=tmp_path,
                     station_dir=tmp_path / "station", server_url=url)
        host = BootHost(mounts=_ram(tmp_path))
        slept: list[float] = []
        code, _ = run_machine(host, cfg, Steps(), stream=io.StringIO(), sleep=slept.append)
    finally:
        server.shutdown()
        server.server_close()
    assert code == EXIT_DONE
    assert host.asked == [("systemctl", "poweroff")]
    assert slept[0] == netboot.DELIVERY_DELAY_S  # one more round after the first failure
    assert sorted(p.name for p in store.sent_dir.iterdir()) == [
        f"{uuid}.dsse.json", f"{uuid}.receipt.json"]
    assert not netboot.pending_reports(store.spool_dir)
