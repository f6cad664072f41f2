"""Start-up of the command line: `python -m bench.cli` (make bench-cli).

Goals from issue 16: `deuxvie --version`, `deuxvie --help` and `deuxvie parse` answer in
< 0.25 s; the operator's screen of `deuxvie run` appears < 1 s after the process starts.

Each command is started RUNS times as a fresh process (the operator's case: no warm
interpreter); the figure is the median wall time from spawn to exit, with the CPU time
(user + sys, getrusage of the children) and the load average beside it, since the machine is
shared. `-X importtime` of one more run gives the import share.

`deuxvie run` is measured up to its first frame: spawn to the screen's title on its output,
through a pipe (the plain log line) and through a pseudo-terminal (the rich screen, TERM
linux as on tty1), CPU read from /proc/PID/stat at that moment. The run is then stopped
with SIGTERM (its Ctrl-C: INTERRUPTED, nothing certified). It can wipe nothing: attended
mode with stdin on /dev/null (a closed keyboard is never a yes, ui/prompt.read_answer), its
tests set to nothing long, and it is stopped long before the wipe question.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pty
import re
import resource
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SMARTCTL_SAMPLE = REPO / "tests/data/parsers/smartctl/scrutiny__smart-nvme-failed.json"

START_GOAL_S = 0.25
SCREEN_GOAL_S = 1.0
FIRST_FRAME_TIMEOUT_S = 10.0
# ui/texts.py "title": the plain log's first line and the rich panel's title (on TERM=linux
# the panel writes its dash as "-", ui/live._safe_str: the words after it are the mark)
FRAME_MARK = b"diagnostic et effacement"


@dataclass(frozen=True)
class Figure:
    what: str
    median_s: float
    worst_s: float
    cpu_s: float  # median user + sys of the process (up to the first frame for `run`)
    goal_s: float | None
    load: float  # 1-minute load average when the runs ended

    @property
    def ok(self) -> bool:
        return self.goal_s is None or self.median_s < self.goal_s

    def line(self) -> str:
        goal = f"< {self.goal_s * 1e3:.0f} ms {'ok' if self.ok else 'MISSED'}" if (
            self.goal_s is not None) else "(reference)"
        return (f"{self.what:38} {self.median_s * 1e3:7.0f} ms {self.worst_s * 1e3:7.0f} ms "
                f"{self.cpu_s * 1e3:7.0f} ms  {self.load:5.2f}  {goal}")


def deuxvie_argv() -> list[str]:
    """The installed `deuxvie` script beside this interpreter (what an operator types), else
    `python -m deuxvie` (what the live image's /usr/local/bin/deuxvie runs)."""
    script = Path(sys.executable).parent / "deuxvie"
    return [str(script)] if script.exists() else [sys.executable, "-m", "deuxvie"]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def summarise(what: str, walls: Sequence[float], cpus: Sequence[float],
              goal_s: float | None) -> Figure:
    return Figure(what, statistics.median(walls), max(walls), statistics.median(cpus), goal_s,
                  os.getloadavg()[0])


def time_exit(what: str, argv: Sequence[str], runs: int, goal_s: float | None) -> Figure:
    """Spawn-to-exit wall time of `argv`, RUNS times, after one run not counted (it writes
    the bytecode cache, bytecode_cache())."""
    walls, cpus = [], []
    for i in range(runs + 1):
        cpu0 = _children_cpu()
        start = time.perf_counter()
        done = subprocess.run(list(argv), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, check=False)
        if i:
            walls.append(time.perf_counter() - start)
            cpus.append(_children_cpu() - cpu0)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)}: exit {done.returncode}: "
                               f"{done.stderr.decode(errors='replace')[-500:]}")
    return summarise(what, walls, cpus, goal_s)


IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)")


def import_share(argv: Sequence[str]) -> tuple[float, list[tuple[str, float]]]:
    """`-X importtime` of one run: total import time (sum of the top-level imports'
    cumulative times) and the top-level imports, heaviest first, in seconds."""
    env = dict(os.environ, PYTHONPROFILEIMPORTTIME="1")
    done = subprocess.run(list(argv), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, env=env, check=False, text=True)
    top: list[tuple[str, float]] = []
    for line in done.stderr.splitlines():
        m = IMPORT_LINE.match(line)
        if m and not m.group(3):
            top.append((m.group(4), int(m.group(2)) / 1e6))
    total = sum(t for _, t in top)
    return total, sorted(top, key=lambda x: -x[1])


def _run_config(tmp: Path) -> Path:
    config = tmp / "deuxvie.toml"
    config.write_text(
        'language = "fr"\nunattended = false\npower_off = false\n'
        f'[station]\ndir = "{tmp / "station"}"\n'
        f'[data]\ndir = "{tmp / "data"}"\n'
        # nothing long starts if the run outlives its first frame by accident
        '[tests]\nselftest = "none"\ncpu_stress_s = 0\nram_test_pct = 0\n',
        encoding="utf-8",
    )
    return config


def first_frame(argv: Sequence[str], *, terminal: bool) -> tuple[float, float, bytes]:
    """Spawn to the first frame `argv` writes on stdout (a pty when `terminal`, else a
    pipe): the output up to the screen's title. The process is then stopped with SIGTERM and
    reaped. Returns (seconds, CPU seconds of the process, output up to the title)."""
    env = dict(os.environ, TERM="linux", COLUMNS="100", LINES="30")
    if terminal:
        reader, writer = pty.openpty()
    else:
        reader, writer = os.pipe()
    start = time.perf_counter()
    proc = subprocess.Popen(list(argv), stdin=subprocess.DEVNULL, stdout=writer,
                            stderr=subprocess.DEVNULL, env=env, start_new_session=True)
    os.close(writer)
    first = b""
    try:
        # the frame, not the first escape code: wait for the title every first frame shows
        while FRAME_MARK not in first:
            left = FIRST_FRAME_TIMEOUT_S - (time.perf_counter() - start)
            ready, _, _ = select.select([reader], [], [], max(left, 0))
            if not ready:
                raise RuntimeError(f"no first frame in {FIRST_FRAME_TIMEOUT_S:.0f} s: {first!r}")
            chunk = os.read(reader, 4096)
            if not chunk:
                raise RuntimeError(f"output closed before the first frame: {first!r}")
            first += chunk
        elapsed = time.perf_counter() - start
        cpu = _process_cpu(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            _drain_until_exit(proc, reader)
        finally:
            os.close(reader)
    return elapsed, cpu, first


def _process_cpu(pid: int) -> float:
    """user + sys CPU seconds of a running process so far (proc(5): fields 14 and 15 of
    /proc/PID/stat, in clock ticks; the name field may hold spaces, hence the split on ')')."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _drain_until_exit(proc: subprocess.Popen[bytes], reader: int) -> None:
    # keep reading: a process blocked on a full pipe would never see its SIGTERM through
    deadline = time.monotonic() + 20
    while proc.poll() is None:
        if time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            return
        ready, _, _ = select.select([reader], [], [], 0.1)
        if ready:
            try:
                os.read(reader, 65536)
            except OSError:  # pty closed (EIO) once the child is gone
                time.sleep(0.05)


def time_first_frame(what: str, argv: Sequence[str], runs: int, *,
                     terminal: bool) -> tuple[Figure, bytes]:
    walls, cpus = [], []
    first_frame(argv, terminal=terminal)  # not counted: writes the bytecode cache
    sample = b""
    for _ in range(runs):
        elapsed, cpu, sample = first_frame(argv, terminal=terminal)
        walls.append(elapsed)
        cpus.append(cpu)
    return summarise(what, walls, cpus, SCREEN_GOAL_S), sample


@contextlib.contextmanager
def bytecode_cache() -> Iterator[Path]:
    """Children start with compiled bytecode, as on the live image (install-agent.sh
    compiles the agent ahead, docs/adr/0060): with PYTHONDONTWRITEBYTECODE set (as in these
    sessions) each start would compile the agent's sources again, ~40 ms of `parse`. The
    cache goes to a temporary PYTHONPYCACHEPREFIX, never into the tree."""
    saved = {k: os.environ.get(k) for k in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    with tempfile.TemporaryDirectory(prefix="bench-cli-pyc-") as prefix:
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        os.environ["PYTHONPYCACHEPREFIX"] = prefix
        try:
            yield Path(prefix)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def measure(runs: int, *, with_run: bool = True,
            echo: Callable[[str], None] = print) -> list[Figure]:
    with bytecode_cache():
        return _measure(runs, with_run=with_run, echo=echo)


def _measure(runs: int, *, with_run: bool, echo: Callable[[str], None]) -> list[Figure]:
    cli = deuxvie_argv()
    py = sys.executable
    echo(f"cpus {os.cpu_count()}, load {os.getloadavg()[0]:.2f}, {runs} runs each after one "
         f"not counted (bytecode cached), command {' '.join(cli)}")
    echo(f"{'what':38} {'median':>10} {'worst':>10} {'CPU':>10}  {'load':>5}  goal")
    figures: list[Figure] = []

    def add(figure: Figure) -> None:
        figures.append(figure)
        echo(figure.line())

    add(time_exit("python -c pass (interpreter floor)", [py, "-c", "pass"], runs, None))
    for what, args in (
        ("deuxvie --version", ["--version"]),
        ("deuxvie --help", ["--help"]),
        ("deuxvie parse smartctl FILE", ["parse", "smartctl", str(SMARTCTL_SAMPLE)]),
    ):
        add(time_exit(what, [*cli, *args], runs, START_GOAL_S))
        total, heaviest = import_share([*cli, *args])
        echo(f"{'':40}imports {total * 1e3:.0f} ms (-X importtime); heaviest: "
             + ", ".join(f"{name} {t * 1e3:.0f} ms" for name, t in heaviest[:3]))
    server = Path(py).parent / "deuxvie-server"
    if server.exists():
        add(time_exit("deuxvie-server --help", [str(server), "--help"], runs, START_GOAL_S))
    if with_run:
        with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
            run_argv = [*cli, "run", "--config", str(_run_config(Path(tmp)))]
            for what, terminal in (("deuxvie run: first plain log line", False),
                                   ("deuxvie run: first rich frame (pty)", True)):
                figure, sample = time_first_frame(what, run_argv, runs, terminal=terminal)
                add(figure)
                text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", sample.decode(errors="replace"))
                text = " ".join(text.split())
                at = text.find(FRAME_MARK.decode())
                echo(f"{'':40}first frame: {text[max(at - 20, 0):at + 40]!r}")
    echo("OK" if all(f.ok for f in figures) else "SLOWER THAN GOAL")
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--no-run", action="store_true", help="skip `deuxvie run`")
    args = parser.parse_args(argv)
    figures = measure(args.runs, with_run=not args.no_run)
    return 0 if all(f.ok for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
