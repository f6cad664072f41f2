"""Printing paths: ZPL to a real TCP listener, Brother raster read back by brother_ql's
reader, device and CUPS commands through a recording Host, files written whole."""

from __future__ import annotations

import io
import re
import socket
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from deuxvie.host.base import CommandResult, Host
from deuxvie.label.config import ConfigError, PrinterConfig
from deuxvie.label.printers import PrintError, build_job, print_label, send_job
from PIL import Image
from pyzbar.pyzbar import decode
from report_sample import ASSET_ID, SERVER


class FakeHost(Host):
    """Records argv and stdin of every command; answers with a chosen exit code."""

    def __init__(self, returncode: int = 0, stderr: bytes = b"") -> None:
        self.calls: list[tuple[tuple[str, ...], bytes | None]] = []
        self.returncode = returncode
        self.stderr = stderr

    def run(
        self, argv: Sequence[str], *, timeout_s: float = 60.0, input_bytes: bytes | None = None
    ) -> CommandResult:
        self.calls.append((tuple(argv), input_bytes))
        return CommandResult(tuple(argv), self.returncode, b"", self.stderr)

    def read_bytes(self, path: str) -> bytes:
        raise FileNotFoundError(path)

    def listdir(self, path: str) -> list[str]:
        raise FileNotFoundError(path)

    def exists(self, path: str) -> bool:
        return False

    def realpath(self, path: str) -> str:
        return path

    def which(self, name: str) -> str | None:
        return f"/usr/bin/{name}"


class Listener:
    """A raw print port on 127.0.0.1 (random port) that keeps what it receives."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.received: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        with conn:
            chunks = []
            while data := conn.recv(65536):
                chunks.append(data)
        self.received.append(b"".join(chunks))

    def data(self) -> bytes:
        self.thread.join(timeout=10)
        assert self.received, "nothing received"
        return self.received[0]


@pytest.fixture
def listener() -> Iterator[Listener]:
    lst = Listener()
    yield lst
    lst.sock.close()


def _gfa_image(zpl: bytes) -> Image.Image:
    """Decode the ^GFA bitmap back to an image (1 = black in ZPL)."""
    m = re.search(rb"\^GFA,(\d+),(\d+),(\d+),([0-9A-F]+)\^FS", zpl)
    assert m, "no ^GFA field"
    total, row_bytes, data = int(m[1]), int(m[3]), bytes.fromhex(m[4].decode())
    assert len(data) == total
    width = int(re.search(rb"\^PW(\d+)", zpl)[1])  # type: ignore[index]
    height = total // row_bytes
    ink = Image.frombytes("1", (width, height), data)
    return Image.eval(ink.convert("L"), lambda v: 255 - v)


def test_native_zpl_over_tcp(report: dict[str, Any], listener: Listener) -> None:
    config = PrinterConfig.from_spec(
        f"zpl:tcp://127.0.0.1:{listener.port}", size="zebra-4x6-203", server=SERVER
    )
    job = print_label(report, config, FakeHost())
    zpl = listener.data()
    assert zpl == job.data
    text = zpl.decode("utf-8")
    assert text.startswith("^XA") and text.rstrip().endswith("^XZ")
    assert text.count("^XA") == 1 and text.count("^XZ") == 1
    assert "^CI28" in text and "^PW812" in text and "^LL1218" in text
    assert f"^BQN,2,4^FDMA,{SERVER}/c/{report['uuid']}^FS" in text
    assert re.search(rf"\^BCN,\d+,N,N,N\s*\^FH_\^FD{ASSET_ID}\^FS", text)
    assert "^FDFAIL^FS" in text and "^FR" in text  # FAIL printed reversed
    assert "EFFACEMENT NON CERTIFIÉ" in text  # UTF-8 accents with ^CI28


def test_graphic_zpl_over_tcp_decodes(report: dict[str, Any], listener: Listener) -> None:
    config = PrinterConfig(
        kind="zpl",
        target=f"tcp://127.0.0.1:{listener.port}",
        size="zebra-4x2-300",
        zpl_mode="graphic",
        server=SERVER,
    )
    print_label(report, config, FakeHost())
    zpl = listener.data()
    assert zpl.startswith(b"^XA") and zpl.rstrip().endswith(b"^XZ")
    image = _gfa_image(zpl)
    assert image.size == (1200, 600)
    codes = {(d.type, d.data.decode()) for d in decode(image)}
    assert codes == {("QRCODE", f"{SERVER}/c/{report['uuid']}"), ("CODE128", ASSET_ID)}


def test_zpl_field_data_cannot_inject_commands(report: dict[str, Any], tmp_path: Path) -> None:
    report = dict(report, asset_id="DV^XZ~JR_1")
    config = PrinterConfig.from_spec(f"zpl:file:{tmp_path / 'x.zpl'}", size="zebra-4x2-203")
    send_job(build_job(report, config), FakeHost())
    text = (tmp_path / "x.zpl").read_text()
    assert text.count("^XZ") == 1 and "~JR" not in text
    assert "DV_5EXZ_7EJR_5F1" in text


@pytest.mark.parametrize(("size", "rows"), [("62", 690), ("29x90", 991)])
def test_brother_raster_file(
    report: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: str, rows: int
) -> None:
    from brother_ql.reader import BrotherQLReader

    out = tmp_path / "label.bin"
    config = PrinterConfig.from_spec(f"brother:file:{out}", size=size, server=SERVER)
    job = print_label(report, config, FakeHost())
    assert out.read_bytes() == job.data
    reader = BrotherQLReader(io.BytesIO(out.read_bytes()))
    reader.filename_fmt = str(tmp_path / "page{counter}.png")
    reader.analyse()
    # QL-800 head: 720 dots = 90 bytes per raster row; one row per label dot line.
    assert {len(row) for row in reader.black_rows} == {90}
    assert len(reader.black_rows) == rows
    assert reader.mwidth == int(size[:2])
    page = Image.open(tmp_path / "page1.png")
    codes = {(d.type, d.data.decode()) for d in decode(page.convert("L"))}
    assert codes == {("QRCODE", f"{SERVER}/c/{report['uuid']}"), ("CODE128", ASSET_ID)}


def test_brother_raster_over_tcp(report: dict[str, Any], listener: Listener) -> None:
    config = PrinterConfig.from_spec(
        f"brother:tcp://127.0.0.1:{listener.port}", size="62", brother_model="QL-820NWB"
    )
    job = print_label(report, config, FakeHost())
    data = listener.data()
    assert data == job.data
    assert data.startswith(b"\x1b\x69\x61\x01")  # switch to raster mode (QL-8xx)
    assert data.rstrip(b"\x00").endswith(b"\x1a")  # print with feeding


def test_brother_usb_device_goes_through_host(report: dict[str, Any]) -> None:
    host = FakeHost()
    config = PrinterConfig.from_spec("brother:/dev/usb/lp0", size="29x90")
    job = print_label(report, config, host)
    assert host.calls == [(("dd", "of=/dev/usb/lp0", "bs=65536", "status=none"), job.data)]


def test_cups_argv(report: dict[str, Any]) -> None:
    host = FakeHost()
    config = PrinterConfig.from_spec("cups:Brother_QL_800", size="62", copies=2)
    job = print_label(report, config, host)
    argv, stdin = host.calls[0]
    assert argv == (
        "lp",
        "-d",
        "Brother_QL_800",
        "-n",
        "2",
        "-t",
        f"deuxvie {ASSET_ID}",
        "-o",
        "media=Custom.62x58mm",
        "-o",
        "ppi=300",
    )
    assert stdin == job.data and stdin is not None and stdin.startswith(b"\x89PNG")


def test_cups_failure_is_reported(report: dict[str, Any]) -> None:
    host = FakeHost(returncode=1, stderr=b"lp: The printer or class does not exist.")
    config = PrinterConfig.from_spec("cups:nope", size="zebra-4x6-203")
    with pytest.raises(PrintError, match="does not exist"):
        print_label(report, config, host)


def test_unreachable_tcp_printer(report: dict[str, Any]) -> None:
    sock = socket.create_server(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there any more
    config = PrinterConfig.from_spec(f"zpl:tcp://127.0.0.1:{port}", size="zebra-4x2-203")
    with pytest.raises(PrintError, match="unreachable"):
        print_label(report, config, FakeHost())


def test_png_file(report: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "label.png"
    print_label(report, PrinterConfig.from_spec(f"file:{out}", server=SERVER), FakeHost())
    assert Image.open(out).size == (696, 690)
    assert not list(tmp_path.glob("*.part"))


@pytest.mark.parametrize(
    ("spec", "overrides", "message"),
    [
        ("laser:/dev/lp0", {}, "KIND:TARGET"),
        ("brother:tcp://h", {"size": "zebra-4x6-203"}, "not a Brother label"),
        ("brother:tcp://h", {"size": "102x152"}, "needs one of"),
        ("brother:tcp://h", {"brother_model": "QL-9"}, "brother_model"),
        ("zpl:file:/x", {"zpl_mode": "pdf"}, "zpl_mode"),
        ("file:/x.png", {"copies": 0}, "copies"),
        ("file:/x.png", {"size": "A4"}, "unknown label size"),
    ],
)
def test_config_errors(spec: str, overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PrinterConfig.from_spec(spec, **overrides)


def test_config_from_toml_table() -> None:
    config = PrinterConfig.from_mapping(
        {"kind": "cups", "target": "zebra", "size": "zebra-4x6-203", "cups_options": ["x=y"]}
    )
    assert config.cups_options == ("x=y",)
    with pytest.raises(ConfigError, match="unknown printer keys"):
        PrinterConfig.from_mapping({"kind": "cups", "target": "z", "queue": "z"})


def test_zpl_target_must_be_tcp_or_file(report: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match="not understood"):
        build_job(report, PrinterConfig.from_spec("zpl:/dev/usb/lp0"))


@pytest.mark.parametrize(
    "size", ["zebra-4x6-203", "zebra-4x6-300", "zebra-4x2-203", "zebra-4x2-300"]
)
def test_native_zpl_fields_stay_on_the_label(report: dict[str, Any], size: str) -> None:
    """Native ZPL cannot be looked at without a printer: check its geometry instead."""
    from deuxvie.label.config import SIZES
    from deuxvie.label.zpl import native_zpl

    spec = SIZES[size]
    text = native_zpl(report, size, SERVER).decode()
    for x, y in re.findall(r"\^FO(\d+),(\d+)", text):
        assert 0 <= int(x) < spec.width_px and 0 <= int(y) < spec.height_px
    bar = re.search(r"\^FO(\d+),(\d+)\^BY(\d+),3,(\d+)\^BCN", text)
    assert bar
    x, y, module, height = map(int, bar.groups())
    assert y + height <= spec.height_px
    # 167 modules for this asset id + 10-module quiet zones must fit right of x.
    assert x + (167 + 10) * module <= spec.width_px
    qr = re.search(r"\^FO(\d+),(\d+)\^BQN,2,(\d+)", text)
    assert qr
    qx, qy, mag = map(int, qr.groups())
    assert qx + 41 * mag <= spec.width_px and qy + 41 * mag <= spec.height_px
