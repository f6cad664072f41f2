"""`deuxvie` command line: the sub-commands declared in deuxvie.commands.COMMANDS.

Only the module of the command that runs is imported (docs/adr/0095): `deuxvie --version`
and `deuxvie --help` import no command module at all, `deuxvie parse` only the parsers.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from deuxvie import __version__
from deuxvie.commands import COMMANDS


def build_parser(
    command: str | None = None, *, load_all: bool = False
) -> argparse.ArgumentParser:
    """The parser with the full arguments of `command` (or of every command with
    `load_all`); the other commands are placeholders carrying their declared help, which is
    all `deuxvie --help` shows of them."""
    parser = argparse.ArgumentParser(
        prog="deuxvie",
        description=(
            "Diagnostic et effacement certifié des PC donnés / "
            "diagnostics and certified erasure of donated PCs"
        ),
    )
    parser.add_argument("--version", action="version", version=f"deuxvie {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = {c.module for c in COMMANDS if load_all or c.name == command}
    registered: set[str] = set()
    for declared in COMMANDS:
        if declared.module not in wanted:
            # add_help=False: the placeholder must not answer `deuxvie NAME --help` itself
            sub.add_parser(declared.name, help=declared.help, add_help=False)
        elif declared.module not in registered:
            registered.add(declared.module)
            module = importlib.import_module(f"deuxvie.commands.{declared.module}")
            module.register(sub)
    return parser


def chosen_command(argv: Sequence[str]) -> str | None:
    """The command `argv` names, as argparse itself reads it (placeholders only, the rest
    of the line left unparsed); exits like argparse on --version, --help or an unknown
    command, none of which needs a command module."""
    args, _ = build_parser().parse_known_args(argv)
    command: str | None = args.command
    return command


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(chosen_command(argv))
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        return int(func(args))
    except KeyboardInterrupt:
        print("interrompu / interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
