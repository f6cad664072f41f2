"""One module per `deuxvie` sub-command, declared in COMMANDS below.

Each module exposes `register(subparsers)` and sets `func(args) -> int` as the parser default.
cli.py imports a command's module only when that command runs: the registry gives the
command's name, its one-line help (what `deuxvie --help` lists) and its module, so
`deuxvie --version`, `--help` and a light command never import the heavy libraries of the
others (cryptography, requests, rich, fpdf2, segno...). A new command is one module here and
one line in COMMANDS; tests/unit/test_cli_registry.py checks that each module registers
exactly the commands declared for it (docs/adr/0095-lazy-command-registry.md).

Keep this file free of imports: `deuxvie --version` pays for every one of them.
"""

from __future__ import annotations

from typing import NamedTuple


class Command(NamedTuple):
    name: str  # what the operator types: `deuxvie NAME`
    module: str  # deuxvie.commands.<module>, whose register() adds NAME
    help: str  # the line of `deuxvie --help` (fr / en)


# In the order `deuxvie --help` lists them (module name order, then register() order).
COMMANDS: tuple[Command, ...] = (
    Command("certificate", "certificate",
            "certificat d'effacement PDF / erasure certificate PDF"),
    Command("export", "export",
            "exporter vers GLPI / Devicehub / export to GLPI or eReuse Devicehub"),
    Command("functions", "functions",
            "tester chaque fonction du PC / test every function of the PC"),
    Command("grade", "grade",
            "classer la machine (reconditionner ou recycler) / "
            "grade the machine (refurbish or recycle)"),
    Command("inventory", "inventory", "inventaire de la machine / machine inventory"),
    Command("capture", "inventory",
            "enregistrer cette machine / record this machine into a bundle"),
    Command("label", "label", "imprime l'étiquette / prints the label"),
    Command("parse", "parse",
            "décoder une sortie d'outil en JSON / decode a tool output into JSON"),
    Command("run", "run", "tout le parcours sur ce PC / the whole run on this PC"),
    Command("station", "station", "clé de signature du poste / station signing key"),
    Command("station-mode", "station_mode",
            "poste d'effacement de disques branchés à chaud / hot-plug disk station"),
    Command("sync", "sync", "envoyer les rapports en attente / upload spooled reports"),
    Command("wipe", "wipe",
            "effacer des disques (plan, puis --yes) / erase disks (plan, then --yes)"),
)


def help_of(name: str) -> str:
    """The declared help line of command `name`: register() uses it, so `deuxvie --help`
    (built from COMMANDS alone) and `deuxvie NAME --help` never disagree."""
    for command in COMMANDS:
        if command.name == name:
            return command.help
    raise KeyError(name)
