"""`deuxvie run`: the whole pipeline on this machine (what the live image starts on tty1).

The operator's screen comes first: this module imports only what draws it and reads the
config; the real steps (fpdf2, fontTools, cryptography, requests, jsonschema: over a second
of imports on a 2-core PC) are imported by `real_run` once the screen is up (issue 16,
docs/adr/0095)."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import signal
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, TextIO

from deuxvie import netboot
from deuxvie.commands import help_of
from deuxvie.config import Config, ConfigError, find_config, load_config, read_kernel_cmdline
from deuxvie.host.base import CommandNotFound, CommandTimeout, Host
from deuxvie.host.local import LocalHost
from deuxvie.pipeline.runlog import Fanout, RunLog
from deuxvie.pipeline.steps import Steps
from deuxvie.ui import make_ui

if TYPE_CHECKING:  # annotations only: kept off the path to the first frame (issue 16)
    from deuxvie.model.inventory import DiskInfo
    from deuxvie.pipeline.orchestrator import RunOutcome
    from deuxvie.pipeline.selection import SelectionPolicy

log = logging.getLogger(__name__)

EXIT_DONE = 0  # the run completed, whatever the verdict
EXIT_CRASH = 1  # the pipeline itself crashed (a bug): see logs/
EXIT_CONFIG = 2
EXIT_INTERRUPTED = 130
POWER_OFF_DELAY_S = 10.0  # time to read the final screen on an attended machine


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help=help_of("run"),
        description=(
            "Inventaire, tests, effacement, classement, rapport signé, certificat, étiquette, "
            "envoi. / Inventory, tests, erasure, grade, signed report, certificate, label, upload."
        ),
    )
    p.add_argument("--config", type=Path, help="deuxvie.toml (default: the stick's, then /etc)")
    p.add_argument(
        "--unattended", action="store_true", help="never ask; wipe what the policy allows"
    )
    p.add_argument("--yes", action="store_true", help="the operator already confirmed the wipe")
    p.set_defaults(func=main)


def sigterm_as_interrupt(signum: int, frame: FrameType | None) -> None:
    # systemd stopping the unit, or a shutdown: treated as Ctrl-C, so the wipe engine stops
    # cleanly (INTERRUPTED, journal closed) and the report still says what happened.
    raise KeyboardInterrupt


def main(args: argparse.Namespace) -> int:
    signal.signal(signal.SIGTERM, sigterm_as_interrupt)
    host = LocalHost()
    path: Path | None = args.config or find_config()
    try:
        config = load_config(
            path, host, overrides={"unattended": True} if args.unattended else None
        )
    except ConfigError as exc:
        print(f"deuxvie run: configuration: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    netboot_station(host, config)
    if config.mode == "station":  # deuxvie.mode=station on the kernel command line
        from deuxvie.commands.station_mode import run_station
        from deuxvie.pipeline.wiring import resolve_server

        return run_station(host, resolve_server(config))
    code, _ = run_machine(host, config, real_run, preconfirmed=args.yes)
    return code


RunLoader = Callable[[Config], tuple[Config, Steps]]


def real_run(config: Config) -> tuple[Config, Steps]:
    """The config with the service URL the station enrolled with, and every real step.
    run_machine calls it with the screen already up: these imports are most of the start-up."""
    from deuxvie.pipeline.wiring import real_steps, resolve_server

    return resolve_server(config), real_steps()


def netboot_station(host: Host, config: Config) -> None:
    """Booted with deuxvie.config=URL: fetch the bench's station key from beside it when the
    station directory (in RAM without a stick) has none (docs/adr/0081)."""
    url = netboot.config_url(read_kernel_cmdline(host))
    if not url:
        return
    from deuxvie.station import StationError  # cryptography: only a netbooted PC pays it

    try:
        netboot.fetch_station(url, config.station_dir)
    except (netboot.NetConfigError, StationError, OSError) as exc:
        print(f"deuxvie run: station from {url}: {exc}", file=sys.stderr)


def power_off(host: Host) -> bool:
    """systemd first (a clean shutdown syncs the stick), plain poweroff on a busybox
    initramfs."""
    for argv in (["systemctl", "poweroff"], ["poweroff"]):
        try:
            if host.run(argv, timeout_s=30).ok:
                return True
        except (CommandNotFound, CommandTimeout):
            continue
    return False


def _guided(ui: Any, config: Config, host: Host) -> Any:
    """The attended function checks, on the PC's own keyboard, with the live display paused
    (the UI's `paused()`, as for the wipe question)."""
    from deuxvie.functions.guided import GUIDED_IDS, evdev_operator, run_guided
    def guided(fi: Any, automatic: tuple[Any, ...], policy: Any) -> tuple[Any, ...]:
        op, reader = evdev_operator(fi, config.operator or "opérateur", config.language)
        with reader, ui.paused():
            return run_guided(op, fi, automatic, only=GUIDED_IDS, layout=config.language,
                              host=host, policy=policy)

    return guided


def run_machine(
    host: Host,
    config: Config,
    steps: Steps | RunLoader,
    *,
    preconfirmed: bool = False,
    selection: SelectionPolicy | None = None,
    extra_disks: Sequence[DiskInfo] = (),
    only_extra_disks: bool = False,
    stream: TextIO | None = None,
    input_fn: Callable[[], str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[int, RunOutcome | None]:
    """Run the pipeline with the operator screen and the log on the stick; power off when
    configured (and not interrupted). Returns (exit code, outcome).

    `steps` may be a RunLoader (`real_run`): called once the screen shows, it gives the
    completed config and the steps, so the operator sees the screen before the slow imports."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    runlog: RunLog | None = None
    try:
        runlog = RunLog(config.logs_dir / f"run-{stamp}.jsonl")
    except OSError as exc:  # a read-only stick must not stop the run
        print(f"deuxvie: no run log ({exc})", file=sys.stderr)
    ui = make_ui(config.language, stream=stream, input_fn=input_fn)
    outcome: RunOutcome | None = None
    code = EXIT_DONE
    try:
        with ui:
            if isinstance(steps, Steps):
                ready = steps
            else:
                config, ready = steps(config)
            observer = Fanout(ui, runlog) if runlog is not None else ui
            from deuxvie.pipeline.orchestrator import Pipeline  # the screen is up

            outcome = Pipeline(
                host,
                config,
                ready,
                observer=observer,
                confirm=ui.confirm_wipe,
                preconfirmed=preconfirmed,
                selection=selection,
                extra_disks=extra_disks,
                only_extra_disks=only_extra_disks,
                guided=_guided(ui, config, host),
            ).run()
            ui.final(outcome)
        if runlog is not None:
            runlog.finished(outcome)
        code = EXIT_INTERRUPTED if outcome.interrupted else EXIT_DONE
    except KeyboardInterrupt:
        code = EXIT_INTERRUPTED
    except Exception:
        log.exception("deuxvie run crashed")
        import traceback

        traceback.print_exc()
        code = EXIT_CRASH
    finally:
        if runlog is not None:
            runlog.close()
    # no stick: the spool is in RAM, deliver it before the power goes (deuxvie.netboot)
    delivered = netboot.deliver_volatile_spool(
        host, config.data_dir, config.station_dir, config.server_url,
        language=config.language, stream=stream or sys.stdout, sleep=sleep,
    )
    if config.power_off and code == EXIT_DONE and delivered:
        msg = "Extinction dans" if config.language == "fr" else "Powering off in"
        print(f"{msg} {POWER_OFF_DELAY_S:.0f} s", file=stream or sys.stdout, flush=True)
        sleep(POWER_OFF_DELAY_S)
        power_off(host)
    return code, outcome
