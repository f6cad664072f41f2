"""The one question of an attended run: erase these disks? (listing model, serial, size)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from deuxvie.i18n import YES
from deuxvie.pipeline.selection import WipeDecision, disk_label

InputFn = Callable[[], str]


def wipe_lists(decisions: Sequence[WipeDecision], lang: str) -> tuple[list[str], list[str]]:
    """(disks to wipe, disks left alone with why), one line each."""
    will = [disk_label(d.disk, lang) for d in decisions if d.wipe]
    wont = [
        f"{disk_label(d.disk, lang)} : {', '.join(r.text(lang) for r in d.reasons)}"
        for d in decisions
        if not d.wipe
    ]
    return will, wont


def is_yes(answer: str) -> bool:
    return answer.strip().lower() in YES


def read_answer(input_fn: InputFn) -> str:
    try:
        return input_fn()
    except EOFError:  # no keyboard (stdin closed): never a yes
        return ""
