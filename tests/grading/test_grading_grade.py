"""The grading table: whole machines built from model objects, graded with the default policy."""

from __future__ import annotations

import dataclasses

from deuxvie.grading.grade import grade
from deuxvie.grading.policy import default_policy
from deuxvie.model.common import Outcome
from deuxvie.model.diagnostics import TestStatus as St
from deuxvie.model.erasure import ErasureStatus
from deuxvie.model.functions import FUNCTION_IDS, CheckMethod, FunctionResult, FunctionStatus
from deuxvie.model.grade import Grade, Verdict
from deuxvie.model.inventory import DiskKind
from grading_factory import (
    all_passed,
    battery,
    cpu,
    disk,
    erasure,
    firmware,
    inventory,
    memory,
    nvme_facts,
    result,
    smart_facts,
)

POLICY = default_policy()


def graded(inv, diags=None, wiped=None) -> Grade:  # type: ignore[no-untyped-def]
    diags = all_passed(inv) if diags is None else diags
    wiped = [erasure(d) for d in inv.disks.value] if wiped is None else wiped
    return grade(inv, diags, wiped, POLICY)


def component(g: Grade, name: str) -> str:
    return {c.component: c.status for c in g.components}[name]


def codes(g: Grade) -> set[str]:
    return {r.code for r in g.reasons}


def test_all_good_is_pass_refurbish_as_is() -> None:
    g = graded(inventory())
    assert g.verdict is Verdict.PASS
    assert g.suggestion.code == "suggest.refurbish"
    assert g.reasons == ()
    assert g.untested == ()
    assert all(c.status == "pass" for c in g.components)
    assert {c.component for c in g.components} == {"cpu", "ram", "storage", "disk:WD-1",
                                                   "battery:BAT0"}
    assert g.windows11_ready is True
    assert "screen" in g.manual_checks and g.policy_name == POLICY.name


def test_one_failing_disk_suggests_replace_disk() -> None:
    bad = disk("WD-BAD", smart=smart_facts(serial="WD-BAD", pending_sectors=872,
                                           offline_uncorrectable=872))
    inv = inventory(disks=(disk("WD-1"), dataclasses.replace(bad, path="/dev/sdb")))
    g = graded(inv)
    assert g.verdict is Verdict.FAIL
    assert component(g, "disk:WD-BAD") == "fail" and component(g, "disk:WD-1") == "pass"
    assert g.suggestion.code == "suggest.replace_disk"
    assert {"smart.pending", "smart.offline_uncorrectable"} <= codes(g)
    assert "replace the disk" in g.suggestion.en and "remplacer le disque" in g.suggestion.fr


def test_battery_at_55_percent_fails_replace_battery() -> None:
    g = graded(inventory(batteries=(battery(health_pct=55.0),)))
    assert g.verdict is Verdict.FAIL
    assert component(g, "battery:BAT0") == "fail"
    assert "battery.worn_out" in codes(g)
    assert g.suggestion.code == "suggest.replace_battery"


def test_battery_at_75_percent_and_many_cycles_is_a_warning() -> None:
    inv = inventory(batteries=(battery(health_pct=75.0, cycles=900),))
    diags = [d for d in all_passed(inv) if d.name != "battery"]  # judged from the inventory
    g = graded(inv, diags)
    assert g.verdict is Verdict.PASS_WITH_WARNINGS
    assert {"battery.worn", "battery.cycles_high"} <= codes(g)
    assert g.suggestion.code == "suggest.refurbish"


def test_2_gib_ram_fails_add_ram() -> None:
    g = graded(inventory(mem=memory(total_gib=2)))
    assert g.verdict is Verdict.FAIL
    assert component(g, "ram") == "fail"
    assert "min.ram" in codes(g)
    assert g.suggestion.code == "suggest.add_ram"
    assert g.windows11_ready is False
    assert "win11.ram" in {r.code for r in g.windows11_reasons}


def test_meminfo_total_of_a_4_gib_machine_meets_the_minimum() -> None:
    # /proc/meminfo of a 4 GiB laptop: MemTotal 3.75 GiB (firmware + kernel reserved).
    g = graded(inventory(mem=memory(total_gib=3.75, source="meminfo")))
    assert "min.ram" not in codes(g)
    assert g.verdict is Verdict.PASS


def test_untested_ram_is_never_pass() -> None:
    inv = inventory()
    diags = [d for d in all_passed(inv) if d.name != "ram"]
    g = graded(inv, diags)
    assert g.verdict is Verdict.PASS_WITH_WARNINGS
    assert "ram" in g.untested
    assert component(g, "ram") == "untested"
    assert "grade.untested" in codes(g)
    assert g.suggestion.code == "suggest.complete_tests"


def test_ram_test_that_could_not_run_is_untested_too() -> None:
    inv = inventory()
    diags = [d for d in all_passed(inv) if d.name != "ram"]
    diags.append(result("ram", None, St.UNTESTED))
    g = graded(inv, diags)
    assert g.verdict is not Verdict.PASS and "ram" in g.untested


def test_ram_test_error_fails() -> None:
    inv = inventory()
    diags = [d for d in all_passed(inv) if d.name != "ram"] + [
        result("ram", None, St.FAILED, errors=1)]
    g = graded(inv, diags)
    assert g.verdict is Verdict.FAIL and g.suggestion.code == "suggest.replace_ram"


def test_cpu_stress_failure_recycles() -> None:
    inv = inventory()
    diags = [d for d in all_passed(inv) if d.name != "cpu_stress"] + [
        result("cpu_stress", None, St.FAILED)]
    g = graded(inv, diags)
    assert g.verdict is Verdict.FAIL and g.suggestion.code == "suggest.recycle"


def test_windows11_flag_true_and_false() -> None:
    ready = graded(inventory())
    assert ready.windows11_ready is True
    old_cpu = graded(inventory(cpu_info=cpu("Intel(R) Core(TM) i5-4300U CPU @ 1.90GHz"),
                               fw=firmware(tpm="1.2")))
    assert old_cpu.windows11_ready is False
    assert {"win11.cpu_unsupported", "win11.tpm_version"} <= {
        r.code for r in old_cpu.windows11_reasons}
    # Windows 11 readiness is a separate flag: it does not fail the machine.
    assert old_cpu.verdict is Verdict.PASS
    legacy = graded(inventory(fw=firmware(uefi=False)))
    assert legacy.windows11_ready is None
    assert "win11.uefi_unknown" in {r.code for r in legacy.windows11_reasons}


def test_erasure_not_erased_fails_that_disk() -> None:
    inv = inventory()
    d = inv.disks.value[0]  # type: ignore[index]
    g = graded(inv, wiped=[erasure(d, ErasureStatus.INTERRUPTED)])
    assert g.verdict is Verdict.FAIL
    assert component(g, "disk:WD-1") == "fail"
    assert "erasure.interrupted" in codes(g)
    assert g.suggestion.code == "suggest.wipe_again"
    failed = graded(inv, wiped=[erasure(d, ErasureStatus.FAILED)])
    assert failed.suggestion.code == "suggest.replace_disk"
    warned = graded(inv, wiped=[erasure(d, ErasureStatus.ERASED_WITH_WARNINGS)])
    assert warned.verdict is Verdict.PASS_WITH_WARNINGS


def test_disk_not_wiped_is_listed_untested() -> None:
    g = graded(inventory(), wiped=[])
    assert g.verdict is Verdict.PASS_WITH_WARNINGS
    assert "erasure:WD-1" in g.untested


def test_usb_bridge_smart_unknown_is_untested_not_pass() -> None:
    facts = smart_facts(smart_passed=None, reallocated_sectors=None, pending_sectors=None,
                        offline_uncorrectable=None, selftest_failures=None,
                        spin_retry_count=None, smartctl_exit_status=1,
                        messages=("/dev/sdb: Unknown USB bridge [0x0bda:0x0158 (0x5888)]",))
    g = graded(inventory(disks=(disk("WD-1", smart=facts),)))
    assert g.verdict is Verdict.PASS_WITH_WARNINGS
    assert "smart:WD-1" in g.untested


def test_nvme_warn_and_unsupported_selftest() -> None:
    nv = disk("S4EU", smart=nvme_facts(percentage_used=85), kind=DiskKind.NVME)
    inv = inventory(disks=(nv,))
    diags = [d for d in all_passed(inv) if d.name != "selftest"] + [
        result("selftest", "S4EU", St.UNTESTED)]
    g = graded(inv, diags)
    assert "nvme.percentage_used_high" in codes(g)
    assert "selftest:S4EU" in g.untested
    assert g.verdict is Verdict.PASS_WITH_WARNINGS


def test_boot_stick_and_small_internal_disk() -> None:
    stick = disk("USB1", kind=DiskKind.USB, is_boot_medium=True, path="/dev/sdz")
    small = disk("EMMC32", size_bytes=31_268_536_320, kind=DiskKind.MMC)
    inv = inventory(disks=(small, stick))
    g = graded(inv)
    assert "disk:USB1" not in {c.component for c in g.components}
    assert component(g, "storage") == "fail" and "min.storage" in codes(g)
    assert g.suggestion.code == "suggest.add_disk"


def test_too_many_repairs_recycle() -> None:
    bad = disk("WD-BAD", smart=smart_facts(serial="WD-BAD", smart_passed=False))
    inv = inventory(disks=(bad,), batteries=(battery(health_pct=40.0),),
                    mem=memory(total_gib=2))
    g = graded(inv)
    assert g.verdict is Verdict.FAIL
    assert g.suggestion.code == "suggest.recycle"


def test_32bit_cpu_recycles() -> None:
    g = graded(inventory(cpu_info=cpu("Intel(R) Atom(TM) CPU N270 @ 1.60GHz", lm=False)))
    assert g.verdict is Verdict.FAIL and g.suggestion.code == "suggest.recycle"
    assert "min.cpu_32bit" in codes(g)


def test_disks_not_inventoried_are_untested() -> None:
    inv = dataclasses.replace(inventory(), disks=Outcome.failed("lsblk: not found"))
    g = grade(inv, [result("ram"), result("cpu_stress"), result("battery", "BAT0")], [], POLICY)
    assert g.verdict is Verdict.PASS_WITH_WARNINGS
    assert "disks" in g.untested


def test_secure_boot_disabled_is_still_capable() -> None:
    # SecureBoot efivar present but off: the firmware can do it (Microsoft: "capable").
    g = graded(inventory(fw=firmware(secure_boot=False)))
    assert g.windows11_ready is True


def test_a_later_smart_result_can_fail_a_disk() -> None:
    # e.g. SMART read again after the wipe: pending sectors appeared.
    inv = inventory()
    after = result("smart", "WD-1", St.FAILED)
    g = graded(inv, [*all_passed(inv), after])
    assert g.verdict is Verdict.FAIL and g.suggestion.code == "suggest.replace_disk"


def _functions(**status: str) -> list[FunctionResult]:
    """Every function PASSED on a laptop, but those given another status."""
    return [FunctionResult(fid, FunctionStatus(status.get(fid, "PASSED")), CheckMethod.AUTOMATIC)
            for fid in FUNCTION_IDS]


def test_a_required_function_untested_alone_keeps_the_laptop_to_complete() -> None:
    inv = inventory()
    diags, wiped = all_passed(inv), [erasure(d) for d in inv.disks.value or ()]
    assert grade(inv, diags, wiped, POLICY, functions=_functions()).verdict is Verdict.PASS
    g = grade(inv, diags, wiped, POLICY, functions=_functions(keyboard="UNTESTED"))
    assert g.verdict is Verdict.PASS_WITH_WARNINGS  # the policy's untested_verdict, never PASS
    assert g.untested == ("function:keyboard",)
    assert g.suggestion.code == "suggest.complete_tests" and "fonction Clavier" in g.suggestion.fr
    assert "grade.untested" in codes(g)
    # The same function on a desktop is not required: untested, listed, not held against it.
    desk = dataclasses.replace(inv, system=Outcome.ok(dataclasses.replace(
        inv.system.value, chassis_type="Desktop")))  # type: ignore[type-var]
    g = grade(desk, diags, wiped, POLICY, functions=_functions(keyboard="UNTESTED",
                                                                battery_charge="ABSENT"))
    assert g.verdict is Verdict.PASS_WITH_WARNINGS and "grade.untested" not in codes(g)
    # Optional parts absent (webcam, optical) never cost a laptop anything.
    g = grade(inv, diags, wiped, POLICY, functions=_functions(webcam="ABSENT", optical="ABSENT"))
    assert g.verdict is Verdict.PASS
