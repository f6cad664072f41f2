"""Send a label to a printer: a PNG file, Brother QL raster, Zebra ZPL or a CUPS queue.

Commands (`lp`, `dd` to a /dev/usb/lpN device) go through the injected Host, so tests
record their argv and nothing prints by accident. Raw TCP (port 9100, "JetDirect"),
which Brother QL network models and Zebra printers both accept, is `send_tcp` below.
Printing is built first (`build_job`: bytes + where they go) and only then sent
(`send_job`), as DESIGN.md asks of every action with effects outside the agent.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from PIL import Image

from deuxvie.host.base import Host
from deuxvie.label import zpl
from deuxvie.label.config import ConfigError, LabelSize, PrinterConfig, label_size
from deuxvie.label.render import label_text, png_bytes, render_label

RAW_PORT = 9100


class PrintError(RuntimeError):
    """The label could not be delivered; the message says where and why."""


@dataclass(frozen=True)
class PrintJob:
    kind: str  # "file" | "brother" | "zpl" | "cups"
    transport: str  # "file" | "tcp" | "device" | "cups"
    target: str  # path, host:port, device node or queue
    data: bytes
    argv: tuple[str, ...] = ()  # the command that will carry `data` (device, cups)

    def describe(self) -> str:
        return f"{self.kind} -> {self.transport}:{self.target} ({len(self.data)} bytes)"


def brother_raster(image: Image.Image, spec: LabelSize, model: str) -> bytes:
    """Brother QL raster commands for a rendered label (brother_ql's own converter).

    The image is already at the label's printable dots, so brother_ql never resamples it
    (its resize path calls Image.ANTIALIAS, removed in Pillow 10: brother_ql 0.9.4 would
    crash there). Die-cut labels rendered landscape are rotated by rotate="auto"."""
    from brother_ql.conversion import convert
    from brother_ql.raster import BrotherQLRaster

    if spec.brother_label is None:
        raise ConfigError(f"label size {spec.name} is not a Brother label")
    qlr = BrotherQLRaster(model)
    qlr.exception_on_warning = True
    rotate = "0" if spec.brother_label == "62" else "auto"
    data = convert(
        qlr=qlr,
        images=[image.convert("L")],
        label=spec.brother_label,
        rotate=rotate,
        threshold=50,
        dither=False,
        compress=True,
        cut=True,
        hq=True,
    )
    return bytes(data)


def _tcp_target(target: str) -> str:
    parts = urlsplit(target)
    if parts.scheme != "tcp" or not parts.hostname:
        raise ConfigError(f"printer target {target!r}: expected tcp://HOST[:PORT]")
    return f"{parts.hostname}:{parts.port or RAW_PORT}"


def _where(kind: str, target: str) -> tuple[str, str]:
    """(transport, target) from a printer target string."""
    if target.startswith("tcp://"):
        return "tcp", _tcp_target(target)
    if target.startswith("file:"):
        return "file", target.removeprefix("file:").removeprefix("//")
    if kind == "brother" and target.startswith("/dev/"):
        return "device", target
    if kind == "file":
        return "file", target
    raise ConfigError(f"printer target {target!r} not understood for a {kind} printer")


def build_job(
    report: Mapping[str, Any], config: PrinterConfig, image: Image.Image | None = None
) -> PrintJob:
    """Everything needed to print, without printing. `image` reuses a rendered label."""
    spec = label_size(config.size)
    if image is None:
        image = render_label(report, spec, config.server, config.lang)
    if config.kind == "cups":
        asset = label_text(report, config.server, config.lang).asset_id
        lp = ["lp", "-d", config.target, "-n", str(config.copies), "-t", f"deuxvie {asset}"]
        if spec.cups_media:
            lp += ["-o", f"media={spec.cups_media}"]
        # ppi: print the PNG at its native resolution instead of CUPS' scale-to-page.
        lp += ["-o", f"ppi={spec.dpi}"]
        for option in config.cups_options:
            lp += ["-o", option]
        return PrintJob("cups", "cups", config.target, png_bytes(image), tuple(lp))
    transport, target = _where(config.kind, config.target)
    if config.kind == "file":
        return PrintJob("file", "file", target, png_bytes(image))
    if config.kind == "brother":
        data = brother_raster(image, spec, config.brother_model) * config.copies
    else:
        if config.zpl_mode == "native":
            data = zpl.native_zpl(report, spec, config.server, config.lang, config.copies)
        else:
            data = zpl.graphic_zpl(image, config.copies)
    argv: tuple[str, ...] = ()
    if transport == "device":
        # The usblp driver takes the job as one write stream; dd through the Host keeps
        # device access on the hardware boundary.
        argv = ("dd", f"of={target}", "bs=65536", "status=none")
    return PrintJob(config.kind, transport, target, data, argv)


def send_tcp(address: str, data: bytes, timeout_s: float = 10.0) -> None:
    """Write data to a raw print port (host:port) and close; printers answer nothing."""
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout_s) as conn:
            conn.sendall(data)
            conn.shutdown(socket.SHUT_WR)
    except OSError as exc:
        raise PrintError(f"printer at {address} unreachable: {exc}") from exc


def send_job(job: PrintJob, host: Host, timeout_s: float = 60.0) -> None:
    if job.transport == "file":
        path = Path(job.target)
        tmp = path.with_name(path.name + ".part")
        try:
            tmp.write_bytes(job.data)
            tmp.replace(path)  # never leave half a label file behind
        except OSError as exc:
            raise PrintError(f"cannot write {path}: {exc}") from exc
    elif job.transport == "tcp":
        send_tcp(job.target, job.data)
    elif job.transport in ("device", "cups"):
        result = host.run(job.argv, timeout_s=timeout_s, input_bytes=job.data)
        if not result.ok:
            raise PrintError(
                f"{' '.join(job.argv)} failed ({result.returncode}): {result.error_text.strip()}"
            )
    else:
        raise PrintError(f"unknown transport {job.transport}")


def print_label(report: Mapping[str, Any], config: PrinterConfig, host: Host) -> PrintJob:
    """Render, build and send one label; returns the job sent (for logs and reports)."""
    job = build_job(report, config)
    send_job(job, host)
    return job
