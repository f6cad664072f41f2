"""Guided (attended) checks: the operator at the donated PC, French first, big text,
keyboard only, each step skippable ("S" = cannot test). Results carry who answered.

What a machine cannot prove alone: that every key works, that the panel has no dead pixel
or backlight bleed, that the touchpad moves the pointer and clicks, that sound comes out of
the left and the right speaker, that the lid switch reacts. The answers come from the
PC's own keyboard through evdev (`host/evdev.py`), so the check also works when the agent's
console is a serial line (the QEMU rig drives it with QMP send-key).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, TextIO

from deuxvie.functions.layouts import KEY_D, KEY_ENTER, KEY_ESC, KEY_S, draw, layout_keys
from deuxvie.host.evdev import EV_ABS, EV_KEY, EV_REL, EV_SW, EvdevReader, InputEvent
from deuxvie.i18n import reason
from deuxvie.model.common import Reason
from deuxvie.model.functions import CheckMethod, FunctionInventory, FunctionResult, FunctionStatus

S = FunctionStatus
ATT = CheckMethod.ATTENDED
COLOURS: tuple[tuple[str, str, str, int], ...] = (
    ("noir", "black", "40", 0x000000), ("blanc", "white", "47", 0xFFFFFF),
    ("rouge", "red", "41", 0xFF0000), ("vert", "green", "42", 0x00FF00),
    ("bleu", "blue", "44", 0x0000FF))
BTN_LEFT = 0x110
GUIDED_IDS = ("keyboard", "screen", "pointing", "lid")


class Events(Protocol):
    def next_event(self, timeout_s: float) -> InputEvent | None: ...

    def next_key(self, timeout_s: float) -> int | None: ...


@dataclass
class Operator:
    """Where the guided checks talk (a text stream) and listen (input events)."""

    name: str
    events: Events
    out: TextIO = field(default_factory=lambda: sys.stderr)
    lang: str = "fr"
    answer_timeout_s: float = 120.0
    idle_timeout_s: float = 60.0  # keyboard check: no key for this long ends it
    fill_screen: Callable[[int], None] | None = None  # paints the panel (framebuffer)

    def say(self, fr: str, en: str) -> None:
        # French first, English below: one workshop, two languages (DEVELOPERS.md).
        self.out.write(f"\x1b[1m{fr}\x1b[0m\n{en}\n")
        self.out.flush()

    def answer(self, timeout_s: float | None = None) -> str | None:
        """"ok" (Entrée), "defect" (D), "skip" (S or Échap), None on timeout."""
        deadline = time.monotonic() + (timeout_s or self.answer_timeout_s)
        while (left := deadline - time.monotonic()) > 0:
            key = self.events.next_key(left)
            if key == KEY_ENTER:
                return "ok"
            if key == KEY_D:
                return "defect"
            if key in (KEY_S, KEY_ESC):
                return "skip"
            if key is None:
                return None
        return None


def _res(fid: str, status: FunctionStatus, op: Operator, evidence: Mapping[str, Any],
         *reasons: Reason) -> FunctionResult:
    return FunctionResult(fid, status, ATT, dict(evidence), reasons, answered_by=op.name)


def _skipped(fid: str, op: Operator, why: str | None) -> FunctionResult:
    if why is None:
        return _res(fid, S.UNTESTED, op, {"answer": None}, reason(
            f"{fid}.no_answer", "Pas de réponse de l'opérateur", "No answer from the operator"))
    return _res(fid, S.UNTESTED, op, {"answer": "skip"}, reason(
        f"{fid}.skipped", "Impossible à tester selon l'opérateur",
        "The operator could not test it"))


def check_keyboard(op: Operator, layout: str) -> FunctionResult:
    keys = layout_keys(layout)
    op.say("CLAVIER : appuyez sur chaque touche ; elle s'allume à l'écran.",
           "KEYBOARD: press every key; it lights up on screen.")
    op.say("Entrée pour commencer, S si impossible. Échap 3 fois de suite pour finir.",
           "Enter to start, S if not possible. Esc three times in a row to finish.")
    start = op.answer()
    if start != "ok":
        return _skipped("keyboard", op, start)
    pressed: set[int] = set()
    escapes = 0
    while pressed < set(keys):
        key = op.events.next_key(op.idle_timeout_s)
        if key is None:
            break
        escapes = escapes + 1 if key == KEY_ESC else 0
        if key in keys:
            pressed.add(key)
        op.out.write("\x1b[2J\x1b[H" + draw(layout, pressed) + "\n")
        if escapes >= 3 and pressed < set(keys):
            break
    missing = [keys[c] for c in sorted(set(keys) - pressed)]
    ev = {"layout": layout, "keys": len(keys), "pressed": len(pressed & set(keys)),
          "missing": missing}
    if not missing:
        return _res("keyboard", S.PASSED, op, ev)
    return _res("keyboard", S.FAILED, op, ev, reason(
        "keyboard.keys_missing", f"Touches sans effet : {', '.join(missing)}",
        f"Keys with no effect: {', '.join(missing)}"))


def check_screen(op: Operator) -> FunctionResult:
    defects: list[str] = []
    answers: dict[str, str | None] = {}
    for fr, en, ansi, rgb in COLOURS:
        if op.fill_screen is not None:
            op.fill_screen(rgb)
        op.out.write(f"\x1b[{ansi}m\x1b[2J\x1b[H")
        op.say(f"ÉCRAN {fr.upper()} : pixels morts, taches, fuites de lumière ? "
               "Entrée = OK, D = défaut, S = impossible",
               f"{en.upper()} SCREEN: dead pixels, stains, backlight bleed? "
               "Enter = OK, D = defect, S = cannot test")
        a = op.answer()
        answers[en] = a
        if a in ("skip", None):
            op.out.write("\x1b[0m\x1b[2J\x1b[H")
            return _skipped("screen", op, a)
        if a == "defect":
            defects.append(fr if op.lang == "fr" else en)
    op.out.write("\x1b[0m\x1b[2J\x1b[H")
    ev = {"answers": answers}
    if defects:
        names_fr = ", ".join(fr for fr, en, _a, _r in COLOURS if answers.get(en) == "defect")
        names_en = ", ".join(en for _f, en, _a, _r in COLOURS if answers.get(en) == "defect")
        return _res("screen", S.FAILED, op, ev, reason(
            "screen.defect", f"Défaut d'affichage vu sur fond {names_fr}",
            f"Display defect seen on {names_en}"))
    return _res("screen", S.PASSED, op, ev)


def check_pointing(op: Operator) -> FunctionResult:
    op.say("POINTAGE : déplacez le pointeur avec le pavé tactile puis cliquez (S si "
           "impossible).", "POINTING: move the pointer with the touchpad, then click (S if "
           "not possible).")
    moves = clicks = 0
    deadline = time.monotonic() + op.answer_timeout_s
    while (left := deadline - time.monotonic()) > 0:
        ev = op.events.next_event(left)
        if ev is None:
            break
        if ev.type in (EV_REL, EV_ABS):
            moves += 1
        elif ev.type == EV_KEY and ev.code == BTN_LEFT and ev.value == 1:
            clicks += 1
        elif ev.type == EV_KEY and ev.value == 1 and ev.code in (KEY_S, KEY_ESC):
            return _skipped("pointing", op, "skip")
        if moves >= 10 and clicks:
            return _res("pointing", S.PASSED, op, {"moves": moves, "clicks": clicks})
    return _res("pointing", S.FAILED, op, {"moves": moves, "clicks": clicks}, reason(
        "pointing.no_trace", f"Pointage incomplet : {moves} mouvement(s), {clicks} clic(s)",
        f"Pointing incomplete: {moves} move(s), {clicks} click(s)"))


def check_lid(op: Operator) -> FunctionResult:
    op.say("CAPOT : fermez l'écran puis rouvrez-le (S si impossible).",
           "LID: close the screen, then open it again (S if not possible).")
    seen: list[int] = []
    deadline = time.monotonic() + op.answer_timeout_s
    while (left := deadline - time.monotonic()) > 0:
        ev = op.events.next_event(left)
        if ev is None:
            break
        if ev.type == EV_SW and ev.code == 0:
            seen.append(ev.value)
            if 1 in seen and seen[-1] == 0:
                return _res("lid", S.PASSED, op, {"switch": seen})
        elif ev.type == EV_KEY and ev.value == 1 and ev.code in (KEY_S, KEY_ESC):
            return _skipped("lid", op, "skip")
    return _res("lid", S.FAILED, op, {"switch": seen}, reason(
        "lid.no_switch", "Le capteur du capot n'a pas réagi", "The lid switch did not react"))


def run_guided(op: Operator, fi: FunctionInventory, automatic: Sequence[FunctionResult],
               only: Sequence[str] = ("keyboard", "screen", "pointing"),
               layout: str = "fr") -> tuple[FunctionResult, ...]:
    """The automatic results with the guided checks' answers in place of theirs (the
    automatic evidence kept under "automatic"). The lid has no function id of its own: its
    answer joins the screen's evidence (the lid switch turns the panel off)."""
    by_id = {r.id: r for r in automatic}
    guided: dict[str, FunctionResult] = {}
    if "keyboard" in only and fi.keyboards:
        guided["keyboard"] = check_keyboard(op, layout)
    if "screen" in only and by_id.get("screen") is not None \
            and by_id["screen"].status is not S.ABSENT:
        guided["screen"] = check_screen(op)
    if "pointing" in only and fi.pointing:
        guided["pointing"] = check_pointing(op)
    if "lid" in only and fi.lid and "screen" in guided:
        lid = check_lid(op)
        scr = guided["screen"]
        status = S.FAILED if lid.status is S.FAILED else scr.status
        guided["screen"] = replace(scr, status=status, reasons=scr.reasons + lid.reasons,
                                   evidence={**scr.evidence, "lid": lid.evidence})
    out = []
    for r in automatic:
        g = guided.get(r.id)
        out.append(replace(g, evidence={**g.evidence, "automatic": r.evidence}) if g else r)
    return tuple(out)


def evdev_operator(fi: FunctionInventory, name: str, lang: str = "fr",
                   out: TextIO | None = None) -> tuple[Operator, EvdevReader]:
    """An operator listening on every keyboard, pointing device and lid switch."""
    nodes = [f"/dev/input/{h}" for d in fi.inputs
             if d.kind in ("keyboard", "pointing") or d.lid_switch
             for h in d.handlers if h.startswith("event")]
    reader = EvdevReader(nodes)
    return Operator(name=name, events=reader, out=out or sys.stderr, lang=lang), reader
