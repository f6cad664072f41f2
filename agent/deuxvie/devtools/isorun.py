"""The real stick, end to end: the ISO `make image` built, booted as a workshop boots it.

`make test-stick` runs `python -m deuxvie.devtools.isorun live-image/build/deuxvie-amd64.iso`:

1. the ISO copied byte for byte to a stick image (what `dd` writes);
2. `deuxvie.toml` (unattended, power_off), a policy and a station enrolled with the service
   written onto its DEUXVIE partition without mounting it (mtools, as from any workshop PC);
3. a virtual donated PC booting that stick through UEFI (OVMF): an NVMe and a SATA disk
   holding donor files in ext4 filesystems, a SATA disk failing at a sector (blkdebug), the
   service on the host's 127.0.0.1 reached through QEMU's guestfwd relay (QEMU-RIG.md);
4. QEMU left alone until the agent powers the PC off, then checked from the host: the disks
   read back as zeros, the failing disk FAILED with its offset, one report stored and its
   page VALID, the certificate PDF and the label on the stick's partition, the stick
   outside DEUXVIE byte-identical to the ISO, the image identity in the report.

Prints one line per check and the time from QEMU start to power off; exit 1 on any failure.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from deuxvie.certificate.facts import certificate_url
from deuxvie.demo import free_port, server_cli
from deuxvie.devtools.vm import (
    SERVICE_GUEST_URL,
    Disk,
    GuestBoot,
    InjectedError,
    Machine,
    Smbios,
    create_image,
    qemu_argv,
    qemu_escape,
)

OVMF_DIR = Path("/usr/share/OVMF")
MIB = 1024 * 1024
DISK_MIB = 64
# writes of sector 8192 (4 MiB) fail with EIO: the overwrite cannot complete there
BAD_WRITE = InjectedError(sector_512=8192, event="write_aio")
SMBIOS = Smbios(manufacturer="LENOVO", product="20L5CTO1WW", version="ThinkPad T480",
                serial="PF1STICK", uuid="4c4c4544-0042-3510-8051-b4c04f4a4d33")  # fmt: skip

CONFIG = f"""\
language = "fr"
unattended = true
power_off = true
[server]
url = "{SERVICE_GUEST_URL}"
[station]
operator = "Test de la clé"
organisation = "Atelier de test"
[donor]
id = "D-STICK-001"
name = "Donateur de test"
[label]
printer = "file:/run/deuxvie/data/labels/label.png"
[policy]
file = "/run/deuxvie/data/policy.toml"
[wipe]
method = "purge"
verify = "full"
[tests]
selftest = "short"
cpu_stress_s = 5
ram_test_pct = 5
"""
# 64 MiB disks: the shipped 64 GB storage minimum would fail every run on storage alone
POLICY = "[minimum]\nstorage_gb = 0.01\n"


@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""


# ---- the service on 127.0.0.1 -----------------------------------------------------------------


@contextlib.contextmanager
def service(workdir: Path) -> Iterator[tuple[str, str]]:
    """(url, sqlite path) of a deuxvie-server on 127.0.0.1, stopped on exit."""
    port, db = free_port(), workdir / "server.db"
    argv = [*server_cli(), "serve", "--db", f"sqlite:///{db}", "--host", "127.0.0.1",
            "--port", str(port)]  # fmt: skip
    with (workdir / "server.log").open("ab") as log:
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("deuxvie-server did not start: see server.log")
            time.sleep(0.3)
        yield f"http://127.0.0.1:{port}", str(db)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def enrol(url: str, db: str, station_dir: Path) -> None:
    token = subprocess.run([*server_cli(), "token", "create", "--db", f"sqlite:///{db}"],
                           capture_output=True, text=True, check=True, timeout=60)  # fmt: skip
    agent = [sys.executable, "-m", "deuxvie", "station"]
    subprocess.run([*agent, "init", "--dir", str(station_dir)], check=True, capture_output=True)
    subprocess.run([*agent, "enrol", "--dir", str(station_dir), "--server", url, "--token",
                    token.stdout.strip().split()[-1]], check=True, capture_output=True)  # fmt: skip


# ---- the stick ---------------------------------------------------------------------------------


def mbr_partitions(image: Path) -> list[tuple[int, int]]:
    """(offset, size) in bytes of each primary partition of the image's MBR (the hybrid
    ISO's: xorriso -append_partition 3 writes the data partition there)."""
    with image.open("rb") as f:
        mbr = f.read(512)
    if mbr[510:512] != b"\x55\xaa":
        raise RuntimeError(f"{image}: no MBR")
    parts = []
    for i in range(4):
        entry = mbr[446 + 16 * i : 462 + 16 * i]
        start, count = struct.unpack_from("<II", entry, 8)
        if entry[4] and count:
            parts.append((start * 512, count * 512))
    return parts


def data_partition(stick: Path) -> tuple[int, int]:
    """(offset, size) in bytes of the stick's FAT partition labelled DEUXVIE."""
    for offset, size in mbr_partitions(stick):
        info = subprocess.run(["minfo", "-i", f"{stick}@@{offset}", "::"], capture_output=True,
                              text=True)  # fmt: skip
        if info.returncode == 0 and "DEUXVIE" in info.stdout:
            return offset, size
    raise RuntimeError(f"{stick}: no FAT partition labelled DEUXVIE")


def mtools_put(stick: Path, offset: int, files: Path) -> None:
    """Copy `files/*` onto the partition without mounting it (mtools, as on any PC)."""
    image = f"{stick}@@{offset}"
    for item in sorted(files.iterdir()):
        subprocess.run(["mcopy", "-s", "-o", "-i", image, str(item), "::"], check=True,
                       capture_output=True)  # fmt: skip


def mtools_get(stick: Path, offset: int, dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mcopy", "-s", "-n", "-i", f"{stick}@@{offset}", "::*", str(dest)],
                   check=True, capture_output=True)  # fmt: skip
    return dest


def digest_outside(path: Path, skip: tuple[int, int]) -> str:
    """SHA-256 of the file with the byte range `skip` (offset, size) left out."""
    digest = hashlib.sha256()
    offset, size = skip

    def feed(f: BinaryIO, n: int | None) -> None:
        while n is None or n > 0:
            block = f.read(4 * MIB if n is None else min(4 * MIB, n))
            if not block:
                return
            digest.update(block)
            if n is not None:
                n -= len(block)

    with path.open("rb") as f:
        feed(f, offset)
        f.seek(offset + size)
        feed(f, None)
    return digest.hexdigest()


def donor_disk(path: Path, workdir: Path, name: str) -> None:
    """An ext4 filesystem holding a donor's files, made without mounting (mke2fs -d)."""
    files = workdir / f"{name}-files"
    (files / "Documents").mkdir(parents=True, exist_ok=True)
    (files / "Documents" / "impots-2025.txt").write_text(f"donnée personnelle sur {name}\n" * 500)
    (files / "photos.bin").write_bytes(os.urandom(2 * MIB))
    create_image(path, DISK_MIB * MIB)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-L", f"DONOR-{name}", "-d", str(files), str(path)],
                   check=True, capture_output=True)  # fmt: skip


# ---- QEMU --------------------------------------------------------------------------------------


def uefi_argv(machine: Machine, workdir: Path, console: Path) -> list[str]:
    """vm.qemu_argv's disks, screen, SMBIOS and relay, booted by OVMF instead of -kernel."""
    dummy = GuestBoot(Path("/nonexistent"), Path("/nonexistent"))
    argv = qemu_argv(machine, dummy, workdir, [], workdir / "unused-ttyS1", console)
    out: list[str] = []
    skip = False
    for i, arg in enumerate(argv):
        if skip:
            skip = False
            continue
        if arg in ("-kernel", "-initrd", "-append") or (
                arg == "-serial" and "unused-ttyS1" in argv[i + 1]):
            skip = True
            continue
        out.append(arg)
    vars_copy = workdir / "OVMF_VARS_4M.fd"
    shutil.copyfile(OVMF_DIR / "OVMF_VARS_4M.fd", vars_copy)
    out += [
        "-machine", "q35",
        "-drive", f"if=pflash,format=raw,readonly=on,file={OVMF_DIR / 'OVMF_CODE_4M.fd'}",
        "-drive", f"if=pflash,format=raw,file={qemu_escape(str(vars_copy))}",
    ]  # fmt: skip
    return out


def boot(argv: list[str], workdir: Path, timeout_s: float) -> tuple[int | None, float]:
    """Run QEMU until it exits by itself (the agent's power off); killed after timeout_s."""
    started = time.monotonic()
    with (workdir / "qemu.log").open("wb") as log:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                start_new_session=True)  # fmt: skip
    try:
        rc = proc.wait(timeout=timeout_s)
        return rc, time.monotonic() - started
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)
        return None, time.monotonic() - started


def all_zero(path: Path) -> bool:
    zero = bytes(MIB)
    with path.open("rb") as f:
        while chunk := f.read(MIB):
            if chunk != zero[: len(chunk)]:
                return False
    return True


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as resp:
        return bytes(resp.read())


# ---- the run -----------------------------------------------------------------------------------


def run(iso: Path, workdir: Path, timeout_s: float) -> tuple[list[Check], float]:
    stick = workdir / "stick.img"
    shutil.copyfile(iso, stick)  # byte for byte, as `dd if=deuxvie-amd64.iso of=/dev/sdX`
    offset, size = data_partition(stick)
    before = digest_outside(stick, (offset, size))
    disks = {n: workdir / f"{n}.img" for n in ("nvme", "sata", "bad")}
    donor_disk(disks["nvme"], workdir, "nvme")
    donor_disk(disks["sata"], workdir, "sata")
    create_image(disks["bad"], DISK_MIB * MIB, b"donor data on the failing disk\n")
    with service(workdir) as (url, db):
        files = workdir / "stick-data"
        files.mkdir()
        (files / "deuxvie.toml").write_text(CONFIG)
        (files / "policy.toml").write_text(POLICY)
        enrol(url, db, files / "station")
        mtools_put(stick, offset, files)
        machine = Machine(
            disks=(
                Disk.nvme(disks["nvme"], serial="DVNVME0001"),
                Disk.sata(disks["sata"], serial="DVSATA0001", model="DEUXVIE GOOD SATA"),
                Disk.sata(disks["bad"], serial="DVSATA0BAD", model="DEUXVIE BAD SATA",
                          errors=(BAD_WRITE,)),
                Disk.usb(stick, serial="DVUSBSTICK", device_props=(("bootindex", "0"),)),
            ),
            smbios=SMBIOS, memory_mib=2048, service_port=int(url.rsplit(":", 1)[1]),
        )  # fmt: skip
        argv = uefi_argv(machine, workdir, workdir / "console.log")
        rc, seconds = boot(argv, workdir, timeout_s)
        with contextlib.closing(sqlite3.connect(db)) as conn:
            rows = list(conn.execute("SELECT uuid, envelope FROM reports"))
        uuids = [r[0] for r in rows]
        cert = certificate_url({"uuid": uuids[0]}, url) if len(uuids) == 1 else None
        page = _fetch(cert).decode() if cert else ""
        # the agent's own signed envelope as the service stored it; /c/<uuid>.json is the
        # service-signed public view (ADR 0048), with masked serials and no evidence
        envelope = json.loads(rows[0][1]) if len(rows) == 1 else {}
        public = json.loads(_fetch(f"{cert}.json")) if cert else {}
    return checks(workdir, stick, (offset, size), before, disks, rc, uuids, page, envelope,
                  public), seconds


def checks(workdir: Path, stick: Path, part: tuple[int, int], before: str,
           disks: dict[str, Path], rc: int | None, uuids: list[str], page: str,
           envelope: dict[str, object], public: dict[str, Any] | None = None) -> list[Check]:
    out = [Check("QEMU exited by itself (power off)", rc is not None, f"exit {rc}")]
    out.append(Check("one report stored", len(uuids) == 1, f"{len(uuids)} report(s)"))
    out.append(Check("certificate page VALID", 'class="banner valid"' in page))
    report = json.loads(base64.b64decode(str(envelope["payload"]))) if envelope else {}
    erasure = {r["media"]["serial"]: r for r in report.get("erasure", [])}
    for name, serial in (("nvme", "DVNVME0001"), ("sata", "DVSATA0001")):
        status = erasure.get(serial, {}).get("status")
        out.append(Check(f"{name} erased and reads back as zeros",
                         status == "ERASED" and all_zero(disks[name]), f"status {status}"))
    bad = erasure.get("DVSATA0BAD", {})
    offsets = {e.get("offset_bytes") for e in bad.get("errors", [])}
    out.append(Check("failing disk FAILED with its offset",
                     bad.get("status") == "FAILED" and BAD_WRITE.offset_bytes in offsets,
                     f"status {bad.get('status')}, offsets {sorted(o for o in offsets if o)}"))
    image = report.get("agent", {}).get("image") or {}
    out.append(Check("image identity in the report",
                     image.get("kind") == "live-iso" and bool(image.get("rootfs_sha256")),
                     json.dumps(image)))
    shown = ((public or {}).get("view") or {}).get("agent", {}).get("image") or {}
    out.append(Check("image identity in the certificate page's JSON",
                     bool(image) and shown.get("rootfs_sha256") == image.get("rootfs_sha256"),
                     json.dumps(shown)))
    back = mtools_get(stick, part[0], workdir / "stick-out")
    pdfs, labels = sorted(back.rglob("*.pdf")), sorted((back / "labels").rglob("*.png"))
    out.append(Check("certificate PDF on the stick",
                     bool(pdfs) and pdfs[0].read_bytes()[:5] == b"%PDF-",
                     ", ".join(p.name for p in pdfs)))
    out.append(Check("label on the stick", bool(labels), ", ".join(p.name for p in labels)))
    answered = [s for s in ("DVNVME0001", "DVSATA0001") if erasure.get(s, {}).get("smart_after")]
    out.append(Check("SMART read again after the wipe (NVMe, SATA)", len(answered) == 2,
                     ", ".join(answered)))
    if pdfs and shutil.which("pdftotext"):
        words = " ".join(subprocess.run(["pdftotext", str(pdfs[0]), "-"], capture_output=True,
                                        text=True).stdout.split())  # fmt: skip
        named = f"image ISO live {image.get('version')}, commit {str(image.get('commit'))[:12]}"
        out.append(Check("the certificate names the image", named in words, named))
    out.append(Check("stick outside DEUXVIE byte-identical to the ISO",
                     digest_outside(stick, part) == before))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("iso", type=Path)
    parser.add_argument("--timeout", type=float, default=2400.0, help="seconds for the whole run")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args(argv)
    if not args.iso.is_file():
        print(f"{args.iso}: no such ISO (make image)", file=sys.stderr)
        return 2
    missing = [t for t in ("qemu-system-x86_64", "mcopy", "minfo", "mkfs.ext4")
               if shutil.which(t) is None]  # fmt: skip
    if missing or not (OVMF_DIR / "OVMF_CODE_4M.fd").exists():
        print(f"missing: {', '.join(missing) or 'OVMF (ovmf)'} (make setup)", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="deuxvie-isorun-", dir="/var/tmp"))
    try:
        results, seconds = run(args.iso, workdir, args.timeout)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    for check in results:
        print(f"{'ok  ' if check.ok else 'FAIL'} {check.name}"
              + (f" ({check.detail})" if check.detail else ""))  # fmt: skip
    print(f"QEMU start to power off: {seconds:.0f} s" + (f" (work folder {workdir})"
                                                         if args.keep else ""))  # fmt: skip
    return 0 if all(c.ok for c in results) else 1


if __name__ == "__main__":
    sys.exit(main())
