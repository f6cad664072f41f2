"""The one rule of what may never be wiped, whoever asks: the run's selection
(pipeline/selection.py), the plan (wipe/plan.py) and the engine right before it writes
(wipe/engine.py, the usage may have changed since the plan: a USB key auto-mounted).

The boot medium (the deuxvie stick), a mounted disk (or one of its partitions), a disk held
by LVM/md/dm-crypt, a read-only disk and a disk with no medium are refused. Pure: the caller
brings the facts (DiskInfo from the inventory, DeviceUsage probed just now)."""

from __future__ import annotations

from collections.abc import Sequence

from deuxvie.i18n import reason
from deuxvie.model.common import Reason


def wipe_refusals(
    *,
    path: str | None,
    is_boot_medium: bool,
    mounted: Sequence[str],
    holders: Sequence[str],
    read_only: bool,
    size_bytes: int,
    boot_evidence: Sequence[str] = (),
) -> list[Reason]:
    """Why this disk must not be wiped (empty: nothing in this rule refuses it). `path`
    names the disk in the words (the engine's records); None where the screen already
    shows the disk beside the reason (the selection)."""

    def said(fr: str, en: str) -> tuple[str, str]:
        if path is None:
            return fr, en
        return f"{path} : {fr} : refusé", f"{path}: {en}: refused"

    out: list[Reason] = []
    if is_boot_medium:
        why = f" ({'; '.join(boot_evidence)})" if boot_evidence else ""
        out.append(
            reason("wipe.boot_medium", *said(f"support de démarrage{why}", f"boot medium{why}"))
        )
    if mounted:
        where = ", ".join(mounted)
        out.append(reason("wipe.mounted", *said(f"monté ({where})", f"mounted ({where})")))
    if holders:
        held = ", ".join(holders)
        out.append(
            reason(
                "wipe.held",
                *said(
                    f"utilisé par {held} (LVM, RAID ou chiffrement)",
                    f"held by {held} (LVM, RAID or encryption)",
                ),
            )
        )
    if read_only:
        out.append(reason("wipe.read_only", *said("en lecture seule", "read-only")))
    if size_bytes <= 0:
        out.append(reason("wipe.empty", *said("vide (aucun support)", "no medium")))
    return out
