"""parse_smartctl on real captures: facts checked against what each file says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from deuxvie.parsers import ParseError
from deuxvie.parsers.smartctl import parse_smartctl

DATA = Path(__file__).resolve().parent.parent / "data" / "parsers" / "smartctl"

# file -> facts read by hand from the file (serial None where the collector masked it).
EXPECTED: dict[str, dict[str, Any]] = {
    "devicehub-django__522a4403-bfb3__WDC_WD5000AAKX-08U6AA0.json": dict(
        device_type="sat", model="WDC WD5000AAKX-08U6AA0", serial="WD-WCC2E7NV4C7U",
        firmware="19.01H19", capacity_bytes=500107862016, rotation_rpm=7200, smart_passed=True,
        power_on_hours=23576, reallocated_sectors=0, pending_sectors=0, selftest_failures=0,
        wwn="50014ee260a409a4", logical_sector_bytes=512, temperature_c=30,
    ),
    "devicehub-teal__2022-03-31_17__SAMSUNG_MZVLW1T0HMLH-000L7.json": dict(
        device_type="nvme", model="SAMSUNG MZVLW1T0HMLH-000L7", serial="S35ANX0J401001",
        capacity_bytes=1024209543168, rotation_rpm=0, smart_passed=True, power_on_hours=6032,
        reallocated_sectors=None, nvme_percentage_used=2, nvme_media_errors=0,
        nvme_critical_warning=0,
    ),
    "devicehub-teal__desktop-amd-b__HDT722520DLAT80.json": dict(
        model="HDT722520DLAT80", serial="VD051GTF024B4L", capacity_bytes=200048565760,
        reallocated_sectors=126, pending_sectors=0, power_on_hours=19819, smart_passed=True,
    ),
    "devicehub-teal__snapshot-err__WDC_WD1600BEVT-22A23T0.json": dict(
        model="WDC WD1600BEVT-22A23T0", serial="WD-WX11A80W7430", rotation_rpm=5400,
        capacity_bytes=160041885696, power_on_hours=4731, selftest_failures=0,
        n_selftests=18,
    ),
    "scrutiny__smart-ata-full.json": dict(
        model="Samsung SSD 860 EVO 500GB", serial="S3YZNB0KB00864E", rotation_rpm=0,
        power_on_hours=14551, wwn="5002538e40a22954", temperature_c=36, n_selftests=19,
    ),
    "scrutiny__smart-ata.json": dict(
        model="WDC WD140EDFZ-11A0VA0", capacity_bytes=14000519643136, physical_sector_bytes=4096,
        power_on_hours=1730, serial="9RK1XXXX",
    ),
    "scrutiny__smart-fail2.json": dict(
        device_type="usbjmicron", model="Hitachi HDS721050DLE630", smart_passed=False,
        reallocated_sectors=1975, pending_sectors=8, selftest_failures=3,
        attributes_failing_now=("Reallocated_Sector_Ct",), power_on_hours=65592,
    ),
    "scrutiny__smart-megaraid1.json": dict(
        device_type="sat+megaraid,1", model="WD4000FYYX", serial=None,  # "XXXXXXXXXXXX" mask
        capacity_bytes=4000787030016, reallocated_sectors=387, smart_passed=True,
    ),
    "scrutiny__smart-nvme-failed.json": dict(
        device_type="nvme", model="Samsung SSD 970 EVO 500GB", serial="S466NX0M776250H",
        nvme_media_errors=7, nvme_percentage_used=3, nvme_available_spare=99,
        nvme_available_spare_threshold=10, power_on_hours=12798, smart_passed=True,
    ),
    "scrutiny__smart-scsi2.json": dict(
        device_type="scsi", model="SEAGATE ST1200MM0088", serial="Z4028VRY0000C810BZXB",
        firmware="N004", capacity_bytes=1200243695616, rotation_rpm=10500,
        scsi_grown_defects=0, power_on_hours=5675, temperature_c=31, nvme=None,
    ),
    "smartctl_exporter__SEAGATE_ST373453LC_27.json": dict(
        device_type="scsi", model="SEAGATE ST373453LC", serial=None, scsi_grown_defects=0,
        rotation_rpm=15015, capacity_bytes=73407820800,
    ),
    "smartctl_exporter__ST3500418AS_12.json": dict(
        model="ST3500418AS", serial=None, reallocated_sectors=304, selftest_failures=None,
    ),
    "smartctl_exporter__nvme-null-SAMSUNG_MZWLL3T2HAJQ-00005-nvme0.json": dict(
        device_type="nvme", smart_passed=False, nvme_critical_warning=0x10,
        capacity_bytes=3200631791616,
    ),
    "HDD__HDS721050CLA362__21C7D4DCA76F.txt": dict(
        device_type="ata", model="HDS721050CLA362", serial=None, firmware="JP2OA3EA",
        capacity_bytes=500107862016, rotation_rpm=7200, smart_passed=False,
        power_on_hours=14516, reallocated_sectors=662, pending_sectors=24847,
        offline_uncorrectable=11, selftest_failures=7, spin_retry_count=0,
        attributes_failing_now=("Reallocated_Sector_Ct",), temperature_c=35, wwn=None,
    ),
    # "Completed: handling damage??" (ATA status 8) is a failure too, so 2 failed entries.
    "HDD__HM640JJ__1FECD339779E.txt": dict(
        model="SAMSUNG HM640JJ", smart_passed=False, selftest_failures=2, n_selftests=21,
        attributes_failing_now=("Raw_Read_Error_Rate",), capacity_bytes=640135028736,
    ),
    "HDD__MQ01ABD100__487B292F5490.txt": dict(
        model="TOSHIBA MQ01ABD100", smart_passed=True, pending_sectors=3072,
        selftest_failures=5, power_on_hours=16350, physical_sector_bytes=4096,
    ),
    "HDD__ST1000LM010-9YH146__87BFCEC2A5B3.txt": dict(
        reallocated_sectors=47208, smart_passed=False, selftest_failures=None,
        attributes_failing_now=("Reallocated_Sector_Ct",), power_on_hours=1471,
    ),
    # Locale separators: "2.000.398.934.016 bytes".
    "HDD__WD2000FYYZ-01UL1B2__8411D7622884.txt": dict(
        model="WDC WD2000FYYZ-01UL1B2", capacity_bytes=2000398934016, power_on_hours=58218,
        pending_sectors=237, selftest_failures=2, smart_passed=True,
    ),
    "NVMe__SSDPED1D280GA__4B37B1593B77.txt": dict(
        device_type="nvme", model="INTEL SSDPED1D280GA", capacity_bytes=280065171456,
        smart_passed=False, power_on_hours=22813, nvme_critical_warning=0x08,
        nvme_percentage_used=105, nvme_available_spare=100, nvme_media_errors=0,
        rotation_rpm=0, temperature_c=44,
    ),
    "NVMe__THNSN5512GPU7__B678E5E03BD6.txt": dict(
        model="THNSN5512GPU7 TOSHIBA", nvme_critical_warning=1, nvme_percentage_used=106,
        power_on_hours=28770, smart_passed=False,
    ),
    "SSD__CT500MX200SSD1__04B7C216CC86.txt": dict(
        model="Crucial_CT500MX200SSD1", smart_passed=False, rotation_rpm=0,
        attributes_failing_now=("Percent_Lifetime_Remain",), power_on_hours=34865,
    ),
    "SSD__SSDSC2BW240A4__BD0958E9C32C.txt": dict(
        model="INTEL SSDSC2BW240A4", reallocated_sectors=38, smart_passed=False,
        capacity_bytes=240057409536,
    ),
    # "Power On Hours: 5.809" is 5809 hours printed with a de_DE thousands separator.
    "pySMART__nvme_0__-d_nvme_--all__dev_nvme0.txt": dict(
        model="KBG30ZMV256G TOSHIBA", power_on_hours=5809, nvme_percentage_used=28,
        capacity_bytes=256060514304,
    ),
    "pySMART__nvme_win10_0_issue_64__-d_nvme_--all__dev_sda.txt": dict(
        model="Samsung SSD 980 PRO 1TB", serial="S5P2NG0NB05964V", power_on_hours=3441,
        selftest_failures=0, n_selftests=6, nvme_percentage_used=13,
    ),
    # Capacity printed as "12 000 138 625 024 bytes" with U+00A0/U+202F separators.
    "pySMART__sas_hdd_0_issue_51__-d_scsi_--all__dev_sdc.txt": dict(
        device_type="scsi", model="HGST HUH721212AL4204", serial="8DG3J2ZD", firmware="C3D0",
        capacity_bytes=12000138625024, smart_passed=True, scsi_grown_defects=0,
        rotation_rpm=7200, logical_sector_bytes=4096, wwn="5000cca253066624",
        temperature_c=32, selftest_failures=0,
    ),
    "pySMART__sata_ssd_0_issue_49__-d_ata_--all__dev_sda.txt": dict(
        model="LITEONIT LCT-512L9S-11 2.5 7mm 512GB", serial="TW0HN71H5508549A1220",
        capacity_bytes=512110190592, power_on_hours=2376, reallocated_sectors=0,
    ),
}

ERRORS = {
    "devicehub-django__7aa682aa-77c5__ERROR_sdb.json": "Unknown USB bridge [0x0bda:0x0158",
    "devicehub-django__snapshot_work__ERROR_zd0.json": "Unable to detect device type",
}


def _facts(name: str) -> Any:
    return parse_smartctl((DATA / name).read_bytes())


def _value(facts: Any, key: str) -> Any:
    if key == "n_selftests":
        return len(facts.selftests)
    if key.startswith("nvme_"):
        return getattr(facts.nvme, key.removeprefix("nvme_"))
    return getattr(facts, key)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_facts_match_the_file(name: str) -> None:
    facts = _facts(name)
    got = {key: _value(facts, key) for key in EXPECTED[name]}
    assert got == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_error_only_output_is_valid_with_null_facts(name: str) -> None:
    facts = _facts(name)
    assert facts.model is None and facts.serial is None and facts.device_type is None
    assert facts.smart_passed is None and facts.capacity_bytes is None
    assert facts.nvme is None and facts.selftest_failures is None
    assert facts.smartctl_exit_status == 1
    assert any(ERRORS[name] in m for m in facts.messages)


def test_text_error_only_output() -> None:
    # The text smartctl prints for the same USB bridge (from the JSON "output" lines above).
    text = (
        "smartctl 7.2 2020-12-30 r5155 [x86_64-linux-5.10.0-13-amd64] (local build)\n"
        "Copyright (C) 2002-20, Bruce Allen, Christian Franke, www.smartmontools.org\n\n"
        "/dev/sdb: Unknown USB bridge [0x058f:0x6387 (0x100)]\n"
        "Please specify device type with the -d option.\n\n"
        "Use smartctl -h to get a usage summary\n"
    )
    facts = parse_smartctl(text.encode())
    assert facts.model is None and facts.device_type is None and facts.smart_passed is None
    assert facts.messages[0] == "/dev/sdb: Unknown USB bridge [0x058f:0x6387 (0x100)]"


def test_attribute_table_from_text() -> None:
    facts = _facts("HDD__HDS721050CLA362__21C7D4DCA76F.txt")
    by_id = {a.id: a for a in facts.attributes}
    assert len(facts.attributes) == 17
    realloc = by_id[5]
    assert (realloc.value, realloc.worst, realloc.threshold, realloc.raw) == (1, 1, 5, 662)
    assert realloc.when_failed == "now"
    assert by_id[194].raw_string == "35 (Min/Max 19/37)" and by_id[194].raw == 35
    first = facts.selftests[0]
    assert (first.kind, first.status, first.passed) == (
        "Short offline", "Completed: read failure", False,
    )
    assert (first.lifetime_hours, first.lba_of_first_error) == (14249, 197765129)


def test_attribute_table_from_json() -> None:
    facts = _facts("scrutiny__smart-fail2.json")
    realloc = next(a for a in facts.attributes if a.id == 5)
    assert realloc.when_failed == "now" and realloc.raw == 1975 and realloc.threshold == 5


def test_old_format_attribute_table_from_text_a() -> None:
    # smartctl -a prints the long format: FLAG 0x0032 ... TYPE UPDATED WHEN_FAILED RAW_VALUE.
    facts = _facts("pySMART__sata_ssd_0_issue_49__-d_ata_--all__dev_sda.txt")
    first = facts.attributes[0]
    assert (first.id, first.name, first.value, first.threshold, first.raw) == (
        5, "Reallocated_Sector_Ct", 100, 0, 0,
    )
    assert next(a for a in facts.attributes if a.id == 12).raw == 1000
    assert all(a.when_failed == "" for a in facts.attributes)


def _variants(raw: bytes) -> dict[str, bytes]:
    """The same capture as other locales / platforms would have written it."""
    return {
        "crlf": raw.replace(b"\n", b"\r\n"),
        "latin1_nbsp": raw.replace(b"2.000.398.934.016", b"2\xa0000\xa0398\xa0934\xa0016"),
        "narrow_nbsp": raw.replace(
            b"2.000.398.934.016", "2\u202f000\u202f398\u202f934\u202f016".encode()
        ),
        "comma": raw.replace(b"2.000.398.934.016", b"2,000,398,934,016"),
        "hours_grouped": raw.replace(b"-    58218", b"-    58.218"),
    }


VARIANTS = ["crlf", "latin1_nbsp", "narrow_nbsp", "comma", "hours_grouped"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_locale_and_line_end_variants(variant: str) -> None:
    raw = (DATA / "HDD__WD2000FYYZ-01UL1B2__8411D7622884.txt").read_bytes()
    data = _variants(raw)[variant]
    assert data != raw
    facts = parse_smartctl(data)
    assert facts.capacity_bytes == 2000398934016
    assert facts.power_on_hours == 58218
    assert facts.model == "WDC WD2000FYYZ-01UL1B2"
    assert facts.pending_sectors == 237


def test_not_valid_utf8_is_read_as_latin1() -> None:
    raw = (DATA / "HDD__HM640JJ__1FECD339779E.txt").read_bytes()
    facts = parse_smartctl(raw.replace(b"SAMSUNG HM640JJ", b"SAMSUNG HM640JJ\xe9"))
    assert facts.model == "SAMSUNG HM640JJé"


@pytest.mark.parametrize(
    "data",
    [b"", b"hello world\n", b"{\"smartctl\": {", b"[1, 2]", b"{\"foo\": 1}", b"\x00\xff" * 50],
)
def test_unparseable_input_raises_parse_error(data: bytes) -> None:
    with pytest.raises(ParseError):
        parse_smartctl(data)


def test_truncated_json_raises_parse_error() -> None:
    raw = (DATA / "scrutiny__smart-nvme-failed.json").read_bytes()
    with pytest.raises(ParseError, match="not valid JSON"):
        parse_smartctl(raw[: len(raw) // 2])


def _doc(**extra: Any) -> bytes:
    base: dict[str, Any] = {
        "json_format_version": [1, 0],
        "smartctl": {"version": [7, 3], "exit_status": 0},
        "device": {"name": "/dev/nvme0", "type": "nvme", "protocol": "NVMe"},
        "model_name": "Test",
    }
    return json.dumps({**base, **extra}).encode()


def test_json_nvme_self_test_log() -> None:
    # Layout of smartctl >= 7.3 `nvme_self_test_log` (nvmeprint.cpp); result 7 =
    # "Completed: failed segments", 1 = aborted (no verdict), and a 7.2-style row with
    # the string only.
    table = [
        {"self_test_code": {"value": 2, "string": "Extended"},
         "self_test_result": {"value": 7, "string": "Completed: failed segments"},
         "power_on_hours": 2200, "lba": 123456},
        {"self_test_code": {"value": 1, "string": "Short"},
         "self_test_result": {"value": 1, "string": "Aborted: Self-test command"},
         "power_on_hours": 2199},
        {"self_test_code": {"string": "Short"},
         "self_test_result": {"string": "Completed without error"}, "power_on_hours": 2100},
    ]
    facts = parse_smartctl(_doc(nvme_self_test_log={"table": table}))
    assert [t.passed for t in facts.selftests] == [False, None, True]
    assert facts.selftest_failures == 1
    assert (facts.selftests[0].lifetime_hours, facts.selftests[0].lba_of_first_error) == (
        2200, 123456,
    )


def test_json_ata_self_test_without_passed_key() -> None:
    # 0x79: high nibble 7 = read failure, 90 % remaining; 0xf9 = running.
    rows = [
        {"type": {"value": 2, "string": "Extended offline"},
         "status": {"value": 121, "string": "Completed: read failure"}, "lifetime_hours": 9},
        {"type": {"value": 1, "string": "Short offline"},
         "status": {"value": 249, "string": "Self-test routine in progress"},
         "lifetime_hours": 10},
    ]
    facts = parse_smartctl(_doc(ata_smart_self_test_log={"standard": {"table": rows}}))
    assert [t.passed for t in facts.selftests] == [False, None]
    assert facts.selftest_failures == 1


def test_json_empty_self_test_log_means_zero_failures() -> None:
    facts = parse_smartctl(_doc(ata_smart_self_test_log={"standard": {"revision": 1}}))
    assert facts.selftest_failures == 0 and facts.selftests == ()


@pytest.mark.parametrize("hours", ["55120", "55,120", "55\u00a0120", "55\u202f120"])
@pytest.mark.parametrize("indent", ["", "    "])
def test_scsi_accumulated_power_on_time(hours: str, indent: str) -> None:
    # Line layout from smartmontools scsiprint.cpp ("%sAccumulated power on time,
    # hours:minutes %d:%02d"), indented when printed inside the background scan results.
    text = (
        "smartctl 7.4 2023-08-01 r5530 [x86_64-linux-6.1.0] (local build)\n"
        "=== START OF INFORMATION SECTION ===\n"
        "Vendor:               HITACHI\nProduct:              H106060SDSUN600G\n"
        "Transport protocol:   SAS (SPL-4)\n\n"
        "=== START OF READ SMART DATA SECTION ===\nSMART Health Status: OK\n\n"
        f"{indent}Accumulated power on time, hours:minutes {hours}:47\n"
        "Elements in grown defect list: 3\n"
    )
    facts = parse_smartctl(text.encode())
    assert (facts.device_type, facts.model) == ("scsi", "HITACHI H106060SDSUN600G")
    assert (facts.power_on_hours, facts.scsi_grown_defects, facts.smart_passed) == (
        55120, 3, True,
    )


def test_text_smart_unavailable_is_a_message() -> None:
    text = (
        "smartctl 7.3 2022-02-28 r5338 [x86_64-linux-6.1.0] (local build)\n"
        "=== START OF INFORMATION SECTION ===\n"
        "Device Model:     Generic Flash\nSerial Number:    0000001\n"
        "SMART support is: Unavailable - device lacks SMART capability.\n\n"
        "=== START OF READ SMART DATA SECTION ===\n"
        "Read SMART Data failed: scsi error badly formed scsi parameters\n"
    )
    facts = parse_smartctl(text.encode())
    assert facts.model == "Generic Flash" and facts.smart_passed is None
    assert facts.messages == (
        "SMART support is: Unavailable - device lacks SMART capability.",
        "Read SMART Data failed: scsi error badly formed scsi parameters",
    )
