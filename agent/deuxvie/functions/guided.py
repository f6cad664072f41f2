"""Guided (attended) checks: the operator at the donated PC, French first, big text,
keyboard only, each step skippable ("S" = cannot test). Results carry who answered.

What a machine cannot prove alone: that every key works, that the panel has no dead pixel
or backlight bleed, that the touchpad moves the pointer and clicks, that sound comes out of
the left and the right speaker, that the lid switch reacts, that the microphone records a
voice, that the webcam shows the room, that each USB port enumerates a stick. The answers
come from the PC's own keyboard through evdev (`host/evdev.py`), so the check also works
when the agent's console is a serial line (the QEMU rig drives it with QMP send-key).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import TextIO

from deuxvie.functions.layouts import KEY_ESC, KEY_S, draw, layout_keys
from deuxvie.functions.operator import Events, Operator, answered, skipped
from deuxvie.grading.policy import FunctionsPolicy
from deuxvie.host import Host
from deuxvie.host.evdev import EV_ABS, EV_KEY, EV_REL, EV_SW, EvdevReader
from deuxvie.i18n import reason
from deuxvie.model.functions import FunctionInventory, FunctionResult, FunctionStatus

S = FunctionStatus
__all__ = ["Events", "Operator", "evdev_operator", "run_guided"]
COLOURS: tuple[tuple[str, str, str, int], ...] = (
    ("noir", "black", "40", 0x000000), ("blanc", "white", "47", 0xFFFFFF),
    ("rouge", "red", "41", 0xFF0000), ("vert", "green", "42", 0x00FF00),
    ("bleu", "blue", "44", 0x0000FF))
BTN_LEFT = 0x110
# in the order they are asked; "lid" joins the screen's result
GUIDED_IDS = ("keyboard", "screen", "pointing", "lid", "audio_out", "audio_in", "webcam", "usb")


def check_keyboard(op: Operator, layout: str) -> FunctionResult:
    keys = layout_keys(layout)
    op.say("CLAVIER : appuyez sur chaque touche ; elle s'allume à l'écran.",
           "KEYBOARD: press every key; it lights up on screen.")
    op.say("Entrée pour commencer, S si impossible. Échap 3 fois de suite pour finir.",
           "Enter to start, S if not possible. Esc three times in a row to finish.")
    start = op.answer()
    if start != "ok":
        return skipped("keyboard", op, start)
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
        return answered("keyboard", S.PASSED, op, ev)
    return answered("keyboard", S.FAILED, op, ev, reason(
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
            return skipped("screen", op, a)
        if a == "defect":
            defects.append(fr if op.lang == "fr" else en)
    op.out.write("\x1b[0m\x1b[2J\x1b[H")
    ev = {"answers": answers}
    if defects:
        names_fr = ", ".join(fr for fr, en, _a, _r in COLOURS if answers.get(en) == "defect")
        names_en = ", ".join(en for _f, en, _a, _r in COLOURS if answers.get(en) == "defect")
        return answered("screen", S.FAILED, op, ev, reason(
            "screen.defect", f"Défaut d'affichage vu sur fond {names_fr}",
            f"Display defect seen on {names_en}"))
    return answered("screen", S.PASSED, op, ev)


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
            return skipped("pointing", op, "skip")
        if moves >= 10 and clicks:
            return answered("pointing", S.PASSED, op, {"moves": moves, "clicks": clicks})
    return answered("pointing", S.FAILED, op, {"moves": moves, "clicks": clicks}, reason(
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
                return answered("lid", S.PASSED, op, {"switch": seen})
        elif ev.type == EV_KEY and ev.value == 1 and ev.code in (KEY_S, KEY_ESC):
            return skipped("lid", op, "skip")
    return answered("lid", S.FAILED, op, {"switch": seen}, reason(
        "lid.no_switch", "Le capteur du capot n'a pas réagi", "The lid switch did not react"))


def run_guided(op: Operator, fi: FunctionInventory, automatic: Sequence[FunctionResult],
               only: Sequence[str] = ("keyboard", "screen", "pointing"),
               layout: str = "fr", host: Host | None = None,
               policy: FunctionsPolicy | None = None) -> tuple[FunctionResult, ...]:
    """The automatic results with the guided checks' answers in place of theirs (the
    automatic evidence kept under "automatic"). The lid has no function id of its own: its
    answer joins the screen's evidence (the lid switch turns the panel off). The sound,
    webcam and USB port checks drive the machine, so they need the `host` (and the tone
    of the `policy`); without one they keep their automatic result."""
    from deuxvie.functions.guided_audio import check_microphone, check_speakers
    from deuxvie.functions.guided_usb import check_usb_ports
    from deuxvie.functions.guided_webcam import check_webcam_preview

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
    if host is not None:
        steps = (
            ("audio_out", lambda: check_speakers(op, host, fi, policy)
             if policy is not None else None),
            ("audio_in", lambda: check_microphone(op, host, fi)),
            ("webcam", lambda: check_webcam_preview(op, host, fi)),
            # no port walk on a machine whose controllers did not even enumerate
            ("usb", lambda: check_usb_ports(op, host) if fi.usb_buses else None),
        )
        for fid, step in steps:
            if fid in only and (res := step()) is not None:
                guided[fid] = res
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
