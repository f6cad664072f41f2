"""Terminal UI with rich: steps and their states, one bar per disk during the wipe, and
the final PASS / FAIL in large letters."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from deuxvie.i18n import STATE_WORDS, STEP_NAMES, duration_text, pick, rate_text, screen_word
from deuxvie.pipeline.steps import STEP_ORDER, ProgressEvent, StepName, StepResult, StepState
from deuxvie.ui.bigtext import big
from deuxvie.ui.prompt import InputFn, is_yes, read_answer, wipe_lists
from deuxvie.ui.styles import STATE_ICONS, STATE_STYLES, VERDICT_STYLES
from deuxvie.ui.summary import summarise

if TYPE_CHECKING:  # annotations only: kept off the path to the first frame (issue 16)
    from deuxvie.pipeline.orchestrator import RunOutcome
    from deuxvie.pipeline.selection import WipeDecision


@dataclass
class _Bar:
    done: int = 0
    total: int | None = None
    rate: float | None = None
    eta: float | None = None
    finished: bool = False
    phase: str = ""


class RichUI:
    """Observer of a Pipeline drawing a rich Live display. Use as a context manager."""

    def __init__(
        self,
        console: Console,
        lang: str = "fr",
        *,
        input_fn: InputFn | None = None,
        live: bool = True,
        subtitle: str = "",
        console_font: bool = False,
    ) -> None:
        """`console_font`: drawing for the Linux text console (tty1 of the donated PC, TERM
        linux), whose 256/512-glyph fonts may lack the rounded corners, check marks and
        heavy bar lines rich uses: square boxes, ASCII icons and bars of #."""
        self.console = console
        self.lang = lang
        self.input_fn: InputFn = input_fn or input
        self.subtitle = subtitle
        self.console_font = console_font
        self.box = box.SQUARE if console_font else box.ROUNDED
        self.steps: dict[StepName, StepResult] = {
            n: StepResult(n, StepState.PENDING) for n in STEP_ORDER
        }
        self.activity: dict[StepName, str] = {}
        self.bars: dict[str, _Bar] = {}
        self._live: Live | None = (
            Live(console=console, refresh_per_second=4, auto_refresh=True, transient=False)
            if live
            else None
        )
        self._last_refresh = 0.0

    # ---- context ---------------------------------------------------------------------

    def __enter__(self) -> RichUI:
        if self._live is not None:
            self._live.update(self.render())
            # refresh=True: the first frame now, not from the refresh thread a quarter of a
            # second later, while the real steps' imports hold the GIL (issue 16)
            self._live.start(refresh=True)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._live is not None:
            self._live.stop()

    def _refresh(self, force: bool = True) -> None:
        if self._live is None:
            return
        now = time.monotonic()
        if force or now - self._last_refresh > 0.2:
            self._last_refresh = now
            self._live.update(self.render())

    # ---- Observer ----------------------------------------------------------------------

    def step_changed(self, result: StepResult) -> None:
        self.steps[result.name] = result
        if result.state != StepState.RUNNING:
            self.activity.pop(result.name, None)
        self._refresh()

    def progress(self, event: ProgressEvent) -> None:
        if event.step == StepName.WIPE and event.total_bytes:
            bar = self.bars.setdefault(event.target, _Bar())
            bar.done = event.done_bytes or 0
            bar.total = event.total_bytes
            bar.rate = event.rate_bytes_per_s
            bar.eta = event.eta_s
            bar.finished = event.finished
            bar.phase = event.message or ""
        else:
            parts = []
            if event.message:
                parts.append(event.message)
            if event.target:
                parts.insert(0, event.target)
            if event.fraction is not None:
                parts.append(f"{event.fraction * 100:.0f} %")
            if event.eta_s is not None and not event.finished:
                parts.append(duration_text(event.eta_s, self.lang))
            self.activity[event.step] = " · ".join(parts)
        self._refresh(force=event.finished)

    # ---- attended mode: the guided function checks, then the one question ---------------

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """The console handed to someone else (the guided checks) and the display back."""
        if self._live is not None:
            self._live.stop()
        try:
            yield
        finally:
            if self._live is not None:
                self._live.start()

    def confirm_wipe(self, decisions: Sequence[WipeDecision]) -> bool:
        if self._live is not None:
            self._live.stop()
        try:
            will, wont = wipe_lists(decisions, self.lang)
            body = Text()
            body.append(screen_word("will_wipe", self.lang) + "\n", style="bold")
            for line in will:
                body.append(f"  • {line}\n", style="bold red")
            if wont:
                body.append(screen_word("wont_wipe", self.lang) + "\n", style="bold")
                for line in wont:
                    body.append(f"  • {line}\n", style="dim")
            self.console.print(
                Panel(
                    _safe(body, self.console_font),
                    title=screen_word("confirm_title", self.lang),
                    border_style="red",
                    box=self.box,
                )
            )
            self.console.print(screen_word("question", self.lang).format(n=len(will)), end="")
            answer = read_answer(self.input_fn)
            ok = is_yes(answer)
            self.console.print(screen_word("confirmed" if ok else "declined", self.lang))
            return ok
        finally:
            if self._live is not None:
                self._live.start()

    # ---- drawing -----------------------------------------------------------------------

    def render(self) -> RenderableType:
        """The live frame, never taller than the screen: on a console the Live display
        redraws by moving the cursor up its own height, so a frame taller than the screen
        (80x25 on tty1, details wrapping) scrolled its top away and the next frame's title
        bar landed on the first step row (issue 17). Details wrap while the frame fits;
        else each step keeps one line (the final screen and the log have them whole)."""
        frame = self._frame(wrap=True)
        height = self.console.size.height
        if len(self.console.render_lines(frame, pad=False)) > height:
            frame = self._frame(wrap=False)
        return frame

    def _frame(self, *, wrap: bool) -> RenderableType:
        table = Table.grid(padding=(0, 1))
        table.add_column(width=1, no_wrap=True)
        # the step names and states never wrap nor shrink: they are what the operator reads
        width = max(len(pick(STEP_NAMES[n], self.lang)) for n in STEP_ORDER)
        table.add_column(min_width=width, no_wrap=True)
        words = max(len(pick(STATE_WORDS[s], self.lang)) for s in StepState)
        table.add_column(min_width=words, no_wrap=True)
        table.add_column(overflow="fold")
        # panel borders and padding (4), the three gaps between the columns (3)
        room = max(8, self.console.size.width - 4 - 3 - 1 - width - words)
        for name in STEP_ORDER:
            res = self.steps[name]
            style = STATE_STYLES[res.state]
            if res.problem and res.state == StepState.DONE:
                style = "bold red"
            detail = self.activity.get(name, "")
            if not detail and res.reasons:
                detail = res.reasons[0].text(self.lang)
            if res.duration_s and res.state != StepState.RUNNING and res.duration_s >= 1:
                detail = f"{detail} ({duration_text(res.duration_s, self.lang)})".strip()
            shown = Text(detail, style="dim" if res.state != StepState.FAILED else "red")
            if not wrap:
                shown.truncate(room, overflow="ellipsis")
            table.add_row(
                Text(STATE_ICONS[res.state][1 if self.console_font else 0], style=style),
                Text(pick(STEP_NAMES[name], self.lang)),
                Text(pick(STATE_WORDS[res.state], self.lang), style=style),
                _safe(shown, self.console_font),
            )
        parts: list[RenderableType] = [table]
        if self.bars:
            parts.append(self._render_bars())
        return Panel(
            Group(*parts),
            box=self.box,
            title=_safe_str(screen_word("title", self.lang), self.console_font),
            subtitle=self.subtitle or None,
            border_style="blue",
        )

    def _render_bars(self) -> RenderableType:
        grid = Table.grid(padding=(0, 1))
        grid.add_column(min_width=12)
        grid.add_column(width=30)
        grid.add_column(justify="right", width=6)
        grid.add_column(justify="right", width=11)
        grid.add_column(justify="right")
        grid.add_column()
        for target, bar in self.bars.items():
            total = bar.total or 1
            pct = 100.0 * bar.done / total
            grid.add_row(
                Text(target),
                _ascii_bar(bar.done / total, 30)
                if self.console_font
                else ProgressBar(total=total, completed=bar.done, width=30),
                Text(f"{pct:.0f} %"),
                Text(rate_text(bar.rate, self.lang)),
                Text(
                    ("OK" if self.console_font else "✔")
                    if bar.finished
                    else duration_text(bar.eta, self.lang),
                    style="green" if bar.finished else "",
                ),
                Text(bar.phase, style="dim"),
            )
        return Panel(
            grid,
            title=pick(STEP_NAMES[StepName.WIPE], self.lang),
            border_style="dim",
            box=self.box,
        )

    def final(self, outcome: RunOutcome) -> None:
        if self._live is not None:
            self._live.update(self.render())
            self._live.stop()
        self.console.print(final_screen(outcome, self.lang, console_font=self.console_font))


# One character for one character, so rich's style spans stay where they were.
_CONSOLE_SAFE = str.maketrans({"—": "-", "•": "*", "✔": "+", "·": "-", "▶": ">"})


def _safe(text: Text, console_font: bool) -> Text:
    if console_font:
        text.plain = text.plain.translate(_CONSOLE_SAFE)
    return text


def _safe_str(text: str, console_font: bool) -> str:
    return text.translate(_CONSOLE_SAFE) if console_font else text


def _ascii_bar(fraction: float, width: int) -> Text:
    done = max(0, min(width, round(fraction * width)))
    return Text("#" * done + "." * (width - done), style="cyan")


FUNCTION_STYLES = {"PASSED": "green", "FAILED": "bold red", "UNTESTED": "yellow",
                   "ABSENT": "dim"}


def final_screen(
    outcome: RunOutcome, lang: str = "fr", *, console_font: bool = False
) -> RenderableType:
    s = summarise(outcome, lang)
    style = VERDICT_STYLES[s.verdict] if s.verdict is not None else "bold magenta"
    body = Text(justify="left")
    for line in big(s.big_word, scale=2):
        body.append(line + "\n", style=style)
    body.append(s.subtitle + "\n", style=style)
    if s.interrupted:
        body.append(screen_word("interrupted", lang) + "\n", style="bold red")
    if s.reasons:
        body.append(f"\n{screen_word('reasons', lang)} :\n", style="bold")
        for r in s.reasons:
            body.append(f"  • {r}\n")
    if s.suggestion:
        body.append(f"{screen_word('suggestion', lang)} : ", style="bold")
        body.append(s.suggestion + "\n")
    if s.untested:
        body.append(f"{screen_word('untested', lang)} : ", style="bold yellow")
        body.append(", ".join(s.untested) + "\n")
    if s.disks:
        body.append(f"\n{screen_word('erasure', lang)} :\n", style="bold")
        for ident, word, ok in s.disks:
            body.append(f"  • {ident} : ")
            body.append(word + "\n", style="green" if ok else "red")
    if s.functions:
        body.append(f"\n{screen_word('functions', lang)} :\n", style="bold")
        for name, word, detail, status in s.functions:
            body.append(f"  • {name} : ")
            body.append(word, style=FUNCTION_STYLES.get(status, ""))
            body.append(f" — {detail}\n" if status != "PASSED" else "\n")
    if s.failed_steps:
        body.append(f"\n{screen_word('problems', lang)} :\n", style="bold red")
        for line in s.failed_steps:
            body.append(f"  • {line}\n")
    body.append(f"\n{screen_word('label', lang)} : ", style="bold")
    body.append(s.label + "\n")
    body.append(f"{screen_word('upload', lang)} : ", style="bold")
    body.append(s.upload + "\n")
    if s.report_url:
        body.append(f"{screen_word('certificate', lang)} : ", style="bold")
        body.append(s.report_url + "\n")
    if s.certificate:
        body.append(f"PDF : {s.certificate}\n")
    took = duration_text(s.duration_s, lang)
    body.append(f"{screen_word('duration', lang)} : {took}", style="dim")
    return Panel(
        _safe(body, console_font),
        border_style=style.replace("bold ", ""),
        box=box.SQUARE if console_font else box.ROUNDED,
    )
