"""`make demo` (python -m deuxvie.demo): the whole run on a virtual donated PC, on a dev
machine with no donated PC at hand.

1. start the coordination service on 127.0.0.1 (SQLite in demo-out/);
2. boot the virtual donated PC under QEMU (devtools/vmdemo.py): the station on its boot
   stick enrolled or reused, `deuxvie run` unattended inside, everything read back after;
3. where QEMU cannot run here (or with --loop): say so, name what the fallback cannot show,
   and run the pipeline on this machine with ONLY two loop devices as wipe targets (the dev
   machine's own disk is never part of the virtual PC: the selection refuses anything not
   listed), then read the loop devices back for donor data left;
4. print the certificate URL only when the service answers with the report, verified;
   else say the report is only in the spool and how to send it (issue 17);
5. stop QEMU / detach the loop devices and stop the service, also on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from deuxvie.certificate.facts import certificate_url
from deuxvie.commands.run import run_machine
from deuxvie.config import Config
from deuxvie.devtools.service import (
    DemoService,
    ServiceError,
    coordination_service,
    donor_words,
    ensure_station,
    free_port,
    receipt_for,
    server_cli,
    spool_words,
)
from deuxvie.devtools.vm import GuestError
from deuxvie.host.base import Host
from deuxvie.host.local import LocalHost
from deuxvie.model.common import Outcome
from deuxvie.model.inventory import DiskInfo, DiskKind
from deuxvie.pipeline.selection import SelectionPolicy
from deuxvie.pipeline.wiring import real_steps
from deuxvie.probes.usage import device_usage
from deuxvie.wipe.identity import probe_media

__all__ = ["free_port", "server_cli"]  # re-exported: tests start services with them

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


def detach_stale(images_dir: Path) -> None:
    """Loop devices a killed demo left on its images (SIGKILL skips every clean-up): detach
    them, or the next run would have two devices over the same file."""
    for img in sorted(images_dir.glob("*.img")):
        listed = subprocess.run(
            ["losetup", "--associated", str(img), "--noheadings", "--output", "NAME"],
            capture_output=True, text=True, check=False,
        ).stdout.split()  # fmt: skip
        for dev in listed:
            subprocess.run(["losetup", "--detach", dev], check=False)
            say(f"{dev} (left by an interrupted demo on {img.name}) detached")


DEMO_DONOR = "D-DEMO-001"
DEMO_LOT = "LOT-DEMO"


def tell_donor(service: DemoService, out: Path) -> None:
    """The donor's attestation and balance URL, the last lines of a delivered run."""
    for line in donor_words(service, out, DEMO_DONOR, DEMO_LOT, dt.datetime.now(dt.UTC).year):
        say(line)


def demo_config(out: Path, service: DemoService | None, station_dir: Path) -> Config:
    return Config(
        server_url=service.url if service is not None else None,
        station_dir=station_dir,
        operator="Démo",
        organisation="Atelier de démonstration deuxvie",
        donor_id=DEMO_DONOR,
        donor_name="Donateur de démonstration",
        lot_id=DEMO_LOT,
        asset_prefix="DEMO",
        printer=f"file:{out / 'label.png'}",
        language="fr",
        unattended=True,
        power_off=False,
        wipe_method="clear",
        verify="full",
        # Each demo run makes its disks anew: a wipe an earlier demo left INTERRUPTED in the
        # journal (Ctrl-C, kill) is about the old image, not a reason to leave this one.
        wipe_restart_interrupted=True,
        selftest="short",
        cpu_stress_s=10,  # a demo, not a burn-in: the policy default is 60 s
        ram_test_pct=2,  # of the available memory; the default is 85 %
        data_dir=out / "data",
        policy_file=write_demo_policy(out),
    )


def tell_delivery(
    service: DemoService | None, report_id: str | None, spooled: Path | None, station_dir: Path
) -> bool:
    """Print the certificate URL only when the service answers with this report, verified;
    else say where the report is and how to send it. True when it is in the service."""
    if report_id is None:
        say("aucun rapport signé / no signed report was made")
        return False
    if (
        service is not None
        and receipt_for(station_dir, report_id) is not None
        and service.report_verified(report_id)
    ):
        say(f"signed report: {certificate_url({'uuid': report_id}, service.url)}")
        say(f"  (the service's signed receipt is in {station_dir / 'sent'}; stored and verified "
            f"there: GET /api/v1/reports/{report_id})")
        tell_donor(service, station_dir.parent)
        return True
    where = spooled if spooled is not None else station_dir / "spool"
    for line in spool_words(where, station_dir, service):
        say(line)
    return False


# What the loop-device run cannot show, said whenever the demo falls back to it.
FALLBACK_LIMITS = (
    "the loop-device run cannot show: the machine's maker, model and serial (no SMBIOS), "
    "the screen (no EDID), SMART and self-tests (loop devices have none), NVMe and SATA "
    "transports and their firmware erase, a failing disk, the donor's USB key left alone, "
    "the boot stick kept intact, the data partition of the stick"
)


def qemu_missing() -> str | None:
    """Why the virtual donated PC cannot boot here, or None."""
    if shutil.which("qemu-system-x86_64") is None:
        return "qemu-system-x86_64 is not installed (apt: qemu-system-x86; make setup)"
    for tool in ("mkfs.ext4", "mkfs.fat", "mcopy", "debugfs", "xorriso", "cpio"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (make setup)"
    if os.geteuid() != 0:
        return "not root: the test guest is built with debootstrap and chroot"
    return None


def main(argv: list[str]) -> int:
    missing_qemu = "forced by --loop" if "--loop" in argv else qemu_missing()
    if missing_qemu is not None and os.geteuid() != 0:
        print(
            f"make demo needs root: the virtual PC ({missing_qemu}) and the loop-device "
            "run (losetup) both do: sudo make demo",
            file=sys.stderr,
        )
        return 2
    if missing_qemu is not None and shutil.which("losetup") is None:
        print("losetup not found (util-linux): make setup", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _sigterm)
    out = Path("demo-out").resolve()
    out.mkdir(exist_ok=True)
    t0 = time.monotonic()
    serve_after = "--serve" in argv
    code = 1
    with coordination_service(out, say) as service:
        if missing_qemu is None and service is not None:
            code = vm_run(out, service)
        else:
            if missing_qemu is None:
                missing_qemu = "the service did not start"
            say(f"no virtual donated PC: {missing_qemu}; falling back to two loop devices")
            say(FALLBACK_LIMITS)
            code = loop_run(out, service)
        if service is not None and serve_after:
            say(f"service still running on {service.url} (--serve); Ctrl-C stops it")
            with contextlib.suppress(KeyboardInterrupt):
                while True:
                    time.sleep(1)
        elif service is not None:
            say(
                f"to see the report again: {service.serve_command()}"
                " (or run the demo with: .venv/bin/python -m deuxvie.demo --serve)"
            )
    say(f"done in {time.monotonic() - t0:.0f} s; outputs in {out}")
    return code


def vm_run(out: Path, service: DemoService) -> int:
    from deuxvie.devtools.vmdemo import run_vm_demo

    for stale in ("certificate.pdf", "label.png"):
        (out / stale).unlink(missing_ok=True)
    try:
        res = run_vm_demo(out, service, say)
    except (ServiceError, GuestError, OSError, subprocess.SubprocessError) as exc:
        say(f"the virtual donated PC could not run: {exc}")
        return 1
    station_dir = out / "stick" / "station"
    if (out / "certificate.pdf").exists():
        say(f"certificate PDF (from the stick's data partition): {out / 'certificate.pdf'}")
    if (out / "label.png").exists():
        say(f"label PNG (from the stick's data partition): {out / 'label.png'}")
    if res.report_uuid is not None and res.delivered:
        say(f"signed report: {certificate_url({'uuid': res.report_uuid}, service.url)}")
        say(f"  (the service's signed receipt is in {station_dir / 'sent'}; stored and verified "
            f"there: GET /api/v1/reports/{res.report_uuid})")
        say(
            f"donor's ledger: {service.url}/donors/{DEMO_DONOR} (admin page: log in at "
            f"{service.url}/login with the token {service.admin_token})"
        )
        tell_donor(service, out)
    elif res.report_uuid is not None:
        for line in spool_words(station_dir / "spool", station_dir, service):
            say(line)
    else:
        say("aucun rapport signé sur la clé / no signed report on the stick")
    say(f"virtual PC run: {res.duration_s:.0f} s (guest exit code {res.exit_code})")
    return 0 if res.exit_code == 0 and res.delivered else 1


def loop_run(out: Path, service: DemoService | None) -> int:
    host = LocalHost()
    # Fixed image paths: a loop device's identity is its backing file, so each demo run
    # is the same virtual PC in the service's registry (its history grows).
    disks_dir = out / "disks"
    disks_dir.mkdir(exist_ok=True)
    detach_stale(disks_dir)
    station_dir = out / "station"
    enrolled = service
    if service is not None:
        try:
            ensure_station(service, station_dir, say)
        except (ServiceError, OSError, ValueError) as exc:
            say(f"station not enrolled: {exc}")
            enrolled = None
    with loop_devices(disks_dir) as loops:
        config = demo_config(out, enrolled, station_dir)
        disks = [loop_disk_info(host, dev, demo) for dev, demo, _ in loops]
        code, outcome = run_machine(
            host,
            config,
            # The loop run's keyboard, sound, Wi-Fi and NICs would be this computer's own:
            # the demo does not play tones, scan or bring interfaces up on the host.
            dataclasses.replace(real_steps(), functions=None),
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
            tell_delivery(service, data.report_id, data.spool_path, station_dir)
    return code


def cli() -> int:
    try:
        return main(sys.argv[1:])
    except KeyboardInterrupt:
        # the context managers above already detached the loop devices and stopped the
        # service; say so instead of a traceback
        say("interrompu / interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(cli())
