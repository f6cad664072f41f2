"""The one question of an attended run: erase these disks? (listing model, serial, size)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from deuxvie.i18n import YES

if TYPE_CHECKING:  # annotations only: kept off the path to the first frame (issue 16)
    from deuxvie.pipeline.selection import WipeDecision

InputFn = Callable[[], str]


def wipe_lists(decisions: Sequence[WipeDecision], lang: str) -> tuple[list[str], list[str]]:
    """(disks to wipe, disks left alone with why), one line each."""
    from deuxvie.pipeline.selection import disk_label  # the question comes after the frame

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
