"""The machine's grade: a pure function of (inventory, diagnostics, erasure records, policy).

Rules (DESIGN.md "Grading defaults", numbers in the policy):
- a component FAILS on SMART FAIL, a failed self-test / surface scan / RAM test / CPU
  stress, a battery under the fail threshold, or any erasure not ERASED /
  ERASED_WITH_WARNINGS for that disk;
- the minimum spec (64-bit CPU, RAM, storage) not met is a FAIL;
- a required test that was not run (or could not run) is listed in `untested` and the
  verdict is at best `policy.grading.untested_verdict` (never PASS: décret 2022-190);
- warnings give PASS_WITH_WARNINGS;
- Windows 11 readiness is a separate flag, it never changes the verdict.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from deuxvie.diagnostics.common import worst
from deuxvie.grading.battery import evaluate_battery
from deuxvie.grading.functions import grade_functions, part_text
from deuxvie.grading.policy import Policy
from deuxvie.grading.smart_eval import SmartVerdict, evaluate_smart
from deuxvie.grading.win11 import cpu_supported
from deuxvie.i18n import FUNCTION_NAMES, item_words, pick, reason
from deuxvie.model.common import ProbeStatus, Reason
from deuxvie.model.diagnostics import DiagnosticResult, TestStatus
from deuxvie.model.erasure import ErasureRecord, ErasureStatus
from deuxvie.model.functions import FunctionResult
from deuxvie.model.grade import ComponentGrade, Grade, Verdict
from deuxvie.model.inventory import DiskInfo, Inventory, is_internal

GIB = 1024**3
GB = 1000**3

_STATUS_WORD = {TestStatus.PASSED: "pass", TestStatus.WARNING: "warn",
                TestStatus.FAILED: "fail", TestStatus.UNTESTED: "untested"}

# Repairs, in the order the suggestion names them.
_REPAIRS: dict[str, tuple[str, str]] = {
    "replace_disk": ("remplacer le disque", "replace the disk"),
    "add_disk": ("ajouter un disque d'au moins {gb:g} Go", "add a disk of at least {gb:g} GB"),
    "replace_battery": ("remplacer la batterie", "replace the battery"),
    "add_ram": ("ajouter de la mémoire (au moins {gib:g} Gio)",
                "add RAM (at least {gib:g} GiB)"),
    "replace_ram": ("remplacer la barrette mémoire défectueuse", "replace the faulty RAM module"),
}


def disk_key(disk: DiskInfo) -> str:
    """The identity diagnostics use as `target` for a disk: serial, else by-id, else path."""
    return disk.serial or disk.by_id or disk.path


def internal_disks(inventory: Inventory) -> tuple[DiskInfo, ...]:
    """Disks that belong to the donated PC (model.inventory.is_internal, the selection's
    rule too)."""
    return tuple(d for d in inventory.disks.value or () if is_internal(d))


@dataclass
class _Acc:
    """Mutable accumulator used while grading; turned into the frozen Grade at the end."""

    components: list[ComponentGrade] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)
    untested: list[str] = field(default_factory=list)
    untested_required: list[str] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)
    recycle: list[Reason] = field(default_factory=list)
    rewipe: bool = False
    disk_labels: dict[str, str] = field(default_factory=dict)  # disk_key -> "model (sda)"

    def words(self, items: Sequence[str], lang: str) -> str:
        """Untested items in words ("santé SMART du disque X (sda)"), never their codes."""
        texts = []
        for item in items:
            name, _, key = item.partition(":")
            if name == "function":  # a function of the PC (issue #12), not a disk's
                fr, en = FUNCTION_NAMES.get(key, (key, key))
                texts.append(pick((f"fonction {fr}", f"function {en}"), lang))
                continue
            disk = self.disk_labels.get(key, key) if key else None
            texts.append(pick(item_words(name, disk), lang))
        return ", ".join(dict.fromkeys(texts))

    def not_tested(self, name: str, item: str, policy: Policy) -> None:
        if item not in self.untested:
            self.untested.append(item)
        if name in policy.grading.required and item not in self.untested_required:
            self.untested_required.append(item)

    def repair(self, what: str) -> None:
        if what not in self.repairs:
            self.repairs.append(what)


def _results(diagnostics: Sequence[DiagnosticResult], name: str, target: str | None
             ) -> list[DiagnosticResult]:
    return [d for d in diagnostics if d.name == name and d.target == target]


def _fold(results: list[DiagnosticResult], name: str, item: str, policy: Policy, acc: _Acc,
          statuses: list[TestStatus], reasons: list[Reason]) -> TestStatus | None:
    """Fold the results of one diagnostic into a component; None when it never ran."""
    if not results:
        acc.not_tested(name, item, policy)
        statuses.append(TestStatus.UNTESTED)
        reasons.append(reason(
            f"{name}.not_run",
            f"Test « {name} » non effectué",
            f"Test '{name}' not run",
        ))
        return None
    status = worst(r.status for r in results)
    for r in results:
        reasons.extend(r.reasons)
    if status is TestStatus.UNTESTED:
        acc.not_tested(name, item, policy)
        if not any(r.reasons for r in results):
            reasons.append(reason(f"{name}.untested", f"Test « {name} » impossible",
                                  f"Test '{name}' could not run"))
    statuses.append(status)
    return status


def _grade_disk(disk: DiskInfo, diagnostics: Sequence[DiagnosticResult],
                erasure: Sequence[ErasureRecord], policy: Policy, acc: _Acc) -> None:
    key = disk_key(disk)
    acc.disk_labels[key] = f"{disk.model} ({disk.name})" if disk.model else disk.name
    statuses: list[TestStatus] = []
    reasons: list[Reason] = []
    # SMART from the inventory's facts (plus any later "smart" result, e.g. after the wipe).
    smart_results = list(_results(diagnostics, "smart", key))
    if disk.smart.status is ProbeStatus.OK and disk.smart.value is not None:
        verdict, smart_reasons = evaluate_smart(disk.smart.value, policy)
        smart_status = {SmartVerdict.PASS: TestStatus.PASSED, SmartVerdict.WARN: TestStatus.WARNING,
                        SmartVerdict.FAIL: TestStatus.FAILED,
                        SmartVerdict.UNKNOWN: TestStatus.UNTESTED}[verdict]
        smart_results.append(DiagnosticResult("smart", key, smart_status, reasons=smart_reasons))
    elif not smart_results:
        detail = disk.smart.reason or "no SMART data"
        smart_results.append(DiagnosticResult("smart", key, TestStatus.UNTESTED, reasons=(reason(
            "smart.unreadable", f"SMART non lu : {detail}", f"SMART not read: {detail}"),)))
    smart_status_all = _fold(smart_results, "smart", f"smart:{key}", policy, acc, statuses,
                             reasons)
    for name in ("selftest", "surface"):
        status = _fold(_results(diagnostics, name, key), name, f"{name}:{key}", policy, acc,
                       statuses, reasons)
        if status is TestStatus.FAILED:
            acc.repair("replace_disk")
    if smart_status_all is TestStatus.FAILED:
        acc.repair("replace_disk")

    records = [e for e in erasure if _same_disk(e, disk)]
    if not records:
        acc.not_tested("erasure", f"erasure:{key}", policy)
        statuses.append(TestStatus.UNTESTED)
        reasons.append(reason("erasure.missing", "Disque non effacé (aucun certificat)",
                              "Disk not wiped (no erasure record)"))
    for rec in records:
        reasons.extend(rec.reasons)
        if rec.status.certifiable:
            statuses.append(TestStatus.WARNING if rec.status is ErasureStatus.ERASED_WITH_WARNINGS
                            else TestStatus.PASSED)
            continue
        statuses.append(TestStatus.FAILED)
        reasons.append(reason(
            f"erasure.{rec.status.value.lower()}",
            f"Effacement {rec.status.value} : aucun certificat possible pour ce disque",
            f"Erasure {rec.status.value}: no certificate possible for this disk",
        ))
        if rec.status is ErasureStatus.FAILED:
            acc.repair("replace_disk")
        else:
            acc.rewipe = True
    status = worst(statuses)
    acc.components.append(ComponentGrade(f"disk:{key}", _STATUS_WORD[status], tuple(reasons)))


def _same_disk(rec: ErasureRecord, disk: DiskInfo) -> bool:
    m = rec.media
    if m.serial and disk.serial:
        return m.serial == disk.serial
    if m.by_id and disk.by_id:
        return m.by_id == disk.by_id
    return m.path == disk.path


def _grade_machine_test(name: str, component: str, diagnostics: Sequence[DiagnosticResult],
                        policy: Policy, acc: _Acc) -> tuple[TestStatus, list[Reason]]:
    statuses: list[TestStatus] = []
    reasons: list[Reason] = []
    _fold(_results(diagnostics, name, None), name, name, policy, acc, statuses, reasons)
    return worst(statuses), reasons


def _min_spec(inventory: Inventory, disks: tuple[DiskInfo, ...], policy: Policy, acc: _Acc
              ) -> tuple[list[Reason], list[Reason], list[Reason]]:
    """Reasons against the minimum spec for cpu, ram and storage."""
    mp = policy.minimum
    cpu_r: list[Reason] = []
    ram_r: list[Reason] = []
    sto_r: list[Reason] = []
    cpu = inventory.cpu.value
    if mp.require_64bit and cpu is not None and cpu.is_64bit is False:
        cpu_r.append(reason("min.cpu_32bit", "Processeur 32 bits : ne fait pas tourner un "
                            "système actuel", "32-bit processor: cannot run a current OS"))
        acc.recycle.append(cpu_r[-1])
    mem = inventory.memory.value
    if mem is not None and mem.total_bytes is not None:
        need = mp.ram_gib * GIB
        if mem.source == "meminfo":
            need *= 1 - mp.meminfo_tolerance_pct / 100
        if mem.total_bytes < need:
            have = mem.total_bytes / GIB
            ram_r.append(reason(
                "min.ram", f"{have:.1f} Gio de mémoire, moins que le minimum de {mp.ram_gib:g} Gio",
                f"{have:.1f} GiB of RAM, less than the {mp.ram_gib:g} GiB minimum"))
            acc.repair("add_ram")
    largest = max((d.size_bytes for d in disks), default=0)
    if inventory.disks.status is ProbeStatus.OK:
        need_b = mp.storage_gb * GB * (1 - mp.storage_tolerance_pct / 100)
        if not disks:
            sto_r.append(reason("min.no_disk", "Aucun disque interne",
                                "No internal disk"))
            acc.repair("add_disk")
        elif largest < need_b:
            sto_r.append(reason(
                "min.storage",
                f"Disque de {largest / GB:.0f} Go, moins que le minimum de {mp.storage_gb:g} Go",
                f"{largest / GB:.0f} GB disk, less than the {mp.storage_gb:g} GB minimum"))
            acc.repair("add_disk")
    return cpu_r, ram_r, sto_r


def windows11_readiness(inventory: Inventory, policy: Policy
                        ) -> tuple[bool | None, tuple[Reason, ...]]:
    """(ready, reasons): False if any requirement is missing, None if one is unknown."""
    wp = policy.windows11
    missing: list[Reason] = []
    unknown: list[Reason] = []
    fw = inventory.firmware.value
    if fw is None:
        unknown.append(reason("win11.firmware_unknown", "TPM/UEFI non lus", "TPM/UEFI not read"))
    else:
        if not fw.tpm_present:
            missing.append(reason("win11.no_tpm", "Pas de TPM", "No TPM"))
        elif fw.tpm_version != wp.tpm_version:
            missing.append(reason(
                "win11.tpm_version", f"TPM {fw.tpm_version or '?'} (il faut {wp.tpm_version})",
                f"TPM {fw.tpm_version or '?'} ({wp.tpm_version} needed)"))
        if wp.require_uefi and fw.boot_mode != "uefi":
            # The agent booted in legacy (CSM) mode: the firmware may still offer UEFI.
            unknown.append(reason(
                "win11.uefi_unknown", "Démarré en mode BIOS hérité : UEFI non vérifié",
                "Booted in legacy BIOS mode: UEFI not confirmed"))
        elif wp.require_secure_boot_capable and fw.secure_boot is None:
            unknown.append(reason("win11.secure_boot_unknown", "Secure Boot non vérifié",
                                  "Secure Boot capability not confirmed"))
    cpu = inventory.cpu.value
    supported = cpu_supported(cpu.model_name, cpu.vendor) if cpu is not None else None
    if supported is None:
        unknown.append(reason("win11.cpu_unknown", "Modèle de processeur inconnu",
                              "Processor model unknown"))
    elif not supported:
        name = cpu.model_name if cpu is not None else "?"
        missing.append(reason(
            "win11.cpu_unsupported",
            f"Processeur absent de la liste Microsoft : {name}",
            f"Processor not on Microsoft's supported list: {name}"))
    mem = inventory.memory.value
    if mem is None or mem.total_bytes is None:
        unknown.append(reason("win11.ram_unknown", "Mémoire inconnue", "RAM size unknown"))
    else:
        need = wp.ram_gib * GIB
        if mem.source == "meminfo":
            need *= 1 - policy.minimum.meminfo_tolerance_pct / 100
        if mem.total_bytes < need:
            missing.append(reason("win11.ram", f"Moins de {wp.ram_gib:g} Go de mémoire",
                                  f"Less than {wp.ram_gib:g} GB of RAM"))
    disks = internal_disks(inventory)
    largest = max((d.size_bytes for d in disks), default=0)
    if largest < wp.storage_gb * GB * (1 - policy.minimum.storage_tolerance_pct / 100):
        missing.append(reason("win11.storage", f"Moins de {wp.storage_gb:g} Go de stockage",
                              f"Less than {wp.storage_gb:g} GB of storage"))
    if missing:
        return False, tuple(missing + unknown)
    if unknown:
        return None, tuple(unknown)
    return True, (reason("win11.ready", "Compatible Windows 11", "Windows 11 ready"),)


def _suggestion(acc: _Acc, verdict: Verdict, policy: Policy) -> Reason:
    if acc.recycle or len(acc.repairs) > policy.grading.max_repairs:
        why_fr = "; ".join(r.fr for r in acc.recycle) or f"{len(acc.repairs)} pièces à changer"
        why_en = "; ".join(r.en for r in acc.recycle) or f"{len(acc.repairs)} parts to replace"
        return reason("suggest.recycle", f"Recycler (DEEE) : {why_fr}",
                      f"Recycle as WEEE: {why_en}")
    fmt = {"gb": policy.minimum.storage_gb, "gib": policy.minimum.ram_gib}
    if acc.repairs:
        texts = [part_text(r.removeprefix("part:"), policy) if r.startswith("part:")
                 else (_REPAIRS[r][0].format(**fmt), _REPAIRS[r][1].format(**fmt))
                 for r in acc.repairs]
        fr = [t[0] for t in texts]
        en = [t[1] for t in texts]
        # A function's part (issue #12) is always "suggest.repair" + the part named.
        code = (f"suggest.{acc.repairs[0]}" if len(acc.repairs) == 1
                and not acc.repairs[0].startswith("part:") else "suggest.repair")
        return reason(code, "Réparer puis reconditionner : " + ", ".join(fr),
                      "Repair, then refurbish: " + ", ".join(en))
    if acc.rewipe:
        return reason("suggest.wipe_again", "Relancer l'effacement du disque",
                      "Run the disk erasure again")
    if acc.untested_required:
        return reason("suggest.complete_tests",
                      "Terminer les tests manquants avant de reconditionner : "
                      + acc.words(acc.untested_required, "fr"),
                      "Finish the missing tests before refurbishing: "
                      + acc.words(acc.untested_required, "en"))
    if verdict is Verdict.FAIL:
        return reason("suggest.inspect", "Examiner la machine (voir les raisons)",
                      "Inspect the machine (see the reasons)")
    return reason("suggest.refurbish", "Reconditionner en l'état", "Refurbish as is")


def grade(inventory: Inventory, diagnostics: Sequence[DiagnosticResult],
          erasure: Sequence[ErasureRecord], policy: Policy,
          functions: Sequence[FunctionResult] | None = None) -> Grade:
    """`functions`: the results of the function checks (issue #12); None when they were not
    run (a `deuxvie grade` of an older bundle): they are then left to `manual_checks`."""
    acc = _Acc()
    disks = internal_disks(inventory)
    cpu_min, ram_min, storage_min = _min_spec(inventory, disks, policy, acc)

    # CPU: stress result + 64-bit.
    cpu_status, cpu_reasons = _grade_machine_test("cpu_stress", "cpu", diagnostics, policy, acc)
    if cpu_status is TestStatus.FAILED:
        acc.recycle.append(reason("cpu.failed", "Le processeur a échoué au test de charge",
                                  "The processor failed the stress test"))
    if cpu_min:
        cpu_status = TestStatus.FAILED
    acc.components.append(ComponentGrade("cpu", _STATUS_WORD[cpu_status],
                                         tuple(cpu_min + cpu_reasons)))

    # RAM: memory test + minimum size.
    ram_status, ram_reasons = _grade_machine_test("ram", "ram", diagnostics, policy, acc)
    if ram_status is TestStatus.FAILED:
        acc.repair("replace_ram")
    if ram_min:
        ram_status = TestStatus.FAILED
    acc.components.append(ComponentGrade("ram", _STATUS_WORD[ram_status],
                                         tuple(ram_min + ram_reasons)))

    # Storage minimum, then each internal disk.
    if inventory.disks.status is not ProbeStatus.OK:
        acc.not_tested("smart", "disks", policy)
        acc.components.append(ComponentGrade("storage", "untested", (reason(
            "disks.unknown", f"Disques non inventoriés : {inventory.disks.reason}",
            f"Disks not inventoried: {inventory.disks.reason}"),)))
    else:
        acc.components.append(ComponentGrade("storage", "fail" if storage_min else "pass",
                                             tuple(storage_min)))
    for d in disks:
        _grade_disk(d, diagnostics, erasure, policy, acc)

    # Batteries: always judged from the inventory's numbers (pure), folded with any result
    # given (the worst wins), so a stale "passed" can never hide a worn battery.
    if inventory.batteries.status is ProbeStatus.FAILED:
        acc.not_tested("battery", "battery", policy)
        acc.components.append(ComponentGrade("battery", "untested", (reason(
            "battery.unknown", f"Batterie non lue : {inventory.batteries.reason}",
            f"Battery not read: {inventory.batteries.reason}"),)))
    for b in inventory.batteries.value or ():
        results = [*_results(diagnostics, "battery", b.name), evaluate_battery(b, policy)]
        statuses: list[TestStatus] = []
        reasons: list[Reason] = []
        status = _fold(results, "battery", f"battery:{b.name}", policy, acc, statuses, reasons)
        if status is TestStatus.FAILED:
            acc.repair("replace_battery")
        acc.components.append(ComponentGrade(f"battery:{b.name}", _STATUS_WORD[worst(statuses)],
                                             tuple(reasons)))

    if functions is not None:
        system = inventory.system.value
        fg = grade_functions(functions, system.chassis_type if system else None, policy)
        acc.components.extend(fg.components)
        acc.untested.extend(fg.untested)
        acc.untested_required.extend(fg.untested_required)
        for fid in fg.parts:
            acc.repair(f"part:{fid}")

    words = {c.status for c in acc.components}
    top: list[Reason] = []
    if "fail" in words:
        verdict = Verdict.FAIL
    elif acc.untested_required:
        verdict = Verdict(policy.grading.untested_verdict)
    elif "warn" in words or "untested" in words:
        verdict = Verdict.PASS_WITH_WARNINGS
    else:
        verdict = Verdict.PASS
    for c in acc.components:
        if c.status != "pass":
            # "not run" is summed up once below, in grade.untested.
            top.extend(r for r in c.reasons if not r.code.endswith(".not_run"))
    if acc.untested_required:
        top.append(reason(
            "grade.untested",
            "Non testé (ne peut pas être déclaré reconditionné, décret 2022-190) : "
            + acc.words(acc.untested_required, "fr"),
            "Not tested (cannot be sold as refurbished, décret 2022-190): "
            + acc.words(acc.untested_required, "en")))
    ready, w11 = windows11_readiness(inventory, policy)
    return Grade(
        verdict=verdict,
        suggestion=_suggestion(acc, verdict, policy),
        reasons=tuple(dict.fromkeys(top)),
        components=tuple(acc.components),
        untested=tuple(acc.untested),
        windows11_ready=ready,
        windows11_reasons=w11,
        policy_name=policy.name,
        manual_checks=policy.grading.manual_checks,
    )
