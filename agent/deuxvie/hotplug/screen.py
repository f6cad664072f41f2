"""Station-mode screens: one line per disk (model, serial, phase, MB/s, ETA, status), the
finished disk's status in large coloured letters, French first; a plain timestamped log
for serial consoles and pipes (the patterns of deuxvie.ui: rich Live on a terminal, no
escape codes elsewhere, progress at most every 10 % per disk)."""

from __future__ import annotations

import datetime as dt
import os
import sys
import threading
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol, TextIO

from deuxvie.i18n import ERASURE_STATUS, duration_text, pick, rate_text
from deuxvie.ui.bigtext import big

if TYPE_CHECKING:
    from rich.console import RenderableType

PHASES: dict[str, tuple[str, str]] = {
    "waiting": ("en attente", "waiting"),
    "identity": ("identification", "identifying"),
    "smart": ("SMART", "SMART"),
    "firmware": ("micrologiciel", "firmware"),
    "write": ("écriture", "writing"),
    "verify": ("vérification", "verifying"),
    "report": ("rapport", "report"),
    "done": ("terminé", "done"),
    "removed": ("retiré", "removed"),
}
# The certificate's status words (deuxvie.i18n), plus the one a running disk shows.
STATUS: dict[str, tuple[str, str]] = {"RUNNING": ("EN COURS", "RUNNING"), **ERASURE_STATUS}
# ASCII words of the large letters (bigtext has no accents): French first
BIG_WORDS = {"ERASED": "EFFACE", "ERASED_WITH_WARNINGS": "EFFACE", "FAILED": "ECHEC",
             "INTERRUPTED": "STOP", "SKIPPED": "IGNORE"}
STYLES = {"ERASED": "bold white on green", "ERASED_WITH_WARNINGS": "bold black on yellow",
          "FAILED": "bold white on red", "INTERRUPTED": "bold black on yellow",
          "SKIPPED": "bold white on blue", "RUNNING": "bold cyan"}


@dataclass(frozen=True)
class SlotView:
    slot: int
    device: str
    model: str | None = None
    serial: str | None = None
    phase: str = "waiting"
    fraction: float = 0.0
    rate_bytes_per_s: float | None = None
    eta_s: float | None = None
    status: str = "RUNNING"
    note: str = ""  # why, in the operator's language (refusal, errors, certificate URL)


class StationScreen(Protocol):
    def update(self, view: SlotView) -> None: ...

    def message(self, fr: str, en: str) -> None: ...

    def close(self) -> None: ...


def _phase(view: SlotView, lang: str) -> str:
    return pick(PHASES.get(view.phase, (view.phase, view.phase)), lang)


def line_text(view: SlotView, lang: str) -> str:
    """The plain one-line form (the log, and what the tests read)."""
    word = "disque" if lang == "fr" else "disk"
    parts = [f"{word} {view.slot} {view.device}", view.model or "?", view.serial or "?",
             _phase(view, lang)]
    if view.phase in ("write", "verify", "firmware"):
        parts.append(f"{view.fraction * 100:.0f} %")
        if view.rate_bytes_per_s:
            parts.append(rate_text(view.rate_bytes_per_s, lang))
        if view.eta_s is not None:
            parts.append(f"ETA {duration_text(view.eta_s, lang)}")
    parts.append(pick(STATUS.get(view.status, (view.status, view.status)), lang))
    text = " | ".join(parts)
    return f"{text} | {view.note}" if view.note else text


class PlainScreen:
    """Serial consoles and pipes: a line when a disk changes phase or status, progress at
    most every 10 %, the finished status in ASCII block letters."""

    def __init__(self, stream: TextIO, lang: str = "fr", timestamps: bool = True) -> None:
        self.stream, self.lang, self.timestamps = stream, lang, timestamps
        self._last: dict[int, SlotView] = {}
        self._lock = threading.Lock()

    def _write(self, text: str) -> None:
        stamp = dt.datetime.now().strftime("%H:%M:%S ") if self.timestamps else ""
        self.stream.write(f"{stamp}{text}\n")
        self.stream.flush()

    def update(self, view: SlotView) -> None:
        with self._lock:
            last = self._last.get(view.slot)
            self._last[view.slot] = view
            if last is not None and last.phase == view.phase and last.status == view.status \
                    and last.note == view.note \
                    and int(view.fraction * 10) == int(last.fraction * 10):
                return
            self._write(line_text(view, self.lang))
            if view.status in BIG_WORDS and (last is None or last.status != view.status):
                for row in big(BIG_WORDS[view.status], ink="#", gap=1):
                    self.stream.write(f"    {row.rstrip()}\n")
                self.stream.flush()

    def message(self, fr: str, en: str) -> None:
        with self._lock:
            self._write(fr if self.lang == "fr" else en)

    def close(self) -> None:
        self.stream.flush()


class RichScreen:
    """A terminal: one table row per disk, redrawn live, and the last finished disk's status
    in large coloured letters under it."""

    def __init__(self, stream: TextIO, lang: str = "fr") -> None:
        from rich.console import Console
        from rich.live import Live

        self.lang = lang
        self.console = Console(file=stream)
        self.console_font = os.environ.get("TERM") == "linux"
        self.views: dict[int, SlotView] = {}
        self.messages: list[str] = []
        self.last_done: SlotView | None = None
        self._lock = threading.Lock()
        self._live = Live(console=self.console, refresh_per_second=4, auto_refresh=True,
                          get_renderable=self.render)
        self._live.start()

    def render(self) -> RenderableType:
        from rich import box
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        fr = self.lang == "fr"
        table = Table(title="deuxvie — poste d'effacement" if fr else "deuxvie — disk station",
                      box=box.SQUARE if self.console_font else box.ROUNDED, expand=True)
        for head in (("N°", "#"), ("Modèle", "Model"), ("N° de série", "Serial"),
                     ("Étape", "Phase"), ("%", "%"), ("Mo/s", "MB/s"), ("Reste", "ETA"),
                     ("État", "Status")):
            table.add_column(pick(head, self.lang))
        with self._lock:
            views = sorted(self.views.values(), key=lambda v: v.slot)
            last = self.last_done
            messages = self.messages[-5:]
        for v in views:
            busy = v.phase in ("write", "verify", "firmware")
            table.add_row(
                f"{v.slot} {v.device}", v.model or "?", v.serial or "?", _phase(v, self.lang),
                f"{v.fraction * 100:.0f}" if busy else "",
                rate_text(v.rate_bytes_per_s, self.lang) if busy else "",
                duration_text(v.eta_s, self.lang) if busy and v.eta_s is not None else "",
                Text(pick(STATUS.get(v.status, (v.status, v.status)), self.lang),
                     style=STYLES.get(v.status, "")),
            )
        parts: list[RenderableType] = [table]
        if last is not None and last.status in BIG_WORDS:
            ink = "#" if self.console_font else "█"
            rows = big(BIG_WORDS[last.status], ink=ink, scale=2)
            parts.append(Text(f"{last.slot} {last.model or ''} {last.serial or ''}"))
            parts.append(Text("\n".join(rows), style=STYLES[last.status].replace(" on ", " ")))
        parts += [Text(m, style="dim") for m in messages]
        return Group(*parts)

    def update(self, view: SlotView) -> None:
        with self._lock:
            old = self.views.get(view.slot)
            self.views[view.slot] = view
            if view.status in BIG_WORDS and (old is None or old.status != view.status):
                self.last_done = view

    def message(self, fr: str, en: str) -> None:
        with self._lock:
            stamp = dt.datetime.now().strftime("%H:%M:%S")
            self.messages.append(f"{stamp} {fr if self.lang == 'fr' else en}")

    def close(self) -> None:
        self._live.stop()


def make_screen(lang: str = "fr", stream: TextIO | None = None) -> StationScreen:
    stream = stream or sys.stdout
    return RichScreen(stream, lang) if stream.isatty() else PlainScreen(stream, lang)


def with_progress(view: SlotView, phase: str, fraction: float, rate: float | None,
                  eta: float | None) -> SlotView:
    return replace(view, phase=phase, fraction=fraction, rate_bytes_per_s=rate, eta_s=eta)
