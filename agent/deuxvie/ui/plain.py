"""Plain log renderer for serial consoles, CI and pipes: no ANSI, ASCII big letters,
one line per event, wipe progress at most every 10 % or 30 s per disk."""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, TextIO

from deuxvie.i18n import STATE_WORDS, STEP_NAMES, duration_text, pick, rate_text, screen_word
from deuxvie.pipeline.steps import ProgressEvent, StepName, StepResult, StepState
from deuxvie.ui.bigtext import big
from deuxvie.ui.prompt import InputFn, is_yes, read_answer, wipe_lists
from deuxvie.ui.styles import STATE_ICONS
from deuxvie.ui.summary import summarise

if TYPE_CHECKING:  # annotations only: kept off the path to the first frame (issue 16)
    from deuxvie.pipeline.orchestrator import RunOutcome
    from deuxvie.pipeline.selection import WipeDecision

PROGRESS_EVERY_PCT = 10.0
PROGRESS_EVERY_S = 30.0


class PlainUI:
    def __init__(
        self,
        stream: TextIO,
        lang: str = "fr",
        *,
        input_fn: InputFn | None = None,
        clock: Callable[[], float] = time.monotonic,
        timestamps: bool = True,
    ) -> None:
        self.stream = stream
        self.lang = lang
        self.input_fn: InputFn = input_fn or input
        self.clock = clock
        self.timestamps = timestamps
        self._last: dict[tuple[StepName, str], tuple[float, float]] = {}

    def __enter__(self) -> PlainUI:
        self._line(screen_word("title", self.lang))
        return self

    def __exit__(self, *exc: object) -> None:
        self.stream.flush()

    def _line(self, text: str) -> None:
        stamp = dt.datetime.now().strftime("%H:%M:%S ") if self.timestamps else ""
        self.stream.write(f"{stamp}{text}\n")
        self.stream.flush()

    def step_changed(self, result: StepResult) -> None:
        if result.state == StepState.PENDING:
            return
        icon = STATE_ICONS[result.state][1]
        name = pick(STEP_NAMES[result.name], self.lang)
        word = pick(STATE_WORDS[result.state], self.lang)
        text = f"[{icon}] {name} : {word}"
        if result.reasons and result.state != StepState.RUNNING:
            text += " - " + "; ".join(r.text(self.lang) for r in result.reasons)
        if result.duration_s and result.duration_s >= 1:
            text += f" ({duration_text(result.duration_s, self.lang)})"
        self._line(text)

    def progress(self, event: ProgressEvent) -> None:
        if event.total_bytes:
            pct = 100.0 * (event.done_bytes or 0) / event.total_bytes
        elif event.fraction is not None:
            pct = 100.0 * event.fraction
        else:
            pct = -1.0
        key = (event.step, f"{event.target}/{event.message or ''}")  # a new phase restarts
        now = self.clock()
        last_pct, last_t = self._last.get(key, (-PROGRESS_EVERY_PCT, now))
        if not (
            event.finished
            or key not in self._last
            or pct - last_pct >= PROGRESS_EVERY_PCT
            or now - last_t >= PROGRESS_EVERY_S
        ):
            return
        self._last[key] = (pct, now)
        parts = [f"    {event.target}"]
        if pct >= 0:
            parts.append(f"{pct:.0f} %")
        if event.rate_bytes_per_s:
            parts.append(rate_text(event.rate_bytes_per_s, self.lang))
        if event.eta_s is not None and not event.finished:
            parts.append(f"ETA {duration_text(event.eta_s, self.lang)}")
        if event.message:
            parts.append(event.message)
        self._line(" ".join(parts))

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Plain log lines need no pause: the guided checks write below them."""
        yield

    def confirm_wipe(self, decisions: Sequence[WipeDecision]) -> bool:
        will, wont = wipe_lists(decisions, self.lang)
        self._line(screen_word("will_wipe", self.lang))
        for line in will:
            self._line(f"  * {line}")
        if wont:
            self._line(screen_word("wont_wipe", self.lang))
            for line in wont:
                self._line(f"  * {line}")
        self.stream.write(screen_word("question", self.lang).format(n=len(will)))
        self.stream.flush()
        ok = is_yes(read_answer(self.input_fn))
        self._line(screen_word("confirmed" if ok else "declined", self.lang))
        return ok

    def final(self, outcome: RunOutcome) -> None:
        self.stream.write(final_text(outcome, self.lang))
        self.stream.flush()


def final_text(outcome: RunOutcome, lang: str = "fr") -> str:
    s = summarise(outcome, lang)
    out = [""]
    out += big(s.big_word, ink="#")
    out.append(s.subtitle)
    if s.interrupted:
        out.append(screen_word("interrupted", lang))
    if s.reasons:
        out.append(f"{screen_word('reasons', lang)} :")
        out += [f"  * {r}" for r in s.reasons]
    if s.suggestion:
        out.append(f"{screen_word('suggestion', lang)} : {s.suggestion}")
    if s.untested:
        out.append(f"{screen_word('untested', lang)} : {', '.join(s.untested)}")
    if s.disks:
        out.append(f"{screen_word('erasure', lang)} :")
        out += [f"  * {ident} : {word}" for ident, word, _ in s.disks]
    if s.functions:
        out.append(f"{screen_word('functions', lang)} :")
        out += [f"  * {name} : {word}" + (f" — {detail}" if status != "PASSED" else "")
                for name, word, detail, status in s.functions]
    if s.failed_steps:
        out.append(f"{screen_word('problems', lang)} :")
        out += [f"  * {line}" for line in s.failed_steps]
    out.append(f"{screen_word('label', lang)} : {s.label}")
    out.append(f"{screen_word('upload', lang)} : {s.upload}")
    if s.report_url:
        out.append(f"{screen_word('certificate', lang)} : {s.report_url}")
    if s.certificate:
        out.append(f"PDF : {s.certificate}")
    out.append(f"{screen_word('duration', lang)} : {duration_text(s.duration_s, lang)}")
    return "\n".join(out) + "\n"
