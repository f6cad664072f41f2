"""Builds the self-test replay bundles in this folder (run it, then review the diff).

ATA outputs are the real `smartctl -j -a` capture scrutiny__smart-ata.json
(AnalogJ/scrutiny, MIT; it was itself taken during a running test: status 241 = "in
progress, 10% remaining"), cut to the sections `smartctl --json -c -l selftest` prints
and with only `ata_smart_data.self_test.status` and the newest self-test log row changed
per step. The USB-bridge case replays the real error output
devicehub-teal__snapshot-err__ERROR_sdb.json (eReuse/devicehub-teal, AGPL-3.0).
NVMe outputs follow nvme-cli 2.3's JSON printer (keys "Current Device Self-Test
Operation", "Current Device Self-Test Completion", "List of Valid Reports", "Self test
result", "Self test code", "Power on hours", "Failing LBA"; `id-ctrl` key "oacs") and
its error text for a refused admin command. The two captures are the parser tests' copies
(tests/data/parsers/smartctl, kept once).
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CAPTURES = HERE.parents[1] / "parsers" / "smartctl"
DEV = "/dev/sda"
NVME = "/dev/nvme0"
POLL = ["smartctl", "--json", "-c", "-l", "selftest", DEV]
START = ["smartctl", "--json", "-t", "short", DEV]
ABORT = ["smartctl", "-X", DEV]
NPOLL = ["nvme", "self-test-log", NVME, "--output-format=json"]
NSTART = ["nvme", "device-self-test", NVME, "--self-test-code=1"]
NABORT = ["nvme", "device-self-test", NVME, "--self-test-code=15"]
NID = ["nvme", "id-ctrl", NVME, "--output-format=json"]

BASE = json.loads((CAPTURES / "scrutiny__smart-ata.json").read_text())
DONE = {"value": 0, "string": "completed without error", "passed": True}


def running(pct: int) -> dict[str, Any]:
    return {"value": 240 + pct // 10, "string": f"in progress, {pct}% remaining",
            "remaining_percent": pct}


def ata(argv: list[str], status: dict[str, Any], newest: dict[str, Any] | None = None,
        supported: bool = True) -> dict[str, Any]:
    doc = {k: copy.deepcopy(BASE[k]) for k in
           ("json_format_version", "smartctl", "device", "model_name", "serial_number",
            "firmware_version", "user_capacity", "logical_block_size", "local_time",
            "ata_smart_data", "ata_smart_self_test_log")}
    doc["smartctl"]["argv"] = argv
    doc["smartctl"]["version"] = [7, 3]
    doc["device"]["name"] = DEV
    doc["device"]["info_name"] = f"{DEV} [SAT]"
    doc["ata_smart_data"]["self_test"]["status"] = status
    doc["ata_smart_data"]["capabilities"]["self_tests_supported"] = supported
    table = doc["ata_smart_self_test_log"]["standard"]["table"]
    if newest is not None:
        table.insert(0, newest)
        del table[21:]  # the ATA standard log keeps 21 entries
    if status.get("passed") is False:
        doc["smartctl"]["exit_status"] = 128  # smartctl(8) bit 7: self-test log has errors
    return doc


def started(argv: list[str]) -> dict[str, Any]:
    doc = {k: copy.deepcopy(BASE[k]) for k in ("json_format_version", "smartctl", "device",
                                               "local_time")}
    doc["smartctl"]["argv"] = argv
    doc["smartctl"]["version"] = [7, 3]
    doc["device"]["name"] = DEV
    return doc


def row(status_value: int, text: str, passed: bool | None, hours: int,
        lba: int | None = None) -> dict[str, Any]:
    status: dict[str, Any] = {"value": status_value, "string": text}
    if status_value >> 4 == 15:
        status["remaining_percent"] = (status_value & 15) * 10
    elif passed is not None:
        status["passed"] = passed
    r: dict[str, Any] = {"type": {"value": 1, "string": "Short offline"}, "status": status,
                         "lifetime_hours": hours}
    if lba is not None:
        r["lba"] = lba
    return r


def nvme_log(op: int, done: int, newest: dict[str, Any] | None) -> dict[str, Any]:
    reports = [{"Self test result": 0, "Self test code": 1, "Segment number": 0,
                "Valid Diagnostic Information": 0, "Power on hours": 1201,
                "Namespace Identifier": 0, "Failing LBA": 0, "Status Code Type": 0,
                "Status Code": 0, "Vendor Specific": 0}]
    if newest is not None:
        reports.insert(0, newest)
    reports += [{"Self test result": 15}] * (20 - len(reports))
    return {"Current Device Self-Test Operation": op,
            "Current Device Self-Test Completion": done, "List of Valid Reports": reports}


def nvme_row(result: int, hours: int, lba: int = 0) -> dict[str, Any]:
    return {"Self test result": result, "Self test code": 1, "Segment number": 2 if result else 0,
            "Valid Diagnostic Information": 3 if lba else 0, "Power on hours": hours,
            "Namespace Identifier": 1 if lba else 0, "Failing LBA": lba,
            "Status Code Type": 0, "Status Code": 0, "Vendor Specific": 0}


ID_CTRL = {"vid": 5197, "ssvid": 5197, "sn": "S4EUNX0N123456",
           "mn": "Samsung SSD 970 EVO Plus 250GB", "fr": "2B2QEXM7", "rab": 2, "ieee": 9528,
           "cmic": 0, "mdts": 9, "cntlid": 4,
           "ver": 66304, "oacs": 23, "acl": 7, "aerl": 3, "frmw": 22, "lpa": 3, "elpe": 63,
           "npss": 4, "avscc": 1, "apsta": 1, "wctemp": 358, "cctemp": 358}


def write(name: str, steps: list[tuple[list[str], Any, int, str]]) -> None:
    root = HERE / name
    shutil.rmtree(root, ignore_errors=True)
    (root / "cmd").mkdir(parents=True)
    (root / "manifest.json").write_text(json.dumps(
        {"format": "deuxvie-bundle/1", "created_at": "2026-11-22T05:00:00+00:00",
         "hostname": "make_bundles.py", "closed_world": True}, indent=2) + "\n")
    commands = []
    for n, (argv, out, rc, err) in enumerate(steps, 1):
        stdout = out if isinstance(out, str) else json.dumps(out, indent=2) + "\n"
        (root / f"cmd/{n:04d}.out").write_text(stdout)
        (root / f"cmd/{n:04d}.err").write_text(err)
        commands.append({"argv": argv, "returncode": rc, "stdout": f"cmd/{n:04d}.out",
                         "stderr": f"cmd/{n:04d}.err"})
    (root / "commands.json").write_text(json.dumps(commands, indent=1) + "\n")
    which = {"smartctl": "/usr/sbin/smartctl",
             "nvme": "/usr/sbin/nvme" if any(a[0] == "nvme" for a, *_ in steps) else None}
    (root / "fs.json").write_text(json.dumps({"which": which}, indent=1) + "\n")


def main() -> None:
    idle = DONE
    h = 1709  # one hour after the newest real log entry (1708)
    # ATA: idle, started, running 90 -> 50 -> 10 %, then completed without error.
    write("ata_passed", [
        (POLL, ata(POLL, idle), 0, ""),
        (START, started(START), 0, ""),
        (POLL, ata(POLL, running(90), row(249, "Self-test routine in progress", None, h)), 0, ""),
        (POLL, ata(POLL, running(50), row(245, "Self-test routine in progress", None, h)), 0, ""),
        (POLL, ata(POLL, running(10), row(241, "Self-test routine in progress", None, h)), 0, ""),
        (POLL, ata(POLL, idle, row(0, "Completed without error", True, h)), 0, ""),
    ])
    # ATA: read failure at 60 % remaining (status 0x76 = 118: read failure, 60 % left).
    fail_status = {"value": 118, "string": "completed: read failure", "remaining_percent": 60,
                   "passed": False}
    write("ata_failed", [
        (POLL, ata(POLL, idle), 0, ""),
        (START, started(START), 0, ""),
        (POLL, ata(POLL, running(90)), 0, ""),
        (POLL, ata(POLL, fail_status, row(118, "Completed: read failure", False, h, 104870168)),
         128, ""),
    ])
    # ATA: the drive never finishes (stuck at 90 %): the time limit aborts it.
    write("ata_timeout", [
        (POLL, ata(POLL, idle), 0, ""),
        (START, started(START), 0, ""),
        (POLL, ata(POLL, running(90)), 0, ""),
        (ABORT, "smartctl 7.3 2022-02-28 r5338 [x86_64-linux] (local build)\n"
                "=== START OF OFFLINE IMMEDIATE AND SELF-TEST SECTION ===\n"
                "Sending command: \"Abort SMART off-line mode self-test routine\".\n"
                "Self-testing aborted!\n", 0, ""),
    ])
    # ATA drive that reports no self-test capability.
    write("ata_unsupported", [(POLL, ata(POLL, idle, supported=False), 0, "")])
    # Disk behind a USB bridge smartctl does not know: the real error output, exit status 1.
    usb = json.loads((CAPTURES / "devicehub-teal__snapshot-err__ERROR_sdb.json").read_text())
    write("usb_bridge", [(POLL, usb, 1, "")])
    # NVMe through nvme-cli: short test 0 -> 45 -> 90 % then passed.
    write("nvme_passed", [
        (NID, ID_CTRL, 0, ""),
        (NPOLL, nvme_log(0, 0, None), 0, ""),
        (NSTART, "Short Device self-test started\n", 0, ""),
        (NPOLL, nvme_log(1, 45, None), 0, ""),
        (NPOLL, nvme_log(1, 90, None), 0, ""),
        (NPOLL, nvme_log(0, 0, nvme_row(0, 1202)), 0, ""),
    ])
    # NVMe: segment failure with a failing LBA (result 7).
    write("nvme_failed", [
        (NID, ID_CTRL, 0, ""),
        (NPOLL, nvme_log(0, 0, None), 0, ""),
        (NSTART, "Short Device self-test started\n", 0, ""),
        (NPOLL, nvme_log(1, 30, None), 0, ""),
        (NPOLL, nvme_log(0, 0, nvme_row(7, 1202, lba=7340032)), 0, ""),
    ])
    # NVMe without Device Self-test in OACS (bit 4 clear: 0x6 = Format + Firmware).
    write("nvme_unsupported", [(NID, {**ID_CTRL, "oacs": 6}, 0, "")])
    # NVMe that advertises the command but refuses it (firmware bug seen on DRAM-less drives).
    write("nvme_refused", [
        (NID, ID_CTRL, 0, ""),
        (NPOLL, nvme_log(0, 0, None), 0, ""),
        (NSTART, "", 1, "NVMe status: Invalid Command Opcode: A reserved coded value or an "
                        "unsupported value in the command opcode field(0x1)\n"),
    ])


if __name__ == "__main__":
    main()
