"""The guided checks driven by scripted key presses (the QEMU test drives the real evdev
path with QMP send-key): all keys, keys never pressed, a screen defect, skips."""

from __future__ import annotations

import io
from collections import deque
from pathlib import Path

from deuxvie.functions.guided import Operator, run_guided
from deuxvie.functions.layouts import AZERTY, KEY_D, KEY_ENTER, KEY_ESC, KEY_S, QWERTY
from deuxvie.host.evdev import EV_KEY, EV_REL, InputEvent
from deuxvie.model.functions import (
    CheckMethod,
    FunctionInventory,
    FunctionResult,
    FunctionStatus,
    InputDevice,
)


class Script:
    """Input events served in order; None (a timeout) once they run out."""

    def __init__(self, events: list[InputEvent]) -> None:
        self.events = deque(events)

    def next_event(self, timeout_s: float) -> InputEvent | None:
        return self.events.popleft() if self.events else None

    def next_key(self, timeout_s: float) -> int | None:
        while self.events:
            ev = self.events.popleft()
            if ev.type == EV_KEY and ev.value == 1:
                return ev.code
        return None


def keys(*codes: int) -> list[InputEvent]:
    return [e for c in codes for e in (InputEvent(EV_KEY, c, 1), InputEvent(EV_KEY, c, 0))]


KBD = InputDevice("AT Translated Set 2 keyboard", "i8042", "0001", "0001", None, None,
                  ("event3",), "keyboard", 144)
PAD = InputDevice("SynPS/2 Synaptics TouchPad", "i8042", "0002", "0007", None, None,
                  ("event6",), "pointing", 7)
FI = FunctionInventory(inputs=(KBD, PAD))
AUTO = tuple(FunctionResult(fid, FunctionStatus.UNTESTED, CheckMethod.INVENTORY, {"x": 1})
             for fid in ("screen", "keyboard", "pointing", "usb"))


def _run(events: list[InputEvent], only: tuple[str, ...], layout: str = "fr"
         ) -> dict[str, FunctionResult]:
    out = io.StringIO()
    op = Operator("Camille", Script(events), out=out)
    res = run_guided(op, FI, AUTO, only=only, layout=layout)
    assert "CLAVIER" in out.getvalue() or "keyboard" not in only
    return {r.id: r for r in res}


def test_every_key_pressed_passes_with_who_answered() -> None:
    r = _run(keys(KEY_ENTER, *AZERTY), ("keyboard",))["keyboard"]
    assert r.status is FunctionStatus.PASSED and r.method is CheckMethod.ATTENDED
    assert r.answered_by == "Camille"
    assert r.evidence["missing"] == [] and r.evidence["pressed"] == len(AZERTY)
    assert r.evidence["automatic"] == {"x": 1}  # the automatic evidence is kept


def test_two_keys_never_pressed_are_listed() -> None:
    codes = [c for c in AZERTY if c not in (16, 86)]  # A and <, on AZERTY
    r = _run(keys(KEY_ENTER, *codes, KEY_ESC, KEY_ESC, KEY_ESC), ("keyboard",))["keyboard"]
    assert r.status is FunctionStatus.FAILED
    assert r.evidence["missing"] == ["A", "<"]
    assert r.reasons[0].fr == "Touches sans effet : A, <"
    assert r.reasons[0].en == "Keys with no effect: A, <"


def test_qwerty_has_no_iso_key() -> None:
    assert 86 in AZERTY and 86 not in QWERTY
    r = _run(keys(KEY_ENTER, *QWERTY), ("keyboard",), layout="en")["keyboard"]
    assert r.status is FunctionStatus.PASSED


def test_keyboard_skipped_or_unanswered_is_untested() -> None:
    r = _run(keys(KEY_S), ("keyboard",))["keyboard"]
    assert r.status is FunctionStatus.UNTESTED and r.reasons[0].code == "keyboard.skipped"
    r = _run([], ("keyboard",))["keyboard"]
    assert r.status is FunctionStatus.UNTESTED and r.reasons[0].code == "keyboard.no_answer"


def test_screen_defect_fails_and_names_the_colour() -> None:
    r = _run(keys(KEY_ENTER, KEY_ENTER, KEY_D, KEY_ENTER, KEY_ENTER), ("screen",))["screen"]
    assert r.status is FunctionStatus.FAILED and r.reasons[0].code == "screen.defect"
    assert "rouge" in r.reasons[0].fr and "red" in r.reasons[0].en
    ok = _run(keys(*[KEY_ENTER] * 5), ("screen",))["screen"]
    assert ok.status is FunctionStatus.PASSED
    assert _run(keys(KEY_ENTER, KEY_S), ("screen",))["screen"].status is FunctionStatus.UNTESTED


def test_pointing_needs_moves_and_a_click() -> None:
    moves = [InputEvent(EV_REL, 0, 3)] * 12
    r = _run([*moves, InputEvent(EV_KEY, 0x110, 1)], ("pointing",))["pointing"]
    assert r.status is FunctionStatus.PASSED and r.evidence["clicks"] == 1
    r = _run(moves, ("pointing",))["pointing"]
    assert r.status is FunctionStatus.FAILED and "0 clic(s)" in r.reasons[0].fr


def test_functions_not_guided_keep_their_automatic_result() -> None:
    r = _run(keys(KEY_ENTER, *AZERTY), ("keyboard",))
    assert r["usb"] == AUTO[3] and r["screen"] == AUTO[0]


def test_functions_step_asks_the_operator_only_in_attended_runs(tmp_path: Path) -> None:
    from deuxvie.config import Config
    from deuxvie.host import ReplayHost
    from deuxvie.inventory import collect
    from deuxvie.pipeline import StepContext, StepName
    from deuxvie.pipeline.steps import RunData, StepState
    from deuxvie.pipeline.steps.functions import functions_step

    bundle = Path(__file__).resolve().parents[1] / "data" / "bundles" / "laptop-t440"
    asked: list[int] = []

    def guided(fi: FunctionInventory, auto: tuple[FunctionResult, ...], policy: object
               ) -> tuple[FunctionResult, ...]:
        asked.append(len(auto))
        return tuple(r if r.id != "keyboard" else FunctionResult(
            "keyboard", FunctionStatus.PASSED, CheckMethod.ATTENDED, answered_by="Camille")
            for r in auto)

    for unattended in (True, False):
        data = RunData(config=Config(unattended=unattended, data_dir=tmp_path), guided=guided)
        host = ReplayHost(bundle)
        data.inventory = collect(host)
        out = functions_step(StepContext(host, data, StepName.FUNCTIONS, lambda e: None))
        assert out.state is StepState.DONE and len(data.functions) == 14
        kb = next(r for r in data.functions if r.id == "keyboard")
        assert kb.status is (FunctionStatus.UNTESTED if unattended else FunctionStatus.PASSED)
    assert asked == [14]  # once, in the attended run
