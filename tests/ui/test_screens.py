"""Screenshots of the operator screen: rich's output fed to a VT emulator (pyte) the size
of tty1 (80x25) and of a wide terminal (120x40), snapshotted after every step change, as an
operator would see it. Issue 17: at 80x25 the frame was taller than the screen, the Live
redraw scrolled and the title bar landed on the first step row."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pyte
import pytest
from deuxvie.config import Config
from deuxvie.host.local import LocalHost
from deuxvie.i18n import STEP_NAMES
from deuxvie.model.common import Reason
from deuxvie.model.inventory import DiskKind
from deuxvie.pipeline import STEP_ORDER, Pipeline, StepContext, StepName, StepOutput, StepResult
from deuxvie.ui import PlainUI, RichUI
from pipeline_fakes import Calls, disk, fake_steps
from rich.console import Console

MACHINE = (
    disk("nvme0n1", serial="DVNVME0001"),
    disk("sda", kind=DiskKind.HDD, model="DEUXVIE GOOD SATA", serial="DVSATA0001"),
    disk("sdb", kind=DiskKind.HDD, model="DEUXVIE BAD SATA", serial="DVSATA0BAD"),
    disk("sdc", kind=DiskKind.USB, removable=True, model="DataTraveler", serial="DONORKEY01"),
    disk("sdd", kind=DiskKind.USB, removable=True, is_boot_medium=True, model="DEUXVIE"),
)
# What the real steps say on the virtual donated PC (long on purpose: they wrap at 80).
CFG = Config(unattended=True, server_url="http://127.0.0.1:8080")
DETAILS = {
    StepName.INVENTORY: "LENOVO 20L5CTO1WW : 5 disque(s)",
    StepName.SMART: "nvme0n1 PASS, sda PASS, sdb PASS",
    StepName.SELFTEST: "autotest : nvme0n1 OK, sda OK, sdb ÉCHEC",
    StepName.CPU: "2 cœurs logiques, 2102 opérations/s, 0 erreur(s), température non lue",
    StepName.FUNCTIONS: "14 fonctions : 9 PASSED, 3 ABSENT, 2 UNTESTED",
    StepName.RAM: "77 Mio testés, 0 erreur(s), 0,61 Go/s",
    StepName.SURFACE: "lecture : nvme0n1 OK, sda OK, sdb ÉCHEC (secteurs illisibles à 2 Mio)",
    StepName.WIPE: "2 EFFACÉ, 1 ÉCHEC",
    StepName.GRADE: "FAIL — disque DEUXVIE BAD SATA (DVSATA0BAD) non effacé : erreurs d'écriture",
    StepName.REPORT: "DV-2026-000001 · c6b31bf6-4792-4d34-a530-9b30c080bed4",
    StepName.CERTIFICATE: "/run/deuxvie/data/certificates/DV-2026-000001.pdf",
    StepName.LABEL: "écrite dans /run/deuxvie/data/labels/DV-2026-000001.png",
    StepName.UPLOAD: "rapport envoyé",
}


class Terminal(io.TextIOBase):
    """A VT100 screen of `columns` x `lines` that rich writes to (pyte)."""

    def __init__(self, columns: int, lines: int) -> None:
        self.screen = pyte.Screen(columns, lines)
        self.stream = pyte.Stream(self.screen)

    def write(self, s: str) -> int:
        self.stream.feed(s.replace("\n", "\r\n"))  # the tty's onlcr
        return len(s)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return True

    def shot(self) -> list[str]:
        return list(self.screen.display)


def _with_detail(fn: Callable[[StepContext], StepOutput], name: StepName) -> Any:
    def step(ctx: StepContext) -> StepOutput:
        out = fn(ctx)
        why = Reason(f"{name}.summary", DETAILS[name], DETAILS[name])
        return StepOutput(out.state, (why,), problem=out.problem)

    return step


def _steps() -> Any:
    steps = fake_steps(Calls(), MACHINE)
    return type(steps)(**{n.value: _with_detail(steps.get(n), n) for n in STEP_ORDER})  # type: ignore[arg-type]


class Snapshots:
    """Observer beside the UI: a screenshot after each step change, once rich redrew."""

    def __init__(self, ui: RichUI, term: Terminal) -> None:
        self.ui, self.term = ui, term
        self.shots: list[list[str]] = []

    def step_changed(self, result: StepResult) -> None:
        self.ui.step_changed(result)
        assert self.ui._live is not None
        self.ui._live.refresh()
        self.shots.append(self.term.shot())

    def progress(self, event: Any) -> None:
        self.ui.progress(event)


def _run(columns: int, lines: int, lang: str = "fr") -> tuple[Snapshots, list[str]]:
    term = Terminal(columns, lines)
    console = Console(
        file=term, width=columns, height=lines, force_terminal=True, color_system="standard"
    )
    ui = RichUI(console, lang, live=True, console_font=True)
    snaps = Snapshots(ui, term)
    with ui:
        out = Pipeline(LocalHost(), CFG, _steps(), observer=snaps).run()
        ui.final(out)
    return snaps, term.shot()


@pytest.mark.parametrize(("columns", "lines"), [(80, 25), (120, 40)])
def test_every_frame_shows_the_title_then_every_step_name(columns: int, lines: int) -> None:
    snaps, _ = _run(columns, lines)
    assert len(snaps.shots) >= 2 * len(STEP_ORDER)
    names = [STEP_NAMES[n][0] for n in STEP_ORDER]
    for shot in snaps.shots:
        text = "\n".join(shot)
        assert shot[0].startswith("┌") and "deuxvie - diagnostic et effacement" in shot[0], text
        rows = [line for line in shot[1:] if line.startswith("│ ") and line[2] != " "]
        # each step on its own row, in order, its name whole, right after the title bar
        assert [r[4 : 4 + len(n)] for r, n in zip(rows, names, strict=False)] == names, text
        assert shot[1][4:].startswith("Inventaire"), text
        # the frame is closed on screen: nothing scrolled off nor overdrawn
        bottom = [i for i, line in enumerate(shot) if line.startswith("└")]
        assert bottom and all(line.rstrip().endswith("│") for line in shot[1 : bottom[-1]]), text


def test_wide_terminal_shows_every_detail_whole() -> None:
    snaps, _ = _run(120, 40)
    last = "\n".join(snaps.shots[-1])
    assert "…" not in last
    for name in (StepName.GRADE, StepName.CERTIFICATE, StepName.LABEL):
        # a long detail may wrap in its column, never lose a character
        assert DETAILS[name].split()[-1] in last, last


def test_tty1_keeps_one_line_per_step_when_details_do_not_fit() -> None:
    snaps, _ = _run(80, 25)
    last = snaps.shots[-1]
    frame_height = next(i for i, line in enumerate(last) if line.startswith("└")) + 1
    assert frame_height <= 25
    assert "LENOVO 20L5CTO1WW : 5 disque(s)" in last[1]


def test_plain_log_lines_are_whole_at_any_width() -> None:
    """The serial console's log: one line per event, nothing cut (a terminal wraps it)."""
    stream = io.StringIO()
    ui = PlainUI(stream, "fr", timestamps=False)
    with ui:
        out = Pipeline(LocalHost(), CFG, _steps(), observer=ui).run()
        ui.final(out)
    text = stream.getvalue()
    for name in STEP_ORDER:
        assert f"{STEP_NAMES[name][0]} : fait - {DETAILS[name]}" in text, text
