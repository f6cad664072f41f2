"""evaluate_smart on built SmartFacts: each default threshold, at and beside its edge."""

from __future__ import annotations

import dataclasses

import pytest
from deuxvie.grading.policy import default_policy, load_policy
from deuxvie.grading.smart_eval import SmartVerdict, evaluate_smart
from grading_factory import nvme_facts, smart_facts

POLICY = default_policy()


def codes(facts: object) -> tuple[SmartVerdict, set[str]]:
    verdict, reasons = evaluate_smart(facts, POLICY)  # type: ignore[arg-type]
    for r in reasons:
        assert r.fr and r.en and r.fr != r.en
    return verdict, {r.code for r in reasons}


def test_healthy_hdd_passes_without_reasons() -> None:
    assert codes(smart_facts()) == (SmartVerdict.PASS, set())


def test_healthy_nvme_passes() -> None:
    assert codes(nvme_facts()) == (SmartVerdict.PASS, set())


@pytest.mark.parametrize(
    ("realloc", "expected"),
    [(0, (SmartVerdict.PASS, set())),
     (1, (SmartVerdict.WARN, {"smart.reallocated"})),
     (16, (SmartVerdict.WARN, {"smart.reallocated"})),
     (17, (SmartVerdict.FAIL, {"smart.reallocated_high"}))],
)
def test_reallocated_sector_edges(realloc: int, expected: tuple[SmartVerdict, set[str]]) -> None:
    assert codes(smart_facts(reallocated_sectors=realloc)) == expected


@pytest.mark.parametrize(
    ("field", "code"),
    [("pending_sectors", "smart.pending"),
     ("offline_uncorrectable", "smart.offline_uncorrectable"),
     ("reported_uncorrectable", "smart.reported_uncorrectable"),
     ("spin_retry_count", "smart.spin_retry"),
     ("selftest_failures", "smart.selftest_failed")],
)
def test_any_nonzero_critical_counter_fails(field: str, code: str) -> None:
    assert codes(smart_facts(**{field: 1})) == (SmartVerdict.FAIL, {code})
    assert codes(smart_facts(**{field: 0}))[0] is SmartVerdict.PASS


def test_command_timeout_only_warns() -> None:
    assert codes(smart_facts(command_timeout=3)) == (SmartVerdict.WARN, {"smart.command_timeout"})


def test_overall_failed_and_failing_attribute() -> None:
    verdict, found = codes(smart_facts(smart_passed=False,
                                       attributes_failing_now=("Raw_Read_Error_Rate",)))
    assert verdict is SmartVerdict.FAIL
    assert found == {"smart.health_failed", "smart.attribute_failing_now"}


def test_fail_keeps_warnings_in_reasons() -> None:
    verdict, found = codes(smart_facts(pending_sectors=8, command_timeout=2))
    assert verdict is SmartVerdict.FAIL
    assert found == {"smart.pending", "smart.command_timeout"}


@pytest.mark.parametrize(
    ("health", "expected"),
    [({"percentage_used": 79}, (SmartVerdict.PASS, set())),
     ({"percentage_used": 80}, (SmartVerdict.WARN, {"nvme.percentage_used_high"})),
     ({"percentage_used": 100}, (SmartVerdict.WARN, {"nvme.percentage_used_high"})),
     ({"percentage_used": 101}, (SmartVerdict.FAIL, {"nvme.percentage_used_over_100"})),
     ({"critical_warning": 0x04}, (SmartVerdict.FAIL, {"nvme.critical_warning"})),
     ({"media_errors": 7}, (SmartVerdict.FAIL, {"nvme.media_errors"})),
     ({"available_spare": 9}, (SmartVerdict.FAIL, {"nvme.available_spare_low"})),
     ({"available_spare": 10}, (SmartVerdict.PASS, set())),
     # no threshold in the report: the policy's fallback (10 %) applies
     ({"available_spare": 5, "available_spare_threshold": None},
      (SmartVerdict.FAIL, {"nvme.available_spare_low"})),
     ({"available_spare": 4, "available_spare_threshold": 3}, (SmartVerdict.PASS, set()))],
)
def test_nvme_rules(health: dict[str, int | None], expected: tuple[SmartVerdict, set[str]]
                    ) -> None:
    assert codes(nvme_facts(**health)) == expected


def test_critical_warning_names_the_bits() -> None:
    _, reasons = evaluate_smart(nvme_facts(critical_warning=0x09), POLICY)
    assert "0x09" in reasons[0].en and "read-only" in reasons[0].en
    assert "available spare" in reasons[0].en


def test_scsi_grown_defects() -> None:
    facts = smart_facts(device_type="scsi", reallocated_sectors=None, pending_sectors=None,
                        offline_uncorrectable=None, spin_retry_count=None, scsi_grown_defects=4)
    assert codes(facts) == (SmartVerdict.FAIL, {"scsi.grown_defects"})
    assert codes(dataclasses.replace(facts, scsi_grown_defects=0))[0] is SmartVerdict.PASS


def test_usb_bridge_error_is_unknown_not_pass() -> None:
    facts = smart_facts(
        device_type=None, model=None, serial=None, smart_passed=None, reallocated_sectors=None,
        pending_sectors=None, offline_uncorrectable=None, selftest_failures=None,
        spin_retry_count=None, smartctl_exit_status=1,
        messages=("/dev/sdb: Unknown USB bridge [0x0bda:0x0158 (0x5888)]",),
    )
    verdict, reasons = evaluate_smart(facts, POLICY)
    assert verdict is SmartVerdict.UNKNOWN
    assert [r.code for r in reasons] == ["smart.unreadable"]
    assert "Unknown USB bridge" in reasons[0].en


def test_smart_command_failed_without_health_is_unknown() -> None:
    facts = smart_facts(smart_passed=None, smartctl_exit_status=4)
    assert codes(facts)[0] is SmartVerdict.UNKNOWN


def test_policy_file_changes_a_threshold(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "strict.toml"
    path.write_text("[smart]\nreallocated_fail_above = 0\nreallocated_warn_above = 0\n")
    strict = load_policy(path)
    verdict, reasons = evaluate_smart(smart_facts(reallocated_sectors=1), strict)
    assert verdict is SmartVerdict.FAIL
    assert [r.code for r in reasons] == ["smart.reallocated_high"]
