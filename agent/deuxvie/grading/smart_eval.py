"""SMART evaluation of one disk: a pure function of the parsed facts and the policy.

Reason codes are stable (reports and the service key on them):

    FAIL  smart.health_failed  smart.reallocated_high  smart.reported_uncorrectable
          smart.pending  smart.offline_uncorrectable  smart.spin_retry
          smart.selftest_failed  smart.attribute_failing_now
          nvme.critical_warning  nvme.available_spare_low  nvme.percentage_used_over_100
          nvme.media_errors  scsi.grown_defects
    WARN  smart.reallocated  smart.command_timeout  nvme.percentage_used_high
    UNKNOWN smart.unreadable   (USB bridge smartctl cannot talk through, no device type...)
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from deuxvie.grading.policy import Policy
from deuxvie.i18n import reason
from deuxvie.model.common import Reason
from deuxvie.model.smart import SmartFacts


class SmartVerdict(enum.StrEnum):
    PASS = "PASS"
    WARN = "WARN"
    FAIL = "FAIL"
    UNKNOWN = "UNKNOWN"


# smartctl(8) "RETURN VALUES": bit 1 = device open failed or device type unknown,
# bit 2 = a SMART command to the disk failed. With either, missing fields mean
# "could not read", not "healthy".
_EXIT_OPEN_FAILED = 1 << 1
_EXIT_SMART_CMD_FAILED = 1 << 2

_NVME_WARNING_BITS = (
    (0x01, "réserve de secours sous le seuil", "available spare below threshold"),
    (0x02, "température hors limites", "temperature out of range"),
    (0x04, "fiabilité dégradée (erreurs média ou internes)",
     "reliability degraded (media or internal errors)"),
    (0x08, "support passé en lecture seule", "media placed in read-only mode"),
    (0x10, "mémoire de sauvegarde volatile défaillante", "volatile memory backup failed"),
    (0x20, "mémoire persistante en lecture seule", "persistent memory region read-only"),
)


def _has_health_data(f: SmartFacts) -> bool:
    return (
        f.smart_passed is not None
        or bool(f.attributes)
        or f.reallocated_sectors is not None
        or f.pending_sectors is not None
        or f.nvme is not None
        or f.scsi_grown_defects is not None
        or bool(f.selftests)
        or f.selftest_failures is not None
    )


def _unreadable_reason(f: SmartFacts) -> Reason:
    detail = "; ".join(m for m in f.messages if m) or "no SMART data in the report"
    return reason(
        "smart.unreadable",
        f"SMART illisible (pont USB ou type de disque inconnu) : {detail}",
        f"SMART unreadable (USB bridge or unknown device type): {detail}",
    )


def _nvme_warning_text(mask: int) -> tuple[str, str]:
    fr = [t for bit, t, _ in _NVME_WARNING_BITS if mask & bit]
    en = [t for bit, _, t in _NVME_WARNING_BITS if mask & bit]
    return ", ".join(fr) or "bit réservé", ", ".join(en) or "reserved bit"


def evaluate_smart(facts: SmartFacts, policy: Policy) -> tuple[SmartVerdict, tuple[Reason, ...]]:
    """Verdict and reasons for one disk's SMART facts (see the module doc for codes)."""
    fails: list[Reason] = []
    warns: list[Reason] = []
    sp, np_, scp = policy.smart, policy.nvme, policy.scsi

    def over(value: int | None, limit: int, into: list[Reason], make: Callable[[int], Reason]
             ) -> None:
        if value is not None and value > limit:
            into.append(make(value))

    if facts.smart_passed is False:
        fails.append(reason(
            "smart.health_failed",
            "Le disque déclare lui-même son état SMART « FAILED » (défaillance imminente)",
            "The drive reports its own SMART overall health as FAILED (failure predicted)",
        ))

    realloc = facts.reallocated_sectors
    if realloc is not None and realloc > sp.reallocated_fail_above:
        fails.append(reason(
            "smart.reallocated_high",
            f"{realloc} secteurs réalloués (attribut 5), au-delà de {sp.reallocated_fail_above}",
            f"{realloc} reallocated sectors (attribute 5), above {sp.reallocated_fail_above}",
        ))
    elif realloc is not None and realloc > sp.reallocated_warn_above:
        warns.append(reason(
            "smart.reallocated",
            f"{realloc} secteur(s) réalloué(s) (attribut 5) : à surveiller",
            f"{realloc} reallocated sector(s) (attribute 5): keep an eye on it",
        ))

    limit_187 = sp.reported_uncorrectable_fail_above
    over(facts.reported_uncorrectable, limit_187, fails, lambda v: reason(
        "smart.reported_uncorrectable",
        f"{v} erreurs non corrigibles signalées (attribut 187)",
        f"{v} reported uncorrectable errors (attribute 187)",
    ))
    over(facts.command_timeout, sp.command_timeout_warn_above, warns, lambda v: reason(
        "smart.command_timeout",
        f"{v} délais de commande dépassés (attribut 188) : vérifier câble et alimentation",
        f"{v} command timeouts (attribute 188): check cable and power",
    ))
    over(facts.pending_sectors, sp.pending_fail_above, fails, lambda v: reason(
        "smart.pending",
        f"{v} secteurs instables en attente de réallocation (attribut 197)",
        f"{v} pending unstable sectors (attribute 197)",
    ))
    over(facts.offline_uncorrectable, sp.offline_uncorrectable_fail_above, fails, lambda v: reason(
        "smart.offline_uncorrectable",
        f"{v} secteurs illisibles trouvés hors ligne (attribut 198)",
        f"{v} offline uncorrectable sectors (attribute 198)",
    ))
    over(facts.spin_retry_count, sp.spin_retry_fail_above, fails, lambda v: reason(
        "smart.spin_retry",
        f"{v} reprises de démarrage du moteur (attribut 10)",
        f"{v} spin-up retries (attribute 10)",
    ))

    if sp.fail_on_failed_selftest and facts.selftest_failures:
        fails.append(reason(
            "smart.selftest_failed",
            f"{facts.selftest_failures} auto-test(s) SMART en échec dans le journal du disque",
            f"{facts.selftest_failures} failed SMART self-test(s) in the drive's log",
        ))

    if sp.fail_on_attribute_failing_now and facts.attributes_failing_now:
        names = ", ".join(dict.fromkeys(facts.attributes_failing_now))
        fails.append(reason(
            "smart.attribute_failing_now",
            f"Attribut(s) sous le seuil du fabricant : {names}",
            f"Attribute(s) below the vendor threshold now: {names}",
        ))

    nv = facts.nvme
    if nv is not None:
        cw = nv.critical_warning
        if cw is not None and cw & np_.critical_warning_fail_mask:
            fr, en = _nvme_warning_text(cw)
            fails.append(reason(
                "nvme.critical_warning",
                f"Avertissement critique NVMe 0x{cw:02x} : {fr}",
                f"NVMe critical warning 0x{cw:02x}: {en}",
            ))
        threshold = nv.available_spare_threshold
        if threshold is None:
            threshold = np_.available_spare_fallback_threshold_pct
        if nv.available_spare is not None and nv.available_spare < threshold:
            fails.append(reason(
                "nvme.available_spare_low",
                f"Réserve de secours à {nv.available_spare} %, sous le seuil de {threshold} %",
                f"Available spare {nv.available_spare} %, below the {threshold} % threshold",
            ))
        used = nv.percentage_used
        if used is not None and used > np_.percentage_used_fail_above:
            fails.append(reason(
                "nvme.percentage_used_over_100",
                f"Usure à {used} % : endurance du fabricant dépassée",
                f"Wear at {used} %: the vendor's rated endurance is exceeded",
            ))
        elif used is not None and used >= np_.percentage_used_warn_at:
            warns.append(reason(
                "nvme.percentage_used_high",
                f"Usure à {used} % de l'endurance du fabricant",
                f"Wear at {used} % of the vendor's rated endurance",
            ))
        over(nv.media_errors, np_.media_errors_fail_above, fails, lambda v: reason(
            "nvme.media_errors",
            f"{v} erreurs média / intégrité des données",
            f"{v} media and data integrity errors",
        ))

    over(facts.scsi_grown_defects, scp.grown_defects_fail_above, fails, lambda v: reason(
        "scsi.grown_defects",
        f"{v} défauts apparus en service (grown defect list SCSI)",
        f"{v} grown defects (SCSI grown defect list)",
    ))

    if fails:
        return SmartVerdict.FAIL, tuple(fails + warns)
    exit_status = facts.smartctl_exit_status or 0
    unreadable = not _has_health_data(facts) or (
        exit_status & (_EXIT_OPEN_FAILED | _EXIT_SMART_CMD_FAILED) and facts.smart_passed is None
    )
    if unreadable:
        return SmartVerdict.UNKNOWN, (_unreadable_reason(facts), *warns)
    if warns:
        return SmartVerdict.WARN, tuple(warns)
    return SmartVerdict.PASS, ()


def verdict_fields(facts: SmartFacts, policy: Policy | None = None) -> dict[str, object]:
    """{"verdict", "reasons": [{code, en, fr}]} for `deuxvie parse smartctl` output
    (default policy unless one is given)."""
    if policy is None:
        from deuxvie.grading.policy import default_policy

        policy = default_policy()
    verdict, reasons = evaluate_smart(facts, policy)
    return {
        "verdict": verdict.value,
        "reasons": [{"code": r.code, "en": r.en, "fr": r.fr} for r in reasons],
    }
