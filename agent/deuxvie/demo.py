"""`make demo` (python -m deuxvie.demo): the whole run on a virtual donated PC, on a dev
machine with no donated PC at hand.

1. start the coordination service on 127.0.0.1 (SQLite in demo-out/), create an enrolment
   token, make a station key and enrol it;
2. make the virtual PC's disks: two loop devices over sparse files (256 MiB "internal",
   128 MiB "second"), filled first with recognisable "donor data";
3. run the pipeline unattended on this machine with ONLY those loop devices as wipe targets
   (the dev machine's own disk is never part of the virtual PC, and the selection refuses
   anything not listed);
4. check the loop devices afterwards: how much donor data is left;
5. leave the signed report in the service (URL printed), the certificate PDF and the label
   PNG in ./demo-out/; detach the loop devices and stop the service, also on Ctrl-C.

Steps whose module is not in this build say so on screen; nothing is faked.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from deuxvie.commands.run import run_machine
from deuxvie.config import Config
from deuxvie.host.base import Host
from deuxvie.host.local import LocalHost
from deuxvie.model.common import Outcome
from deuxvie.model.inventory import DiskInfo, DiskKind
from deuxvie.pipeline.selection import SelectionPolicy
from deuxvie.pipeline.steps import StepName
from deuxvie.pipeline.wiring import real_steps
from deuxvie.probes.usage import device_usage
from deuxvie.wipe.identity import probe_media

MIB = 1 << 20
MARKER = b"DEUXVIE-DEMO donnees du donateur / donor data: facture 2026-0042, RIB FR76... "


@dataclass(frozen=True)
class DemoDisk:
    label: str  # plays the serial number (loop devices have none)
    size_bytes: int


DEMO_DISKS = (DemoDisk("DEMO-INT-256M", 256 * MIB), DemoDisk("DEMO-SEC-128M", 128 * MIB))


def say(text: str) -> None:
    print(f"[demo] {text}", flush=True)


# ---- the virtual PC's disks -----------------------------------------------------------


def fill_with_donor_data(path: Path, size_bytes: int) -> int:
    """Sparse file with the marker written at the start, every 8 MiB and in the last MiB
    (where partition tables and backup GPTs live); returns how many markers were written."""
    block = (MARKER * (64 * 1024 // len(MARKER) + 1))[: 64 * 1024]
    count = 0
    with open(path, "wb") as fh:
        fh.truncate(size_bytes)
        offsets = [*range(0, size_bytes, 8 * MIB), size_bytes - MIB]
        for off in offsets:
            fh.seek(off)
            fh.write(block)
            count += block.count(MARKER)
        fh.flush()
        os.fsync(fh.fileno())
    return count


def count_marker(device: str) -> int:
    """Markers still readable on the device (read back through the block device)."""
    found = 0
    tail = b""
    with open(device, "rb", buffering=0) as fh:
        while chunk := fh.read(4 * MIB):
            data = tail + chunk
            found += data.count(MARKER)
            tail = data[-(len(MARKER) - 1) :]
    return found


def loop_disk_info(host: Host, device: str, demo: DemoDisk) -> DiskInfo:
    """What the inventory would say of the loop device, with the same usage rules
    (mounted, held, boot medium) and the same identity as the erasure engine (a loop
    device's serial is "loop:<backing file>"), so the grade can match its erasure record."""
    usage = device_usage(host, device)
    media = probe_media(host, usage)
    return DiskInfo(
        name=usage.name,
        path=usage.path,
        by_id=usage.by_id,
        # The demo disks play the virtual PC's internal disks, as QEMU's virtio disks do
        # (kind VIRTUAL); the transport still says "loop". Grading ignores LOOP devices as
        # "not the donated PC's", which is right for a stray loop device, not for these.
        # Only the explicit target list lets them be wiped.
        kind=DiskKind.VIRTUAL,
        transport="loop",
        model=f"deuxvie demo disk {demo.label}",
        serial=media.serial,
        wwn=None,
        firmware=None,
        size_bytes=media.apparent_size_bytes,
        logical_sector_bytes=media.logical_sector_bytes,
        physical_sector_bytes=media.physical_sector_bytes,
        rotation_rpm=None,
        power_on_hours=None,
        removable=False,
        read_only=usage.read_only,
        mounted=usage.mounted,
        holders=usage.holders,
        is_boot_medium=usage.is_boot_medium,
        smart=Outcome.absent("loop device: no SMART"),
    )


@contextlib.contextmanager
def loop_devices(workdir: Path) -> Iterator[list[tuple[str, DemoDisk, int]]]:
    """Attach one loop device per demo disk; always detach exactly the ones we got."""
    attached: list[tuple[str, DemoDisk, int]] = []
    try:
        for demo in DEMO_DISKS:
            img = workdir / f"{demo.label}.img"
            markers = fill_with_donor_data(img, demo.size_bytes)
            dev = subprocess.run(
                ["losetup", "--find", "--show", str(img)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.strip()
            attached.append((dev, demo, markers))
            say(f"{dev}: {demo.label}, {demo.size_bytes // MIB} MiB, {markers} donor markers")
        yield attached
    finally:
        for dev, demo, _ in attached:
            subprocess.run(["losetup", "--detach", dev], check=False)
            say(f"{dev} detached")
            # the image is not sparse any more after the wipe: do not leave 384 MiB behind
            (workdir / f"{demo.label}.img").unlink(missing_ok=True)


# ---- the coordination service ----------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_cli() -> list[str]:
    """The service's console script from this venv (no `python -m` entry point)."""
    beside = Path(sys.executable).with_name("deuxvie-server")
    found = str(beside) if beside.exists() else shutil.which("deuxvie-server")
    return [found or "deuxvie-server"]


@contextlib.contextmanager
def coordination_service(out: Path) -> Iterator[str | None]:
    """`deuxvie-server serve` on 127.0.0.1 with SQLite; yields its URL, or None (and says
    why) when this build has no service yet."""
    port = free_port()
    db = f"sqlite:///{(out / 'server.db').resolve()}"
    log_path = out / "server.log"
    argv = [*server_cli(), "serve", "--db", db, "--host", "127.0.0.1", "--port", str(port)]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                tail = log_path.read_text(errors="replace").strip().splitlines()[-1:]
                say(f"service not available in this build: {' '.join(tail)}")
                yield None
                return
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
                break
            time.sleep(0.2)
        else:
            say("service did not answer within 30 s (see demo-out/server.log)")
            yield None
            return
        say(f"service on {url} (database {db}, log {log_path})")
        yield url
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            say("service stopped")


def enrol_station(url: str, out: Path, station_dir: Path) -> bool:
    """Token from the service's admin command, key pair on the 'stick', enrolment."""
    db = f"sqlite:///{(out / 'server.db').resolve()}"
    token = subprocess.run(
        [*server_cli(), "token", "create", "--db", db],
        capture_output=True,
        text=True,
        check=False,
    )
    if token.returncode != 0 or not token.stdout.strip():
        say(f"enrolment token not available: {token.stderr.strip() or token.stdout.strip()}")
        return False
    agent = [sys.executable, "-m", "deuxvie"]
    for argv in (
        [*agent, "station", "init", "--dir", str(station_dir)],
        [
            *agent,
            "station",
            "enrol",
            "--dir",
            str(station_dir),
            "--server",
            url,
            "--token",
            token.stdout.strip().split()[-1],
        ],
    ):
        res = subprocess.run(argv, capture_output=True, text=True, check=False)
        if res.returncode != 0:
            say(f"{' '.join(argv[3:5])} failed: {(res.stderr or res.stdout).strip()}")
            return False
    say(f"station enrolled (keys in {station_dir})")
    return True


DEMO_POLICY = """\
# The demo's grading policy: the shipped default with one change, stated here.
[minimum]
# The virtual PC's disks are 256 + 128 MiB loop devices; the default minimum (64 GB,
# the networks' "PC reconditionné" specification) would fail every demo run on storage.
storage_gb = 0.1
"""


def write_demo_policy(out: Path) -> Path:
    path = out / "demo-policy.toml"
    path.write_text(DEMO_POLICY, encoding="utf-8")
    return path


# ---- the run -----------------------------------------------------------------------------


def _sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # same clean-up as Ctrl-C: detach, stop the service


def main() -> int:
    if os.geteuid() != 0:
        print("make demo needs root (loop devices): sudo make demo", file=sys.stderr)
        return 2
    if shutil.which("losetup") is None:
        print("losetup not found (util-linux): make setup", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _sigterm)
    out = Path("demo-out").resolve()
    out.mkdir(exist_ok=True)
    t0 = time.monotonic()
    host = LocalHost()
    # Fixed image paths: a loop device's identity is its backing file, so each demo run
    # is the same virtual PC in the service's registry (its history grows).
    disks_dir = out / "disks"
    disks_dir.mkdir(exist_ok=True)
    serve_after = "--serve" in sys.argv[1:]
    with coordination_service(out) as url:
        with loop_devices(disks_dir) as loops:
            station_dir = out / "station"
            enrolled = url is not None and enrol_station(url, out, station_dir)
            config = Config(
                server_url=url if enrolled else None,
                station_dir=station_dir,
                operator="Démo",
                organisation="Atelier de démonstration deuxvie",
                donor_id="D-DEMO-001",
                donor_name="Donateur de démonstration",
                lot_id="LOT-DEMO",
                asset_prefix="DEMO",
                printer=f"file:{out / 'label.png'}",
                language="fr",
                unattended=True,
                power_off=False,
                wipe_method="clear",
                verify="full",
                selftest="short",
                cpu_stress_s=10,  # a demo, not a burn-in: the policy default is 60 s
                ram_test_pct=2,  # of the available memory; the default is 85 %
                data_dir=out / "data",
                policy_file=write_demo_policy(out),
            )
            disks = [loop_disk_info(host, dev, demo) for dev, demo, _ in loops]
            steps, missing = real_steps()
            # The virtual PC's keyboard, sound, Wi-Fi and NICs would be this computer's own:
            # the demo does not play tones, scan or bring interfaces up on the host.
            steps = dataclasses.replace(steps, functions=None)
            unavailable = {**missing, StepName.FUNCTIONS: "demo: the functions would be the "
                           "host's own (deuxvie functions and the QEMU rig test them)"}
            code, outcome = run_machine(
                host,
                config,
                steps,
                unavailable=unavailable,
                selection=SelectionPolicy(explicit_targets=frozenset(d.path for d in disks)),
                extra_disks=disks,
                only_extra_disks=True,
                stream=sys.stdout,
            )
            say("donor data left on the virtual PC's disks (read back through the devices):")
            for dev, demo, written in loops:
                left = count_marker(dev)
                verdict = "none left" if left == 0 else f"{left} of {written} STILL THERE"
                say(f"  {demo.label} ({dev}): {verdict}")
            if outcome is not None:
                data = outcome.data
                if data.certificate_path is not None and data.certificate_path.exists():
                    shutil.copy(data.certificate_path, out / "certificate.pdf")
                    say(f"certificate: {out / 'certificate.pdf'}")
                if (out / "label.png").exists() and data.label_path is not None:
                    say(f"label: {out / 'label.png'}")
                if data.report_url:
                    say(f"signed report: {data.report_url}")
                if data.spool_path is not None and data.spool_path.exists():
                    say(
                        "report in the spool, not uploaded (deuxvie sync sends it): "
                        f"{data.spool_path}"
                    )
                if missing:
                    say("not available in this build yet: " + ", ".join(sorted(missing)))
        if url is not None and serve_after:
            say(f"service still running on {url} (--serve); Ctrl-C stops it")
            with contextlib.suppress(KeyboardInterrupt):
                while True:
                    time.sleep(1)
        elif url is not None:
            say(
                "to see the report again: deuxvie-server serve "
                f"--db sqlite:///{(out / 'server.db').resolve()} --port {url.rsplit(':', 1)[1]}"
                " (or run the demo with: .venv/bin/python -m deuxvie.demo --serve)"
            )
    say(f"done in {time.monotonic() - t0:.0f} s; outputs in {out}")
    return code


def cli() -> int:
    try:
        return main()
    except KeyboardInterrupt:
        # the context managers above already detached the loop devices and stopped the
        # service; say so instead of a traceback
        say("interrompu / interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(cli())
