"""SMART verdicts of real captures (parsed by deuxvie.parsers.smartctl, default policy).

The expectation table follows the notes of ../shared/corpus/SOURCES.md: health FAILED,
reallocated / pending / offline-uncorrectable counts, failed self-tests, NVMe wear over
100 % and critical warnings, USB-bridge errors. Files whose notes say nothing about a
failure but whose attributes trip a default rule say why in a comment.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from deuxvie.grading.policy import default_policy
from deuxvie.grading.smart_eval import SmartVerdict, evaluate_smart, verdict_fields
from deuxvie.parsers.smartctl import parse_smartctl

# The smartctl captures are kept once, beside the parser tests' (tests/data/SOURCES.md).
DATA = Path(__file__).resolve().parents[1] / "data" / "parsers" / "smartctl"
POLICY = default_policy()
P, W, F, U = SmartVerdict.PASS, SmartVerdict.WARN, SmartVerdict.FAIL, SmartVerdict.UNKNOWN
UNREADABLE = (U, {"smart.unreadable"})

EXPECTED: dict[str, tuple[SmartVerdict, set[str]]] = {
    # --- JSON (smartctl -x/-a --json) ---
    "devicehub-django__522a4403-bfb3__WDC_WD5000AAKX-08U6AA0.json": (P, set()),
    "devicehub-django__5d2f7902-ceb4__WDC_WDS240G2G0A-00JH30.json": (W, {"smart.reallocated"}),
    "devicehub-django__7aa682aa-77c5__Crucial_CT275MX300SSD1.json": (P, set()),
    "devicehub-django__7aa682aa-77c5__ERROR_sdb.json": UNREADABLE,  # Unknown USB bridge
    "devicehub-django__946fd30b-68f7__ST500DM002-1BD142.json": (P, set()),
    "devicehub-django__9868c6d4-a96c__KINGSTON_SA400S37240G.json": (P, set()),
    "devicehub-django__b3a1fff7-24f9__HS-SSD-WAVE_S_240G.json": (P, set()),
    # Notes say "passed"; the attributes say 187 Reported_Uncorrect = 12 and the error log
    # holds 12 errors (smartctl exit status 64): a Backblaze-rule FAIL.
    "devicehub-django__e6f5a76f-4905__WDC_WDS240G2G0A-00JH30.json":
        (F, {"smart.reported_uncorrectable"}),
    "devicehub-django__snapshot_work__ERROR_zd0.json": UNREADABLE,  # unknown device type
    "devicehub-django__snapshot_work__LITEONIT_LMT-256M6M_mSATA_256GB.json": (P, set()),
    "devicehub-django__snapshot_work__Samsung_SSD_850_EVO_mSATA_500GB.json": (P, set()),
    "devicehub-teal__2022-03-31_17__SAMSUNG_MZVLW1T0HMLH-000L7.json": (P, set()),
    "devicehub-teal__2022-4-13-19-__WDC_WDS120G1G0A-00SS50.json": (P, set()),
    "devicehub-teal__desktop-amd-b__ERROR_fd0.json": UNREADABLE,
    "devicehub-teal__desktop-amd-b__ERROR_sdb.json": UNREADABLE,  # Unknown USB bridge
    "devicehub-teal__desktop-amd-b__HDT722520DLAT80.json": (F, {"smart.reallocated_high"}),
    "devicehub-teal__snapshot-err__ERROR_sdb.json": UNREADABLE,  # Unknown USB bridge
    "devicehub-teal__snapshot-err__WDC_WD1600BEVT-22A23T0.json": (P, set()),
    "sanitize__2023-07-22_12__Hitachi_HTS543232A7A384.json": (P, set()),
    "sanitize__2023-07-22_15__TOSHIBA_MK3259GSXP.json": (P, set()),
    # Scrutiny fails this one on attribute 199 (UDMA CRC errors = 108: a cable fault, not
    # the drive); the deuxvie policy has no rule on 199.
    "scrutiny__smart-ata-failed-scrutiny.json": (P, set()),
    "scrutiny__smart-ata-full.json": (P, set()),
    "scrutiny__smart-ata.json": (P, set()),
    "scrutiny__smart-ata2.json": (P, set()),
    "scrutiny__smart-fail2.json": (F, {"smart.health_failed", "smart.reallocated_high",
                                       "smart.pending", "smart.selftest_failed"}),
    "scrutiny__smart-megaraid1.json": (F, {"smart.reallocated_high"}),
    "scrutiny__smart-nvme-failed.json": (F, {"nvme.media_errors"}),
    "scrutiny__smart-nvme.json": (P, set()),
    "scrutiny__smart-nvme2.json": (P, set()),
    "scrutiny__smart-scsi2.json": (P, set()),
    "smartctl_exporter__HGST_HUS724020ALE640_28.json": (P, set()),
    "smartctl_exporter__KXG60ZNV512G_TOSHIBA_2.json": (P, set()),
    "smartctl_exporter__SAMSUNG_MZVL21T0HCLR-00B00_23.json": (P, set()),
    "smartctl_exporter__SEAGATE_ST373453LC_27.json": (P, set()),
    "smartctl_exporter__ST3200820AS_16.json": (P, set()),
    "smartctl_exporter__ST3500418AS_12.json": (F, {"smart.reallocated_high"}),
    "smartctl_exporter__WDC_WD20EFRX-68EUZN0_17.json": (P, set()),
    "smartctl_exporter__nvme-null-CT250P2SSD8-nvme0.json": (P, set()),
    "smartctl_exporter__nvme-null-SAMSUNG_MZWLL3T2HAJQ-00005-nvme0.json":
        (F, {"smart.health_failed", "nvme.critical_warning"}),
    "smartctl_exporter__nvme-null-Samsung_SSD_970_EVO_Plus_250GB-nvme0.json": (P, set()),
    "smartctl_exporter__sat-Phison_Driven_SSDs-KINGSTON_SA400M8120G-sda.json": (P, set()),
    "smartctl_exporter__sat-Silicon_Motion_based_SSDs-TS32GMTS400-sda.json": (P, set()),
    "smartctl_exporter__sat-Toshiba_X300-TOSHIBA_HDWE160-sdb.json": (P, set()),
    # --- text (smartctl -x / --all) ---
    "HDD__HDD_HTS541010A9E662__2C2E9C6EBD2E.txt": (P, set()),
    "HDD__HDS721050CLA362__21C7D4DCA76F.txt": (F, {
        "smart.health_failed", "smart.reallocated_high", "smart.pending",
        "smart.offline_uncorrectable", "smart.selftest_failed"}),
    "HDD__HM640JJ__1FECD339779E.txt": (F, {"smart.health_failed", "smart.selftest_failed"}),
    "HDD__HTS721010A9E630__B547B8D5D3CF.txt": (F, {"smart.health_failed", "smart.pending"}),
    "HDD__MQ01ABD100__487B292F5490.txt": (F, {"smart.pending", "smart.selftest_failed"}),
    "HDD__MQ01ABD100__D625EA64AB71.txt": (P, set()),
    "HDD__ST1000DM003-1ER162__727CB716D508.txt": (P, set()),
    "HDD__ST1000LM010-9YH146__87BFCEC2A5B3.txt":
        (F, {"smart.health_failed", "smart.reallocated_high"}),
    "HDD__ST3000DM001-9YN166__5274FDBE1C4B.txt":
        (F, {"smart.pending", "smart.offline_uncorrectable"}),
    "HDD__WD10EALX-009BA0__2F780FC130D6.txt": (F, {
        "smart.health_failed", "smart.reallocated_high", "smart.pending",
        "smart.offline_uncorrectable", "smart.selftest_failed"}),
    "HDD__WD10EZEX-08WN4A0__7A19C09C6BDC.txt": (P, set()),
    "HDD__WD2000FYYZ-01UL1B2__8411D7622884.txt": (F, {"smart.pending", "smart.selftest_failed"}),
    "NVMe__PC_SN720_SDAPNTW-256G__74E0FC5A3F66.txt": (P, set()),
    "NVMe__SSDPED1D280GA__4B37B1593B77.txt": (F, {
        "smart.health_failed", "nvme.critical_warning", "nvme.percentage_used_over_100"}),
    "NVMe__SSDPEKKA512G8__0D205024CC93.txt": (F, {
        "smart.health_failed", "nvme.critical_warning", "nvme.percentage_used_over_100"}),
    "NVMe__SSDPEKNW020T8__6417E08762BD.txt": (P, set()),
    "NVMe__SSD_970_EVO_Plus_250GB__B32A25BC524E.txt": (P, set()),
    "NVMe__SSD_970_PRO_512GB__3126135F9D30.txt": (F, {
        "smart.health_failed", "nvme.critical_warning", "nvme.percentage_used_over_100"}),
    "NVMe__THNSN5512GPU7__B678E5E03BD6.txt": (F, {
        "smart.health_failed", "nvme.critical_warning", "nvme.percentage_used_over_100"}),
    "SSD__CT500MX200SSD1__04B7C216CC86.txt":
        (F, {"smart.health_failed", "smart.attribute_failing_now"}),
    "SSD__CT500MX500SSD1__861C30F01CC9.txt": (P, set()),
    "SSD__SA400S37240G__6FA0910FEF85.txt": (P, set()),
    "SSD__SSDSC2BW240A4__BD0958E9C32C.txt": (F, {
        "smart.health_failed", "smart.reallocated_high", "smart.attribute_failing_now"}),
    "SSD__SSD_860_EVO_250GB__810CF5CA388E.txt": (P, set()),
    "pySMART__nvme_0__-d_nvme_--all__dev_nvme0.txt": (P, set()),
    "pySMART__nvme_usb_asmedia_issue_97__-d_sntasmedia_--all__dev_sda.txt": (P, set()),
    "pySMART__nvme_win10_0_issue_64__-d_nvme_--all__dev_sda.txt": (P, set()),
    "pySMART__sas_hdd_0_issue_51__-d_scsi_--all__dev_sdc.txt": (P, set()),
    "pySMART__sat_ssd_0_issue_65__-d_sat_--all__dev_sda.txt": (P, set()),
    "pySMART__sata_ssd_0_issue_49__-d_ata_--all__dev_sda.txt": (P, set()),
    "pySMART__sata_ssd_macos_0__-d_ata_--all_IOService__AppleACPIPlatfo.txt": (P, set()),
    # Notes say nothing; the capture shows 188 Command_Timeout raw 1 (a USB enclosure).
    "pySMART__usb_ssd_0_issue_50__-d_ata_--all__dev_sda.txt": (W, {"smart.command_timeout"}),
}


def _check(path: Path) -> None:
    verdict, reasons = evaluate_smart(parse_smartctl(path.read_bytes()), POLICY)
    want_verdict, want_codes = EXPECTED[path.name]
    found = {r.code for r in reasons}
    assert verdict is want_verdict, (path.name, verdict, found)
    assert want_codes <= found, (path.name, found)
    if verdict is P:
        assert reasons == ()


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.iterdir()))
def test_copied_capture(name: str) -> None:
    _check(DATA / name)


def test_every_corpus_smartctl_file_gets_the_expected_verdict(corpus_dir: Path) -> None:
    files = sorted(p for p in (corpus_dir / "smartctl").rglob("*") if p.is_file())
    assert len(files) == len(EXPECTED)
    for path in files:
        _check(path)


def test_table_has_failing_and_unknown_cases() -> None:
    verdicts = [v for v, _ in EXPECTED.values()]
    assert verdicts.count(F) >= 20 and verdicts.count(U) == 5 and verdicts.count(W) == 2


def test_verdict_fields_for_parse_output() -> None:
    facts = parse_smartctl((DATA / "devicehub-teal__snapshot-err__ERROR_sdb.json").read_bytes())
    out = verdict_fields(facts)
    assert out["verdict"] == "UNKNOWN"
    reasons = out["reasons"]
    assert isinstance(reasons, list) and reasons[0]["code"] == "smart.unreadable"
    assert "Unknown USB bridge" in reasons[0]["en"] and reasons[0]["fr"]
