"""smartctl output (``--json`` or plain text ``-x`` / ``-a``) -> SmartFacts.

JSON is what the agent records (smartctl >= 7.0); the text path exists because workshops and
public corpora (linuxhw/EnterpriseDrive, py-SMART test data) keep text captures, and because
the coordination service re-parses archived raw outputs.

Rules shared by both paths:
- None means "the output does not say"; never 0 by default.
- An output that only reports smartctl's own error ("Unknown USB bridge", "Unable to detect
  device type") is valid: every fact is None and the error is in `messages`.
- Attribute raw counts are the leading integer of the raw *string*, not JSON ``raw.value``:
  for attributes such as 188 Command_Timeout smartctl packs three 16-bit counters into the
  48-bit raw value ("0 2 2" -> 8590065666), and the first counter is the one that counts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from deuxvie.model.smart import NvmeHealth, SelfTestEntry, SmartAttribute, SmartFacts
from deuxvie.parsers.errors import ParseError
from deuxvie.parsers.numbers import decode_text, leading_int

__all__ = ["parse_smartctl"]

# Collectors mask serial numbers ("--" linuxhw, "REDACTED" smartctl_exporter, X-runs scrutiny);
# a mask is not a serial number.
_MASKED = re.compile(r"^(?:[-.*xX\s]*|REDACTED|\[?masked\]?|N/A)$", re.IGNORECASE)


def parse_smartctl(data: bytes | str) -> SmartFacts:
    """Facts from one smartctl output; raises ParseError if it is not smartctl output."""
    raw = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data
    if raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        try:
            doc = json.loads(raw)
        except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
            raise ParseError(f"smartctl JSON is not valid JSON: {exc}") from exc
        return _from_json(doc)
    return _from_text(decode_text(raw))


# --------------------------------------------------------------------------- shared helpers


@dataclass
class _Acc:
    """Facts gathered while reading; turned into the frozen SmartFacts at the end."""

    device_type: str | None = None
    model: str | None = None
    serial: str | None = None
    firmware: str | None = None
    capacity_bytes: int | None = None
    rotation_rpm: int | None = None
    smart_passed: bool | None = None
    power_on_hours: int | None = None
    nvme: dict[str, int | None] = field(default_factory=dict)
    scsi_grown_defects: int | None = None
    messages: list[str] = field(default_factory=list)
    wwn: str | None = None
    logical_sector_bytes: int | None = None
    physical_sector_bytes: int | None = None
    temperature_c: int | None = None
    attributes: list[SmartAttribute] = field(default_factory=list)
    selftests: list[SelfTestEntry] = field(default_factory=list)
    selftest_log_seen: bool = False
    exit_status: int | None = None

    def build(self) -> SmartFacts:
        by_id = {a.id: a for a in self.attributes}

        def raw(attr_id: int) -> int | None:
            a = by_id.get(attr_id)
            return a.raw if a is not None else None

        nvme = None
        if self.nvme:
            nvme = NvmeHealth(
                critical_warning=self.nvme.get("critical_warning"),
                percentage_used=self.nvme.get("percentage_used"),
                available_spare=self.nvme.get("available_spare"),
                available_spare_threshold=self.nvme.get("available_spare_threshold"),
                media_errors=self.nvme.get("media_errors"),
                unsafe_shutdowns=self.nvme.get("unsafe_shutdowns"),
                temperature_c=self.nvme.get("temperature_c"),
            )
        temperature = self.temperature_c
        if temperature is None:
            temperature = raw(194) if 194 in by_id else raw(190)
        if temperature is None and nvme is not None:
            temperature = nvme.temperature_c
        rotation = self.rotation_rpm
        if rotation is None and (self.device_type == "nvme" or self.nvme):
            rotation = 0  # NVMe devices are flash; smartctl prints no rotation rate for them
        failures = sum(1 for t in self.selftests if t.passed is False)
        return SmartFacts(
            device_type=self.device_type,
            model=self.model,
            serial=self.serial,
            firmware=self.firmware,
            capacity_bytes=self.capacity_bytes,
            rotation_rpm=rotation,
            smart_passed=self.smart_passed,
            power_on_hours=(
                self.power_on_hours if self.power_on_hours is not None else _poh_attr(by_id)
            ),
            reallocated_sectors=raw(5),
            pending_sectors=raw(197),
            offline_uncorrectable=raw(198),
            reported_uncorrectable=raw(187),
            command_timeout=raw(188),
            selftest_failures=failures if (self.selftest_log_seen or self.selftests) else None,
            attributes_failing_now=tuple(a.name for a in self.attributes if a.when_failed == "now"),
            nvme=nvme,
            scsi_grown_defects=self.scsi_grown_defects,
            messages=tuple(self.messages),
            wwn=self.wwn,
            logical_sector_bytes=self.logical_sector_bytes,
            physical_sector_bytes=self.physical_sector_bytes,
            temperature_c=temperature,
            spin_retry_count=raw(10),
            attributes=tuple(self.attributes),
            selftests=tuple(self.selftests),
            smartctl_exit_status=self.exit_status,
        )


def _poh_attr(by_id: Mapping[int, SmartAttribute]) -> int | None:
    """Power-on hours from ATA attribute 9, whose unit depends on the vendor (drivedb name)."""
    a = by_id.get(9)
    if a is None or a.raw is None:
        return None
    name = a.name.lower()
    if "half_min" in name:  # Power_On_Half_Minutes (old Samsung/Maxtor)
        return a.raw // 120
    if "minutes" in name:
        return a.raw // 60
    if "seconds" in name:
        return a.raw // 3600
    return a.raw


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    return None if _MASKED.match(value) else value


def _when_failed(text: str) -> str:
    t = text.strip().lower()
    if t in ("now", "failing_now"):
        return "now"
    if t in ("past", "in_the_past"):
        return "past"
    return ""


# --------------------------------------------------------------------------- JSON


def _get(doc: object, *path: str | int) -> Any:
    """doc[path...] or None when any step is missing or of the wrong type (fuzzed input)."""
    cur: Any = doc
    for key in path:
        if isinstance(key, int):
            if not isinstance(cur, list) or not -len(cur) <= key < len(cur):
                return None
        elif not isinstance(cur, dict):
            return None
        cur = cur[key] if isinstance(key, int) else cur.get(key)
    return cur


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _from_json(doc: object) -> SmartFacts:
    if not isinstance(doc, dict) or not (
        "smartctl" in doc or "json_format_version" in doc or "device" in doc
    ):
        raise ParseError("JSON document is not smartctl --json output (no 'smartctl' key)")
    acc = _Acc()
    acc.exit_status = _int(_get(doc, "smartctl", "exit_status"))
    for m in _list(_get(doc, "smartctl", "messages")):
        s = _get(m, "string")
        if isinstance(s, str):
            acc.messages.append(s)

    dtype = _get(doc, "device", "type")
    if not isinstance(dtype, str):
        dtype = _get(doc, "device", "protocol")  # "ATA", "NVMe", "SCSI"
    acc.device_type = dtype.lower() if isinstance(dtype, str) else None
    acc.model = _clean(doc.get("model_name")) or _clean(doc.get("scsi_model_name"))
    if acc.model is None:
        parts = [_clean(doc.get(k)) for k in ("scsi_vendor", "vendor", "scsi_product", "product")]
        acc.model = " ".join(p for p in parts if p) or None
    acc.serial = _clean(doc.get("serial_number"))
    acc.firmware = _clean(doc.get("firmware_version")) or _clean(doc.get("revision"))
    acc.firmware = acc.firmware or _clean(doc.get("scsi_revision"))
    acc.capacity_bytes = (
        _int(_get(doc, "user_capacity", "bytes"))
        or _int(doc.get("nvme_total_capacity"))
        or _int(_get(doc, "nvme_namespaces", 0, "size", "bytes"))
    )
    acc.rotation_rpm = _int(doc.get("rotation_rate"))
    passed = _get(doc, "smart_status", "passed")
    acc.smart_passed = passed if isinstance(passed, bool) else None
    acc.power_on_hours = _int(_get(doc, "power_on_time", "hours"))
    acc.logical_sector_bytes = _int(doc.get("logical_block_size"))
    acc.physical_sector_bytes = _int(doc.get("physical_block_size"))
    acc.temperature_c = _int(_get(doc, "temperature", "current"))
    acc.scsi_grown_defects = _int(doc.get("scsi_grown_defect_list"))
    acc.wwn = _json_wwn(doc)

    health = doc.get("nvme_smart_health_information_log")
    if isinstance(health, dict):
        acc.nvme = {
            "critical_warning": _int(health.get("critical_warning")),
            "percentage_used": _int(health.get("percentage_used")),
            "available_spare": _int(health.get("available_spare")),
            "available_spare_threshold": _int(health.get("available_spare_threshold")),
            "media_errors": _int(health.get("media_errors")),
            "unsafe_shutdowns": _int(health.get("unsafe_shutdowns")),
            "temperature_c": _int(health.get("temperature")),
        }
        if acc.power_on_hours is None:
            acc.power_on_hours = _int(health.get("power_on_hours"))

    for row in _list(_get(doc, "ata_smart_attributes", "table")):
        attr = _json_attribute(row)
        if attr is not None:
            acc.attributes.append(attr)
    _json_selftests(doc, acc)
    return acc.build()


def _json_wwn(doc: dict[str, Any]) -> str | None:
    naa, oui, ident = (_int(_get(doc, "wwn", k)) for k in ("naa", "oui", "id"))
    if naa is not None and oui is not None and ident is not None:
        # Same 16 hex digits smartctl prints as "LU WWN Device Id: 5 0014ee 2b1234567".
        return f"{naa:x}{oui:06x}{ident:09x}"
    lu = doc.get("logical_unit_id")
    if isinstance(lu, str) and re.fullmatch(r"0x[0-9a-fA-F]+", lu):
        return lu[2:].lower()
    return None


def _json_attribute(row: object) -> SmartAttribute | None:
    attr_id = _int(_get(row, "id"))
    if attr_id is None:
        return None
    name = _get(row, "name")
    raw_string = _get(row, "raw", "string")
    raw_value = _int(_get(row, "raw", "value"))
    if isinstance(raw_string, str):
        raw = leading_int(raw_string)
    else:
        raw_string = "" if raw_value is None else str(raw_value)
        raw = raw_value
    when = _get(row, "when_failed")
    return SmartAttribute(
        id=attr_id,
        name=name if isinstance(name, str) else f"Unknown_Attribute_{attr_id}",
        value=_int(_get(row, "value")),
        worst=_int(_get(row, "worst")),
        threshold=_int(_get(row, "thresh")),
        raw=raw,
        raw_string=raw_string,
        when_failed=_when_failed(when) if isinstance(when, str) else "",
    )


# NVMe self-test result codes (NVMe base spec 1.4, Figure 209 "Self-test Result"):
# 0 completed without error, 5 fatal error, 6 unknown failed segment, 7 failed segments;
# the others are aborts, which say nothing about the medium.
_NVME_FAILED = {5, 6, 7}
# SCSI SELF-TEST RESULTS log page (SPC-4 7.3.17): 3 unknown error, 4-7 failed segment.
_SCSI_FAILED = {3, 4, 5, 6, 7}
# ATA self-test execution status (ACS-3 9.11.7.3.1 / smartctl ataprint.cpp): 3 fatal,
# 4 unknown failure, 5 electrical, 6 servo/seek, 7 read, 8 handling damage.
_ATA_FAILED = {3, 4, 5, 6, 7, 8}


def _verdict(code: int | None, failed: set[int], status: str) -> bool | None:
    """True passed, False failed, None aborted/running; the text when the code is missing
    (smartctl 7.2 prints some self-test results with a string only)."""
    if code is not None:
        return True if code == 0 else (False if code in failed else None)
    return _status_passed(status) if status else None


def _json_selftests(doc: dict[str, Any], acc: _Acc) -> None:
    ata_log = doc.get("ata_smart_self_test_log")
    if isinstance(ata_log, dict):
        acc.selftest_log_seen = True
        # -x prints both logs; the extended (GPL) log is the complete one.
        table = _get(ata_log, "extended", "table") or _get(ata_log, "standard", "table")
        for row in _list(table):
            passed = _get(row, "status", "passed")
            kind, status = _get(row, "type", "string"), _get(row, "status", "string")
            status = status if isinstance(status, str) else ""
            if not isinstance(passed, bool):
                # smartctl adds "passed" only to finished tests; the status byte's high
                # nibble is the ACS self-test execution status.
                value = _int(_get(row, "status", "value"))
                passed = _verdict(None if value is None else value >> 4, _ATA_FAILED, status)
            acc.selftests.append(
                SelfTestEntry(
                    kind=kind if isinstance(kind, str) else "",
                    status=status,
                    passed=passed,
                    lifetime_hours=_int(_get(row, "lifetime_hours")),
                    lba_of_first_error=_int(_get(row, "lba")),
                )
            )
    nvme_log = doc.get("nvme_self_test_log")
    if isinstance(nvme_log, dict):
        acc.selftest_log_seen = True
        for row in _list(nvme_log.get("table")):
            code = _int(_get(row, "self_test_result", "value"))
            kind = _get(row, "self_test_code", "string")
            status = _get(row, "self_test_result", "string")
            status = status if isinstance(status, str) else ""
            acc.selftests.append(
                SelfTestEntry(
                    kind=kind if isinstance(kind, str) else "",
                    status=status,
                    passed=_verdict(code, _NVME_FAILED, status),
                    lifetime_hours=_int(_get(row, "power_on_hours")),
                    lba_of_first_error=_int(_get(row, "lba")),
                )
            )
    scsi_keys = sorted(k for k in doc if k.startswith("scsi_self_test_"))
    if scsi_keys:
        acc.selftest_log_seen = True
    for key in scsi_keys:
        row = doc[key]
        code = _int(_get(row, "result", "value"))
        kind, status = _get(row, "code", "string"), _get(row, "result", "string")
        status = status if isinstance(status, str) else ""
        acc.selftests.append(
            SelfTestEntry(
                kind=kind if isinstance(kind, str) else "",
                status=status,
                passed=_verdict(code, _SCSI_FAILED, status),
                lifetime_hours=_int(_get(row, "power_on_time", "hours")),
                lba_of_first_error=_int(_get(row, "lba_first_failure", "value")),
            )
        )


# --------------------------------------------------------------------------- text

_HEADER = re.compile(r"^smartctl (?:pre-)?\d+\.\d+", re.MULTILINE)
_FIELD = re.compile(r"^([A-Za-z][^:\n]{0,60}?):[ \t]*(.*)$", re.MULTILINE)
_ATTR_BRIEF = re.compile(r"^[PO\-][O\-][S\-][R\-][C\-][K\-]$")  # -x "FLAGS" column


def _from_text(text: str) -> SmartFacts:
    if not _HEADER.search(text) and "=== START OF" not in text:
        raise ParseError("not smartctl output (no 'smartctl X.Y' banner, no '=== START OF')")
    acc = _Acc()
    fields: dict[str, str] = {}
    for m in _FIELD.finditer(text):
        fields.setdefault(m.group(1).strip(), m.group(2).strip())
    lines = text.split("\n")
    acc.messages = _text_messages(lines)
    acc.device_type = _text_device_type(text, fields)
    if acc.device_type is None:
        return acc.build()  # error-only output: nothing else to read

    acc.model = _clean(fields.get("Device Model")) or _clean(fields.get("Model Number"))
    if acc.model is None:
        parts = [_clean(fields.get(k)) for k in ("Vendor", "Product")]
        acc.model = " ".join(p for p in parts if p) or None
    acc.serial = _clean(fields.get("Serial Number")) or _clean(fields.get("Serial number"))
    acc.firmware = _clean(fields.get("Firmware Version")) or _clean(fields.get("Revision"))
    for key in ("User Capacity", "Total NVM Capacity", "Namespace 1 Size/Capacity"):
        if key in fields and acc.capacity_bytes is None:
            acc.capacity_bytes = leading_int(fields[key])
    rot = fields.get("Rotation Rate")
    if rot is not None:
        acc.rotation_rpm = 0 if "solid state" in rot.lower() else leading_int(rot)
    acc.smart_passed = _text_health(fields)
    _text_sectors(fields, acc)
    acc.wwn = _text_wwn(fields)
    acc.temperature_c = _first_int(
        fields, "Current Temperature", "Current Drive Temperature", "Temperature"
    )
    acc.scsi_grown_defects = _first_int(fields, "Elements in grown defect list")
    acc.power_on_hours = _text_power_on_hours(text, fields)
    if acc.device_type == "nvme" or "Critical Warning" in fields:
        acc.nvme = _text_nvme(fields)
    acc.attributes = list(_text_attributes(lines))
    _text_selftests(lines, acc)
    return acc.build()


def _first_int(fields: Mapping[str, str], *keys: str) -> int | None:
    for key in keys:
        if key in fields:
            value = leading_int(fields[key])
            if value is not None:
                return value
    return None


# smartctl's own complaints printed inside the sections (ataprint.cpp / scsiprint.cpp).
_MESSAGE = re.compile(
    r"^(Warning[:!]|Read .* failed|SMART .* failed|Drive failure expected"
    r"|SMART support is: Unavailable|SMART Disabled|Device is in STANDBY mode)"
)


def _text_messages(lines: list[str]) -> list[str]:
    """smartctl's own complaints: the lines between the banner and the first section."""
    out: list[str] = []
    started = False
    for line in lines:
        s = line.strip()
        if _HEADER.match(s):
            started = True
            continue
        if s.startswith("=== START OF"):
            break
        if started and s and not s.startswith("Copyright"):
            out.append(s)
    for line in lines:
        s = line.strip()
        if _MESSAGE.match(s) and s not in out:
            out.append(s)
    return out


def _text_device_type(text: str, fields: Mapping[str, str]) -> str | None:
    # A capture that kept its command line ("# smartctl -x -d sat /dev/sda") names the type.
    for line in text.split("\n", 20)[:20]:
        if "smartctl " in line and not _HEADER.match(line.strip()):
            m = re.search(r"\s(?:-d\s*|--device=)([\w,+]+)", line)
            if m:
                return m.group(1).lower()
    if "Model Number" in fields or "NVMe Log" in text:
        return "nvme"
    if "Transport protocol" in fields or ("Vendor" in fields and "Product" in fields):
        return "scsi"
    if "Device Model" in fields or "ATA Version is" in fields:
        return "ata"
    return None


def _text_health(fields: Mapping[str, str]) -> bool | None:
    ata = fields.get("SMART overall-health self-assessment test result")
    if ata is not None:
        if ata.upper().startswith("PASSED"):
            return True
        if ata.upper().startswith("FAILED"):
            return False
    scsi = fields.get("SMART Health Status")
    if scsi:
        # SCSI prints "OK" or the decoded informational exception ("HARDWARE IMPENDING ...").
        return scsi.upper().startswith("OK")
    return None


def _text_sectors(fields: Mapping[str, str], acc: _Acc) -> None:
    both = fields.get("Sector Size")  # "512 bytes logical/physical"
    if both is not None:
        acc.logical_sector_bytes = acc.physical_sector_bytes = leading_int(both)
    sizes = fields.get("Sector Sizes")  # "512 bytes logical, 4096 bytes physical"
    if sizes is not None:
        m = re.search(r"(\d+) bytes logical, (\d+) bytes physical", sizes)
        if m:
            acc.logical_sector_bytes, acc.physical_sector_bytes = int(m[1]), int(m[2])
    for key, attr in (("Logical block size", "logical"), ("Physical block size", "physical")):
        if key in fields:
            setattr(acc, f"{attr}_sector_bytes", leading_int(fields[key]))
    if acc.logical_sector_bytes is None:
        acc.logical_sector_bytes = _first_int(fields, "Namespace 1 Formatted LBA Size")


def _text_wwn(fields: Mapping[str, str]) -> str | None:
    lu = fields.get("LU WWN Device Id")  # "5 0014ee 2b1234567"; linuxhw masks it with "..."
    if lu is not None:
        compact = lu.replace(" ", "")
        return compact.lower() if re.fullmatch(r"[0-9a-fA-F]{16}", compact) else None
    scsi = fields.get("Logical Unit id")
    if scsi is not None and re.fullmatch(r"0x[0-9a-fA-F]{16}", scsi):
        return scsi[2:].lower()
    return None


_SCSI_POWER_ON = re.compile(r"Accumulated power on time, hours:minutes\s+([\d.,'\u00a0\u202f]+):")


def _text_power_on_hours(text: str, fields: Mapping[str, str]) -> int | None:
    value = _first_int(fields, "Power On Hours")  # NVMe
    if value is not None:
        return value
    # SCSI (scsiprint.cpp): "Accumulated power on time, hours:minutes 55120:47", at the start
    # of a line (-a) or indented in the background scan results (-x).
    m = _SCSI_POWER_ON.search(text)
    if m:
        return leading_int(m[1])
    return None  # ATA: attribute 9, see _poh_attr


def _text_nvme(fields: Mapping[str, str]) -> dict[str, int | None]:
    cw = fields.get("Critical Warning", "")
    m = re.match(r"0x([0-9a-fA-F]+)", cw)
    return {
        "critical_warning": int(m[1], 16) if m else leading_int(cw),
        "percentage_used": _first_int(fields, "Percentage Used"),
        "available_spare": _first_int(fields, "Available Spare"),
        "available_spare_threshold": _first_int(fields, "Available Spare Threshold"),
        "media_errors": _first_int(fields, "Media and Data Integrity Errors"),
        "unsafe_shutdowns": _first_int(fields, "Unsafe Shutdowns"),
        "temperature_c": _first_int(fields, "Temperature"),
    }


def _norm(text: str) -> int | None:
    return None if text.strip("-") == "" else leading_int(text)


def _text_attributes(lines: Iterable[str]) -> Iterable[SmartAttribute]:
    in_table = False
    for line in lines:
        if line.startswith("ID# ATTRIBUTE_NAME"):
            in_table = True
            continue
        if not in_table:
            continue
        parts = line.split()
        if len(parts) < 7 or not parts[0].isdigit():
            if line.strip() == "" or not line.startswith(" "):
                in_table = False
            continue
        if parts[2].startswith("0x") and len(parts) >= 9:
            # -a: ID NAME FLAG VALUE WORST THRESH TYPE UPDATED WHEN_FAILED RAW_VALUE
            cols = line.split(None, 9)
            when, raw_string = cols[8], cols[9].strip() if len(cols) > 9 else ""
        elif _ATTR_BRIEF.match(parts[2]):
            # -x (brief): ID NAME FLAGS VALUE WORST THRESH FAIL RAW_VALUE
            cols = line.split(None, 7)
            when, raw_string = cols[6], cols[7].strip() if len(cols) > 7 else ""
        else:
            continue
        yield SmartAttribute(
            id=int(parts[0]),
            name=parts[1],
            value=_norm(parts[3]),
            worst=_norm(parts[4]),
            threshold=_norm(parts[5]),
            raw=leading_int(raw_string),
            raw_string=raw_string,
            when_failed=_when_failed(when),
        )


# Status texts of smartctl's ataprint.cpp / nvmeprint.cpp / scsiprint.cpp self-test logs.
_FAILED_STATUS = re.compile(r"failure|fatal|damage|failed|unknown error", re.IGNORECASE)


def _status_passed(status: str) -> bool | None:
    s = status.strip()
    if _FAILED_STATUS.search(s):
        return False
    if s.startswith("Completed"):  # "Completed without error" (ATA/NVMe), "Completed" (SCSI)
        return True
    return None  # aborted, interrupted, in progress: not a verdict on the medium


def _text_selftests(lines: list[str], acc: _Acc) -> None:
    section: str | None = None
    for line in lines:
        s = line.strip()
        low = s.lower()
        if re.match(r"smart (extended )?self-test log|self-test log \(nvme", low):
            section = "nvme" if "nvme" in low else "ata"
            acc.selftest_log_seen = True
            continue
        if low.startswith("no self-tests have been logged"):
            acc.selftest_log_seen = True
            section = None
            continue
        if section is None:
            continue
        if s == "" or s.startswith("SMART Selective"):
            section = None
            continue
        if section == "ata" and s.startswith("#"):
            # "# 1  Short offline   Completed: read failure   90%   14249   197765129"
            # SCSI: "# 1  Background short  Completed   -   32883   - [-   -    -]"
            parts = re.split(r"\s{2,}", s)
            if len(parts) >= 3:
                acc.selftests.append(_entry(parts[1], parts[2], parts[4:]))
        elif section == "nvme" and re.match(r"\d+\s", s):
            # " 0   Extended   Completed without error   3441   -   -   -   -"
            parts = re.split(r"\s{2,}", s)
            if len(parts) >= 3:
                acc.selftests.append(_entry(parts[1], parts[2], parts[3:]))


def _entry(kind: str, status: str, rest: list[str]) -> SelfTestEntry:
    hours = leading_int(rest[0]) if rest else None
    lba = None
    if len(rest) > 1 and re.fullmatch(r"\d+", rest[1].strip()):
        lba = int(rest[1])
    return SelfTestEntry(
        kind=kind.strip(),
        status=status.strip(),
        passed=_status_passed(status),
        lifetime_hours=hours,
        lba_of_first_error=lba,
    )
