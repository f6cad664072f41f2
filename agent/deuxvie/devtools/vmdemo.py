"""`make demo` on the virtual donated PC: QEMU (TCG) booting the cached test guest, as a
workshop would see a donated desktop: SMBIOS identity, a screen with an EDID, an NVMe and a
SATA disk holding a donor's files in real filesystems, a SATA disk that fails (QEMU
blkdebug), the donor's USB key left plugged in, and the boot stick whose data partition
carries the config and the enrolled station. The service runs on the host's 127.0.0.1
(SQLite); the guest reaches it through QEMU's restricted user network (devtools/vm.py).

Everything the demo prints afterwards is read back, never assumed: the stick's data
partition (certificate PDF, label PNG, station spool), the disk images (donor files left),
and the service (the stored report, verified there).
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deuxvie.devtools.service import DemoService, ensure_station, receipt_for
from deuxvie.devtools.vm import (
    MIB,
    SERVICE_GUEST_URL,
    BootStick,
    Disk,
    GuestBoot,
    GuestError,
    InjectedError,
    Machine,
    Smbios,
    VirtualPc,
    build_test_guest,
    create_boot_stick,
    mode_args,
)

Say = Callable[[str], None]

SMBIOS = Smbios(
    manufacturer="Dell Inc.",
    product="OptiPlex 7050",
    version="1.0",
    serial="DEMO7050",
    uuid="4c4c4544-0044-4510-8054-b2c04f444d4f",
    family="OptiPlex",
    sku="07A1",
)
# blkdebug: reads of sector 4096 (2 MiB) and writes of sector 8192 (4 MiB) fail with EIO
BAD_READ = InjectedError(sector_512=4096, event="read_aio")
BAD_WRITE = InjectedError(sector_512=8192, event="write_aio")
STICK_PATTERN = b"deuxvie boot stick: never written by the agent\n"
DONOR_MARK = "DEUXVIE-DEMO donnees du donateur"

DEMO_CONFIG = f"""\
# The demo's stick: deuxvie.toml in the data partition, as a workshop writes it.
language = "fr"
unattended = true
power_off = false
[server]
url = "{SERVICE_GUEST_URL}"
[station]
operator = "Démo"
organisation = "Atelier de démonstration deuxvie"
[donor]
id = "D-DEMO-001"
name = "Donateur de démonstration"
[lot]
id = "LOT-DEMO"
[asset]
prefix = "DEMO"
[label]
printer = "file:/run/deuxvie/data/labels/"
[policy]
file = "/run/deuxvie/data/demo-policy.toml"
[wipe]
method = "purge"
verify = "full"
# each demo makes its disks anew: a wipe an earlier demo left INTERRUPTED is about old images
restart_interrupted = true
[tests]
selftest = "short"
cpu_stress_s = 10
ram_test_pct = 5
"""
DEMO_POLICY = """\
# The demo's grading policy: the shipped default with one change, stated here.
[minimum]
# The virtual PC's disks are 96 MiB each; the default minimum (64 GB, the networks'
# "PC reconditionné" specification) would fail every demo run on storage.
storage_gb = 0.05
"""


@dataclass(frozen=True)
class DemoPc:
    machine: Machine
    images: dict[str, Path]  # role -> image file
    stick: BootStick


def donor_files(root: Path, owner: str, windows: bool = False) -> Path:
    """A donor's home as it is found on donated PCs: documents, a photo, a browser profile
    (where Firefox keeps it on Linux, or on Windows for a FAT disk)."""
    browser = "AppData/Roaming/Mozilla/Firefox" if windows else ".mozilla/firefox"
    for rel, text in (
        ("Documents/facture-2026-0042.txt", f"{DONOR_MARK}: facture 2026-0042, {owner}\n"),
        ("Documents/RIB.txt", f"{DONOR_MARK}: IBAN FR76 3000 6000 0112 3456 7890 189\n"),
        ("Images/vacances.ppm", f"P3\n# {DONOR_MARK}\n1 1\n255\n255 128 0\n"),
        (f"{browser}/profile/logins.json", f'{{"note": "{DONOR_MARK}"}}\n'),
    ):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text * 64, encoding="utf-8")
    return root


def _mbr(image: Path, start: int, size: int, type_code: int) -> None:
    from deuxvie.devtools.vm import _mbr_entry

    with image.open("r+b") as f:
        f.seek(446)
        f.write(_mbr_entry(type_code, start, size) + bytes(48) + b"\x55\xaa")


def disk_with_filesystem(image: Path, size_mib: int, fstype: str, files: Path, label: str) -> None:
    """A disk image with an MBR and one partition (from 1 MiB) holding `files` in a real
    ext4 (mkfs.ext4 -d) or FAT (mkfs.fat picks FAT16 or FAT32 by size, then mcopy)
    filesystem: no loop device, no mount."""
    part = image.with_suffix(".part")
    part.unlink(missing_ok=True)
    part_mib = size_mib - 2
    if fstype == "ext4":
        subprocess.run(
            ["mkfs.ext4", "-q", "-F", "-L", label, "-d", str(files), str(part), f"{part_mib}M"],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        type_code = 0x83
    else:
        with part.open("wb") as f:
            f.truncate(part_mib * MIB)
        subprocess.run(["mkfs.fat", "-n", label, str(part)],
                       check=True, capture_output=True, timeout=60)  # fmt: skip
        for child in sorted(files.iterdir()):
            subprocess.run(["mcopy", "-s", "-Q", "-D", "o", "-i", str(part), str(child), "::"],
                           check=True, capture_output=True, timeout=60)  # fmt: skip
        type_code = 0x0C
    with image.open("wb") as f:
        f.truncate(size_mib * MIB)
        f.seek(MIB)
        with part.open("rb") as src:
            shutil.copyfileobj(src, f, 4 * MIB)
    part.unlink()
    _mbr(image, MIB, part_mib * MIB, type_code)


def count_donor_marks(image: Path) -> int:
    """How many donor-file markers are still readable in a disk image (from the host)."""
    needle = DONOR_MARK.encode()
    found, tail = 0, b""
    with image.open("rb") as f:
        while chunk := f.read(4 * MIB):
            data = tail + chunk
            found += data.count(needle)
            tail = data[-(len(needle) - 1) :]
    return found


def stick_tree(out: Path) -> Path:
    """The data partition's files on the host: config, policy, station (kept between runs)."""
    tree = out / "stick"
    tree.mkdir(parents=True, exist_ok=True)
    (tree / "deuxvie.toml").write_text(DEMO_CONFIG, encoding="utf-8")
    (tree / "demo-policy.toml").write_text(DEMO_POLICY, encoding="utf-8")
    (tree / "labels").mkdir(exist_ok=True)
    return tree


def build_pc(workdir: Path, tree: Path, service_port: int) -> DemoPc:
    workdir.mkdir(parents=True, exist_ok=True)
    img = {n: workdir / f"{n}.img" for n in ("nvme", "sata", "bad", "donor-usb", "stick")}
    home = donor_files(workdir / "files-home", "Mme Martin")
    disk_with_filesystem(img["nvme"], 96, "ext4", home, "debian-home")
    office = donor_files(workdir / "files-d", "M. Martin", windows=True)
    disk_with_filesystem(img["sata"], 96, "fat", office, "DONNEES")
    old = donor_files(workdir / "files-old", "famille")
    disk_with_filesystem(img["bad"], 96, "ext4", old, "ancien")
    key = donor_files(workdir / "files-usb", "clé oubliée", windows=True)
    disk_with_filesystem(img["donor-usb"], 32, "fat", key, "PHOTOS")
    files = workdir / "stick-files"
    files.mkdir(exist_ok=True)
    (files / "README.txt").write_text("deuxvie live stick (demo)\n")
    stick = create_boot_stick(img["stick"], 96 * MIB, STICK_PATTERN, files, tree, data_mib=48)
    machine = Machine(
        disks=(
            Disk.nvme(img["nvme"], serial="DEMONVME0001"),
            Disk.sata(img["sata"], serial="DEMOSATA0001", model="ST500DM002-1BD142"),
            Disk.sata(img["bad"], serial="DEMOSATA0BAD", model="WDC WD5000AAKX-08U6AA0",
                      errors=(BAD_READ, BAD_WRITE)),
            Disk.usb(img["donor-usb"], serial="DONORKEY0001"),
            Disk.usb(img["stick"], serial="DEUXVIESTICK"),
        ),
        smbios=SMBIOS,
        screen=(1920, 1080),
        # 4 GiB: the networks' minimum, so the grade speaks of the failing disk, not of RAM
        memory_mib=4096,
        service_port=service_port,
        boot_stick_serial="DEUXVIESTICK",
    )
    return DemoPc(machine, img, stick)


def build_guest(say: Say) -> GuestBoot:
    cache = Path(__file__).resolve().parents[3] / "live-image" / "cache" / "test-guest"
    if not (cache / "initrd.cpio").exists():
        say("test guest not built yet: building it once (debootstrap + wheels, ~3 min; "
            "cached in live-image/cache/) ...")  # fmt: skip
    else:
        say("test guest: cached kernel + initramfs, adding this checkout's agent ...")
    t0 = time.monotonic()
    boot = build_test_guest()
    say(f"test guest ready in {time.monotonic() - t0:.0f} s")
    return boot


def watch(pc: VirtualPc, say: Say, timeout_s: float, every_s: float = 30.0) -> None:
    """A line every `every_s` while the guest runs: the test guest's /init sends the run's
    screen to its second serial port, which rich draws once, at the end (not a terminal it
    can redraw); the kernel log on the first says where the boot is."""
    started = time.monotonic()
    deadline = started + timeout_s
    next_line = started + every_s
    while pc.running and time.monotonic() < deadline:
        time.sleep(0.5)
        if time.monotonic() >= next_line:
            next_line += every_s
            say(f"  virtual PC running, {time.monotonic() - started:.0f} s")
    text = pc.results_text()
    for line in text.splitlines():
        if not line.startswith("DEUXVIE-EXIT"):
            print(f"  | {line}", flush=True)


def _payload(envelope: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(base64.b64decode(envelope["payload"])))


def _mbps(record: dict[str, Any]) -> str:
    rate = record.get("throughput_bytes_per_s")
    return f"{rate / 1e6:.0f} Mo/s" if isinstance(rate, int | float) and rate else "—"


def summary_lines(report: dict[str, Any], lang: str = "fr") -> list[str]:
    """One screen: the machine, per disk status / method / MB/s, the grade and its reasons."""
    dev = report.get("device") or {}
    lines = [
        f"{dev.get('vendor') or '—'} {dev.get('model') or ''} · n° de série "
        f"{dev.get('serial') or '—'} · {report.get('asset_id')}",
        f"{'n° de série':16} {'modèle':18} {'état':9} {'méthode':24} débit",
    ]
    for rec in report.get("erasure") or ():
        media = rec.get("media") or {}
        serial = str(media.get("serial") or "—")
        model = str(media.get("model") or media.get("path") or "—")
        method = f"{rec.get('category') or '—'} {rec.get('technique') or ''}".strip()
        lines.append(
            f"{serial[:16]:16} {model[:18]:18} {rec.get('status', '?'):9} {method[:24]:24} "
            f"{_mbps(rec)}"
        )
    grade = report.get("grade") or {}
    lines.append(f"classement / grade : {grade.get('verdict', '?')}")
    for r in grade.get("reasons") or ():
        lines.append(f"  - {r.get(lang) or r.get('en')}")
    sugg = grade.get("suggestion") or {}
    if sugg:
        lines.append(f"conseil : {sugg.get(lang) or sugg.get('en')}")
    return lines


@dataclass(frozen=True)
class VmDemoResult:
    exit_code: int | None
    report_uuid: str | None
    delivered: bool
    duration_s: float


def run_vm_demo(out: Path, service: DemoService, say: Say, timeout_s: float = 1500) -> VmDemoResult:
    """Enrol (or reuse) the stick's station, boot the virtual PC, read everything back."""
    t0 = time.monotonic()
    tree = stick_tree(out)
    ensure_station(service, tree / "station", say)
    boot = build_guest(say)
    work = out / "vm"
    if work.exists():
        shutil.rmtree(work)  # the images of the previous run (the donor files are remade)
    pc = build_pc(work, tree, service.port)
    before = {role: count_donor_marks(pc.images[role]) for role in ("nvme", "sata", "bad")}
    usb_before = count_donor_marks(pc.images["donor-usb"])
    stick_before = pc.stick.digest_outside_data()
    say("virtual donated PC: Dell OptiPlex 7050 (SMBIOS), 1920x1080 screen (EDID), "
        "NVMe 96 Mio (ext4), SATA 96 Mio (FAT), failing SATA 96 Mio (blkdebug), "
        "donor's USB key (FAT), boot stick")  # fmt: skip
    say("booting it under QEMU (TCG, no KVM: about 4 min); its operator screen follows")
    with VirtualPc(pc.machine, boot, work, mode_args("run"), name="demo") as vm:
        try:
            watch(vm, say, timeout_s)
            run = vm.wait(timeout_s=60)
        except GuestError as exc:
            say(f"the virtual PC did not finish: {str(exc).splitlines()[0]}")
            run = None
    back = pc.stick.read_data(work / "stick-out")
    # the stick's station goes back to the host copy: the next run reuses it, spool included
    if (back / "station" / "station.key").exists():
        shutil.rmtree(tree / "station")
        shutil.copytree(back / "station", tree / "station")
    for sub, name in (("certificates", "certificate.pdf"), ("labels", "label.png")):
        found = sorted(p for p in (back / sub).rglob("*") if p.is_file()) if (back / sub).is_dir() \
            else []
        if found:
            shutil.copy(found[-1], out / name)
    envelopes = sorted(
        [*(back / "station" / "sent").glob("*.dsse.json"),
         *(back / "station" / "spool").glob("*.dsse.json")],
        key=lambda p: p.stat().st_mtime_ns,
    )  # fmt: skip
    report = _payload(json.loads(envelopes[-1].read_text())) if envelopes else None
    uuid = report["uuid"] if report else None
    left = {role: count_donor_marks(pc.images[role]) for role in before}
    say("donor files on the disks, read back from the images (markers before -> after):")
    for role, n in before.items():
        say(f"  {role}: {n} -> {left[role]}")
    usb_after = count_donor_marks(pc.images["donor-usb"])
    say(f"  donor's USB key (not wiped: removable media are left alone): {usb_before} -> "
        f"{usb_after}")  # fmt: skip
    intact = pc.stick.digest_outside_data() == stick_before
    say(f"  boot stick outside its data partition: {'unchanged' if intact else 'CHANGED'}")
    # delivered: the service's signed receipt for this report (kept on the stick by the
    # upload, checked against the pinned service key), and the service answers with it
    delivered = (
        uuid is not None
        and receipt_for(tree / "station", str(uuid)) is not None
        and service.report_verified(str(uuid))
    )
    if report is not None:
        say("summary / résumé:")
        for line in summary_lines(report):
            say(f"  {line}")
    return VmDemoResult(
        run.exit_code if run is not None else None, uuid, delivered, time.monotonic() - t0
    )
