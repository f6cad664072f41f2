"""The operator screens, rendered from a fake pipeline run and read back as text."""

from __future__ import annotations

import io

from deuxvie.config import Config
from deuxvie.host.local import LocalHost
from deuxvie.model.inventory import DiskKind
from deuxvie.pipeline import Pipeline, ProgressEvent, StepContext, StepName, StepOutput
from deuxvie.pipeline.steps import StepState
from deuxvie.ui import PlainUI, RichUI, make_ui
from deuxvie.ui.bigtext import big
from pipeline_fakes import Calls, disk, fake_steps
from rich.console import Console

NVME = disk("nvme0n1")
HDD = disk(
    "sda", kind=DiskKind.HDD, model="ST500DM002", serial="Z3T1ABCD", size_bytes=500_107_862_016
)
STICK = disk("sdb", kind=DiskKind.USB, removable=True, is_boot_medium=True, model="Cruzer")
MACHINE = (NVME, HDD, STICK)
CFG = Config(server_url="http://127.0.0.1:8080", printer="file:/tmp/x")


def recording_console() -> Console:
    return Console(record=True, width=110, file=io.StringIO(), force_terminal=True)


def test_big_letters() -> None:
    lines = big("PASS")
    assert len(lines) == 5
    assert len({len(line) for line in lines}) == 1  # a rectangle
    assert lines[0].startswith("████ ")
    assert big("FAIL", ink="#")[4] == "#      #   #  #####  #####"
    assert big("P", scale=2)[0] == "████████  "  # "#### " with each cell doubled
    try:
        big("X!")
    except ValueError as exc:
        assert "'X'" in str(exc)
    else:
        raise AssertionError("unknown glyph accepted")


def test_rich_attended_run_french() -> None:
    console = recording_console()
    answers = iter(["oui"])
    ui = RichUI(console, "fr", input_fn=lambda: next(answers), live=False)
    with ui:
        out = Pipeline(
            LocalHost(), CFG, fake_steps(Calls(), MACHINE), observer=ui, confirm=ui.confirm_wipe
        ).run()
        console.print(ui.render())  # the last frame of the live display
        ui.final(out)
    text = console.export_text()
    # the question lists disks by model, serial and size; the boot stick is not wiped
    assert "Ces disques vont être effacés" in text
    assert "Samsung SSD 970 EVO (S4EVNVME0N1) 256 Go" in text
    assert "ST500DM002 (Z3T1ABCD) 500 Go" in text
    assert "support de démarrage" in text
    assert "Effacement confirmé." in text
    # steps with their French names and states
    for words in ("Inventaire", "Effacement des disques", "Étiquette", "Envoi au service", "fait"):
        assert words in text
    # one bar per disk with MB/s, finished
    assert "nvme0n1" in text and "100 %" in text and "1000 Mo/s" in text
    # the big PASS, reasons, label and upload status, certificate URL
    assert big("PASS", scale=2)[2].rstrip() in text
    assert "Bon pour le reconditionnement" in text
    assert "étiquette imprimée" in text
    assert "rapport envoyé" in text
    assert "http://127.0.0.1:8080/c/8c0f3a52-0000-4000-8000-000000000001" in text
    assert "EFFACÉ" in text


def test_rich_refused_wipe_shows_fail_in_english() -> None:
    console = recording_console()
    ui = RichUI(console, "en", input_fn=lambda: "no", live=False)
    out = Pipeline(
        LocalHost(),
        CFG,
        fake_steps(Calls(), MACHINE, label=None),
        observer=ui,
        confirm=ui.confirm_wipe,
    ).run()
    ui.final(out)
    text = console.export_text()
    assert "Erasure refused: no disk will be erased." in text
    fail_top = big("FAIL", scale=2)[0]
    assert fail_top in text
    assert "Repair or recycle" in text
    assert "disk not erased" in text
    assert "SKIPPED, no erasure done — wipe refused by the operator" in text
    assert "skipped (step not available in this build of deuxvie)" in text


def test_rich_no_keyboard_means_no() -> None:
    def closed() -> str:
        raise EOFError

    console = recording_console()
    ui = RichUI(console, "fr", input_fn=closed, live=False)
    assert ui.confirm_wipe(()) is False
    assert "aucun disque ne sera effacé" in console.export_text()


def test_rich_live_display_on_a_terminal() -> None:
    """With the Live display running (as on tty1), the final screen still lands."""
    console = recording_console()
    with RichUI(console, "fr", input_fn=lambda: "o") as ui:
        out = Pipeline(
            LocalHost(), CFG, fake_steps(Calls(), MACHINE), observer=ui, confirm=ui.confirm_wipe
        ).run()
        ui.final(out)
    text = console.export_text()
    assert "Bon pour le reconditionnement" in text
    assert "Lecture de surface" in text


def test_failed_and_untested_steps_are_named_on_the_final_screen() -> None:
    def cpu(ctx: StepContext) -> StepOutput:
        ctx.progress(ProgressEvent(ctx.step, "cpu", fraction=0.5, message="82 °C"))
        raise RuntimeError("stress kernel returned a wrong result")

    console = recording_console()
    ui = RichUI(console, "fr", live=False)
    out = Pipeline(
        LocalHost(),
        Config(unattended=True, printer="file:/tmp"),
        fake_steps(Calls(), MACHINE, cpu=cpu, ram=None, grade=None),
        observer=ui,
    ).run()
    ui.final(out)
    text = console.export_text()
    assert (
        "Test du processeur : erreur : RuntimeError: stress kernel returned a wrong result" in text
    )
    # without a grade: a big "?" and the run's own list of untested steps
    assert "pas de verdict : classement indisponible" in text
    assert big("?", scale=2)[0].rstrip() in text
    assert "Non testé : Test de la mémoire" in text
    assert "aucun serveur configuré" in text


def test_plain_log_has_no_escape_codes() -> None:
    stream = io.StringIO()
    answers = iter(["yes"])
    ui = PlainUI(stream, "en", input_fn=lambda: next(answers), timestamps=False)
    with ui:
        out = Pipeline(
            LocalHost(), CFG, fake_steps(Calls(), MACHINE), observer=ui, confirm=ui.confirm_wipe
        ).run()
        ui.final(out)
    text = stream.getvalue()
    assert "\x1b" not in text
    assert all(ord(c) < 128 for c in big("PASS", ink="#")[0])
    assert "\n" + big("PASS", ink="#")[0] + "\n" in text
    assert "[+] Disk erasure : done" in text
    assert "    nvme0n1 50 % 1000 MB/s ETA 2 min 08 s" in text
    assert "Samsung SSD 970 EVO (S4EVNVME0N1) 256 GB : ERASED" in text
    assert "Fit for refurbishing" in text


def test_plain_progress_is_throttled() -> None:
    stream = io.StringIO()
    now = [0.0]
    ui = PlainUI(stream, "fr", clock=lambda: now[0], timestamps=False)
    total = 1000
    for done in range(0, total + 1, 10):  # 101 events, 1 % each
        now[0] += 0.1
        ui.progress(
            ProgressEvent(
                StepName.WIPE, "sda", done_bytes=done, total_bytes=total, finished=done == total
            )
        )
    lines = stream.getvalue().splitlines()
    assert len(lines) == 11  # 0 %, 10 %, ... 100 %
    assert lines[-1] == "    sda 100 %"


def test_make_ui_picks_plain_when_not_a_tty() -> None:
    assert isinstance(make_ui("fr", stream=io.StringIO()), PlainUI)


def test_linux_console_drawing_uses_glyphs_every_console_font_has() -> None:
    """tty1 of a donated PC (TERM=linux): square boxes, ASCII icons, # bars, █ letters."""
    console = recording_console()
    ui = RichUI(console, "fr", input_fn=lambda: "oui", live=False, console_font=True)
    out = Pipeline(
        LocalHost(), CFG, fake_steps(Calls(), MACHINE), observer=ui, confirm=ui.confirm_wipe
    ).run()
    console.print(ui.render())
    ui.final(out)
    text = console.export_text()
    allowed = set("┌┐└┘─│├┤█") | {chr(c) for c in range(32, 127)} | set("\n")
    # French letters are in every Latin console font (Lat15, Uni2)
    allowed |= set("éèêàâçôûùÉÈÀÇ«»’°")
    assert set(text) <= allowed, sorted(set(text) - allowed)
    assert "#" * 30 in text  # finished wipe bars
    assert "[+]" not in text and "+ Inventaire" in text


def test_final_screens_list_the_functions_table() -> None:
    """Issue #12: the operator's last screen lists every function with its status."""
    import dataclasses

    from deuxvie.model.common import Reason
    from deuxvie.model.functions import CheckMethod, FunctionResult, FunctionStatus
    from deuxvie.ui.live import final_screen
    from deuxvie.ui.plain import final_text

    def functions(ctx: StepContext) -> StepOutput:
        ctx.data.functions = [
            FunctionResult("usb", FunctionStatus.PASSED, CheckMethod.AUTOMATIC),
            FunctionResult("keyboard", FunctionStatus.FAILED, CheckMethod.ATTENDED,
                           reasons=(Reason("keyboard.keys_missing", "Touches sans effet : A, Z",
                                           "Keys with no effect: A, Z"),), answered_by="Camille"),
            FunctionResult("webcam", FunctionStatus.ABSENT, CheckMethod.INVENTORY),
        ]
        return StepOutput(StepState.DONE)

    steps = dataclasses.replace(fake_steps(Calls(), MACHINE), functions=functions)
    out = Pipeline(LocalHost(), Config(unattended=True), steps).run()
    text = final_text(out, "fr")
    assert "Fonctions du PC :" in text
    assert "  * Ports USB : OK\n" in text
    assert "  * Clavier : EN PANNE — avec l'opérateur (Camille) — Touches sans effet : A, Z" in text
    assert "  * Webcam : absent" in text
    console = recording_console()
    console.print(final_screen(out, "en"))
    en = console.export_text()
    assert "PC functions :" in en and "Keyboard : FAILED" in en
    assert "Keys with no effect: A, Z" in en
