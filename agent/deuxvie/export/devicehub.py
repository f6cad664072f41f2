"""`deuxvie export devicehub`: an eReuse workbench-script snapshot from the raw tool outputs
the agent recorded (the bundle: commands.json + cmd/NNNN.out, deuxvie.host.bundle).

workbench-script (eReuse/workbench-script, workbench-script.py) posts
`{timestamp, type: "Snapshot", uuid, software: "workbench-script", version, operator_id,
data: {smartctl, dmidecode, inxi}, erase: []}` where `data.smartctl` is the JSON *text* of a
list of `smartctl -x --json` documents, `data.dmidecode` the raw `dmidecode` text and
`data.inxi` the raw `inxi --output json` text. devicehub-django (evidence/parse.py) parses a
snapshot with normal_parse only when `software == "workbench-script"` and `data.lshw` is
absent; what it reads is listed in README "deuxvie export devicehub". The outputs are copied
byte for byte: nothing is re-serialised from our parsed model, so Devicehub sees exactly
what the tools printed.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid as uuidlib
from pathlib import Path
from typing import Any

from deuxvie import __version__
from deuxvie.export.sources import Source, SourceError

SOFTWARE = "workbench-script"  # devicehub-django picks its parser on this exact value


def _commands(bundle: Path) -> list[dict[str, Any]]:
    try:
        commands = json.loads((bundle / "commands.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SourceError(f"{bundle}: no readable commands.json ({exc})") from exc
    if not isinstance(commands, list):
        raise SourceError(f"{bundle}/commands.json is not a list")
    return [c for c in commands if isinstance(c, dict) and isinstance(c.get("argv"), list)]


def _stdout(bundle: Path, entry: dict[str, Any]) -> bytes | None:
    ref = entry.get("stdout")
    if not ref or entry.get("error"):
        return None
    path = (bundle / str(ref)).resolve()
    if bundle.resolve() not in path.parents or not path.is_file():
        return None  # a reference outside the bundle is ignored, never followed
    return path.read_bytes()


def _boot_paths(report: dict[str, Any]) -> set[str]:
    disks = (report.get("inventory") or {}).get("disks") or {}
    return {str(d.get("path")) for d in disks.get("value") or [] if d.get("is_boot_medium")}


def raw_outputs(bundle: Path, report: dict[str, Any]) -> dict[str, Any]:
    """The snapshot's `data`: the last dmidecode, one smartctl -x JSON per disk (not the boot
    stick), inxi when it was recorded."""
    dmidecode: bytes | None = None
    smart: dict[str, dict[str, Any]] = {}
    inxi: bytes | None = None
    boot = _boot_paths(report)
    for entry in _commands(bundle):
        argv = [str(a) for a in entry["argv"]]
        out = _stdout(bundle, entry)
        if out is None:
            continue
        if argv == ["dmidecode"]:
            dmidecode = out
        elif argv[0] == "smartctl" and "-x" in argv and any(a.startswith("--json") for a in argv):
            device = argv[-1]
            if device in boot:
                continue  # the stick is not the donated machine (as in the GLPI export)
            try:
                doc = json.loads(out)
            except ValueError:
                continue  # a truncated recording: Devicehub would reject the whole list
            if isinstance(doc, dict):
                smart[device] = doc  # the last run per disk (after a self-test, say)
        elif argv[0] == "inxi" and "--output" in argv:
            inxi = out
    if dmidecode is None:
        raise SourceError(f"{bundle}: no dmidecode output recorded (Devicehub needs it)")
    data: dict[str, Any] = {
        "dmidecode": dmidecode.decode("utf-8", "replace"),
        "smartctl": json.dumps(list(smart.values())),
    }
    if inxi is not None:
        data["inxi"] = inxi.decode("utf-8", "replace")
    return data


def _timestamp(report: dict[str, Any]) -> str:
    """workbench-script writes str(datetime.now()): 'YYYY-MM-DD HH:MM:SS.ffffff'."""
    raw = report.get("created_at") or (report.get("inventory") or {}).get("collected_at")
    try:
        when = dt.datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        when = dt.datetime.now(dt.UTC)
    return str(when.astimezone(dt.UTC).replace(tzinfo=None))


def export_devicehub(source: Source, operator_id: str | None = None) -> dict[str, Any]:
    if source.bundle_dir is None:
        raise SourceError("no raw tool outputs to put in a snapshot (a report without "
                          "evidence): use --replay DIR or run on the machine")
    report = source.report
    return {
        "timestamp": _timestamp(report),
        "type": "Snapshot",
        # the report's uuid when there is one: Devicehub refuses a uuid it already has, so a
        # report sent twice is not two snapshots
        "uuid": str(report.get("uuid") or uuidlib.uuid4()),
        "software": SOFTWARE,
        "version": f"deuxvie-{__version__}",
        "operator_id": operator_id or str(report.get("operator") or ""),
        "data": raw_outputs(source.bundle_dir, report),
        # devicehub-django's normal parser does not read `erase` (sanitize() returns []);
        # our records go there so the erasure travels with the snapshot anyway
        "erase": list(report.get("erasure") or []),
    }
