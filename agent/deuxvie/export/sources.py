"""Where an export's facts come from: a signed report on disk, a replayed bundle, or this
machine. Each gives a report-shaped dict (at least `inventory`) and, when there is one, the
bundle directory of raw tool outputs."""

from __future__ import annotations

import base64
import binascii
import contextlib
import gzip
import io
import json
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deuxvie.host import Host, HostError, LocalHost, RecordingHost, ReplayHost
from deuxvie.inventory import collect
from deuxvie.model import jsonable
from deuxvie.wire import WireError, parse_envelope

# inxi as workbench-script runs it (its get_data): devicehub-django reads the machine, CPU,
# RAM, GPU, display, network, audio, drives and battery from this JSON.
INXI_ARGV = ["inxi", "-afmnGEMABD", "-x", "3", "--edid", "--output", "json",
             "--output-file", "print"]


class SourceError(ValueError):
    """The input cannot be read as a report or a bundle (the message says why)."""


@dataclass
class Source:
    report: dict[str, Any]
    bundle_dir: Path | None  # raw tool outputs (commands.json + cmd/), when known
    _tmp: tempfile.TemporaryDirectory[str] | None = None

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()


def read_report_file(path: Path) -> dict[str, Any]:
    """A report payload from a `.dsse.json` envelope, or from a plain payload JSON file.

    The envelope's signature is *not* checked here: an export copies facts into another
    tool, the certificate URL it carries is where the signature is verified (ADR 0080)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"{path}: {exc.strerror or exc}") from exc
    try:
        data = parse_envelope(raw)
    except WireError as exc:
        raise SourceError(f"{path}: {exc}") from exc
    if "payload" in data and "signatures" in data:
        try:
            data = json.loads(base64.b64decode(str(data["payload"]), validate=True))
        except (binascii.Error, ValueError) as exc:
            raise SourceError(f"{path}: the envelope's payload is not base64 JSON") from exc
    if not isinstance(data, dict) or not isinstance(data.get("inventory"), dict):
        raise SourceError(f"{path}: not a deuxvie report (no inventory)")
    return data


def unpack_evidence(report: dict[str, Any], into: Path) -> Path | None:
    """The report's evidence (the run's bundle, tar+gzip+base64) unpacked under `into`."""
    evidence = report.get("evidence")
    if not isinstance(evidence, dict) or evidence.get("encoding") != "tar+gzip+base64":
        return None
    try:
        packed = gzip.decompress(base64.b64decode(str(evidence.get("data", ""))))
        with tarfile.open(fileobj=io.BytesIO(packed)) as tar:
            tar.extractall(into, filter="data")  # no absolute paths, no links out
    except (OSError, EOFError, tarfile.TarError, binascii.Error, ValueError) as exc:
        raise SourceError(f"the report's evidence cannot be unpacked: {exc}") from exc
    manifests = sorted(into.rglob("commands.json"))
    return manifests[0].parent if manifests else None


def open_source(
    report_path: Path | None, replay: Path | None, *, record: bool = False
) -> Source:
    """--report wins, then --replay, else this machine (recorded into a temporary bundle when
    `record`, so a Devicehub snapshot has the raw outputs)."""
    if report_path is not None:
        report = read_report_file(report_path)
        tmp = tempfile.TemporaryDirectory(prefix="deuxvie-export-")
        return Source(report, unpack_evidence(report, Path(tmp.name)), tmp)
    if replay is not None:
        host: Host = ReplayHost(replay)
        return Source({"inventory": jsonable(collect(host))}, Path(replay))
    if record:
        tmp = tempfile.TemporaryDirectory(prefix="deuxvie-export-")
        rec = RecordingHost(LocalHost(), tmp.name)
        inventory = jsonable(collect(rec))
        if rec.which("inxi"):
            # recorded into the bundle for Devicehub; optional: the snapshot goes without it
            with contextlib.suppress(HostError):
                rec.run(INXI_ARGV, timeout_s=180)
        return Source({"inventory": inventory}, rec.root, tmp)
    return Source({"inventory": jsonable(collect(LocalHost()))}, None)
