"""The lazy command line (issue 16, docs/adr/0095): what `deuxvie --version`, `--help` and
`parse` import, the registry against what each command module registers, and `deuxvie run`
drawing its screen before the real steps are imported. No timing here: the figures are
bench/cli.py's (make bench-cli)."""

from __future__ import annotations

import argparse
import importlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from deuxvie.cli import build_parser, chosen_command
from deuxvie.commands import COMMANDS, help_of
from deuxvie.config import Config
from deuxvie.host.local import LocalHost
from deuxvie.pipeline import Steps

SMARTCTL = (Path(__file__).resolve().parent.parent
            / "data/parsers/smartctl/scrutiny__smart-nvme-failed.json")

# Libraries a start-up must not pay for unless its command uses them.
HEAVY = ("cryptography", "requests", "rich", "fpdf", "segno", "psutil", "jsonschema",
         "fontTools", "PIL", "numpy", "sqlalchemy")

PROBE = """
import json, sys
from deuxvie.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
sys.stdout.flush()
print("\\nMODULES " + json.dumps(sorted(sys.modules)))
"""


def _modules_after(*argv: str) -> tuple[set[str], str]:
    """sys.modules of a fresh interpreter once `deuxvie ARGV` returned, and its output."""
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True,
                          text=True, timeout=120, check=True)
    out, _, mods = done.stdout.rpartition("\nMODULES ")
    return set(json.loads(mods)), out


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY)


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["parse", "smartctl", str(SMARTCTL)]])
def test_light_commands_import_no_heavy_library(argv: list[str]) -> None:
    modules, out = _modules_after(*argv)
    assert out.strip(), "the command printed nothing: the probe did not run it"
    assert _heavy(modules) == []
    commands = {m for m in modules if m.startswith("deuxvie.commands.")}
    assert commands == ({"deuxvie.commands.parse"} if argv[0] == "parse" else set())


def test_parse_imports_only_the_parser_of_its_kind() -> None:
    modules, out = _modules_after("parse", "smartctl", str(SMARTCTL))
    assert json.loads(out)["verdict"] == "FAIL"
    assert "deuxvie.parsers.smartctl" in modules
    assert not {"deuxvie.parsers.edid", "deuxvie.parsers.dmidecode",
                "deuxvie.parsers.lspci"} & modules


def test_run_module_imports_only_what_its_first_frame_needs() -> None:
    code = ("import json, sys, deuxvie.commands.run, deuxvie.ui\n"
            "print(json.dumps(sorted(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    modules = set(json.loads(done.stdout))
    # rich draws the screen; the rest comes after the frame (commands.run.real_run)
    assert [m for m in _heavy(modules) if not m.startswith("rich")] == []
    assert not {"deuxvie.pipeline.orchestrator", "deuxvie.pipeline.wiring",
                "deuxvie.model.inventory", "deuxvie.station", "deuxvie.wire"} & modules


def test_server_cli_parser_imports_no_database_layer() -> None:
    code = ("import json, sys\nfrom deuxvie_server.cli import main\n"
            "try:\n    main(['token', 'create', '--help'])\nexcept SystemExit:\n    pass\n"
            "print('\\nMODULES ' + json.dumps(sorted(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    out, _, mods = done.stdout.rpartition("\nMODULES ")
    assert "--ttl-hours" in out
    assert _heavy(set(json.loads(mods))) == []


def test_registry_matches_what_each_module_registers() -> None:
    by_module: dict[str, list[str]] = {}
    for command in COMMANDS:
        by_module.setdefault(command.module, []).append(command.name)
    for module_name, names in by_module.items():
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(f"deuxvie.commands.{module_name}").register(sub)
        assert [(a.dest, a.help) for a in sub._choices_actions] == [
            (n, help_of(n)) for n in names], module_name
    modules = {p.stem for p in Path(importlib.import_module("deuxvie.commands").__path__[0])
               .glob("*.py") if p.stem != "__init__"}
    assert modules == set(by_module), "a command module missing from COMMANDS (or gone)"


def test_lazy_parsers_print_what_the_full_parser_prints() -> None:
    full = build_parser(load_all=True)
    assert build_parser().format_help() == full.format_help()
    full_subs = full._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for command in COMMANDS:
        lazy = build_parser(command.name)._subparsers._group_actions[0].choices  # type: ignore[union-attr]
        assert lazy[command.name].format_help() == full_subs[command.name].format_help()


def test_chosen_command_reads_the_line_as_argparse_does() -> None:
    assert chosen_command(["wipe", "--help"]) == "wipe"
    assert chosen_command(["parse", "edid", "-"]) == "parse"
    assert chosen_command(["station", "init", "--dir", "x"]) == "station"
    assert chosen_command([]) is None
    with pytest.raises(SystemExit) as exc:
        chosen_command(["no-such-command"])
    assert exc.value.code == 2


def test_run_draws_its_screen_before_loading_the_steps(tmp_path: Path) -> None:
    stream = io.StringIO()
    seen: list[str] = []

    def loader(config: Config) -> tuple[Config, Steps]:
        seen.append(stream.getvalue())
        return config, Steps()

    from deuxvie.commands.run import EXIT_DONE, run_machine

    code, outcome = run_machine(LocalHost(), Config(unattended=True, data_dir=tmp_path),
                                loader, stream=stream)
    assert code == EXIT_DONE and outcome is not None
    assert len(seen) == 1 and "deuxvie — diagnostic et effacement" in seen[0]


def test_bench_figures_are_what_its_runs_measured() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from bench.cli import import_share, summarise

    figure = summarise("x", [0.3, 0.1, 0.2], [0.05, 0.01, 0.02], 0.25)
    assert (figure.median_s, figure.worst_s, figure.cpu_s) == (0.2, 0.3, 0.02)
    assert figure.line().endswith("< 250 ms ok")
    assert summarise("x", [0.3], [0.1], 0.25).line().endswith("< 250 ms MISSED")
    total, top = import_share([sys.executable, "-c", "import json"])
    assert "json" in [name for name, _ in top]
    assert total == pytest.approx(sum(t for _, t in top)) and total > 0
    assert [t for _, t in top] == sorted((t for _, t in top), reverse=True)
