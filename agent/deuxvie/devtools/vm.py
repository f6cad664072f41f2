"""A virtual donated PC: QEMU (TCG) booting the test initramfs with emulated disks.

Used by tests/vm and `make demo`. Facts behind each choice are in ../shared/QEMU-RIG.md:
KVM is nested in software here and never finishes booting, so TCG; `-nodefaults` or QEMU adds
an unrestricted NIC; results go to a second serial port so kernel messages never mix in.

Typical use::

    boot = build_test_guest()
    pc = Machine(disks=(Disk.nvme(img, serial="NVME0001"),), smbios=Smbios(...))
    run = run_guest(pc, boot, workdir, mode="inventory", timeout_s=300)
    run.results  # what the guest wrote to /dev/ttyS1, run.exit_code the command's exit code
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

REPO = Path(__file__).resolve().parents[3]
LIVE_IMAGE = REPO / "live-image"
RELAY = Path(__file__).with_name("relay.py")
EXIT_MARKER = "DEUXVIE-EXIT "
# Inside QEMU's user-mode stack: the address the guest uses to reach the relayed service.
SERVICE_GUEST_URL = "http://10.0.2.100:8080"
# A plain HTTP server on the host (the PXE server's config folder), relayed the same way.
HTTP_GUEST_URL = "http://10.0.2.101:8000"

DiskKind = Literal["nvme", "sata", "virtio", "usb"]
IoEvent = Literal["read_aio", "write_aio"]


class GuestError(RuntimeError):
    """The guest did not finish as expected; the message carries the console tail."""


@dataclass(frozen=True)
class GuestBoot:
    kernel: Path
    initrd: Path


def build_test_guest(timeout_s: float = 1800.0) -> GuestBoot:
    """Build (or reuse from live-image/cache) the test kernel + initramfs with the agent.

    A fresh machine spends about 2-3 minutes in debootstrap and pip once; afterwards only the
    agent archive is rebuilt (a few seconds).
    """
    proc = subprocess.run(
        [str(LIVE_IMAGE / "build-initramfs.sh")],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    if proc.returncode != 0:
        raise GuestError(f"build-initramfs.sh failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    lines = proc.stdout.split()
    return GuestBoot(kernel=Path(lines[-2]), initrd=Path(lines[-1]))


@dataclass(frozen=True)
class InjectedError:
    """An I/O error QEMU's blkdebug driver returns for any request touching `sector`."""

    sector_512: int
    event: IoEvent = "read_aio"
    errno: int = 5  # EIO

    @property
    def offset_bytes(self) -> int:
        return self.sector_512 * 512


@dataclass(frozen=True)
class Disk:
    kind: DiskKind
    image: Path
    serial: str
    model: str = ""
    # blkdebug rules; only for kind "sata" and "virtio" (any kind works, SATA is the realistic)
    errors: tuple[InjectedError, ...] = ()
    # extra `-device` properties, e.g. (("smart_critical_warning", "4"),) on an NVMe
    device_props: tuple[tuple[str, str], ...] = ()
    # QEMU -drive throttling.bps-read / throttling.bps-write (bytes/s): a real device's
    # sustained speed, so a benchmark meets the device's limit and not the host file's
    read_bps: int | None = None
    write_bps: int | None = None

    @classmethod
    def nvme(cls, image: Path, serial: str, **kw: object) -> Disk:
        return cls("nvme", image, serial, **kw)  # type: ignore[arg-type]

    @classmethod
    def sata(cls, image: Path, serial: str, model: str, **kw: object) -> Disk:
        return cls("sata", image, serial, model, **kw)  # type: ignore[arg-type]

    @classmethod
    def virtio(cls, image: Path, serial: str, **kw: object) -> Disk:
        return cls("virtio", image, serial, **kw)  # type: ignore[arg-type]

    @classmethod
    def usb(cls, image: Path, serial: str, **kw: object) -> Disk:
        return cls("usb", image, serial, **kw)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Smbios:
    manufacturer: str
    product: str
    serial: str
    uuid: str
    version: str = ""
    sku: str = ""
    family: str = ""


@dataclass(frozen=True)
class Machine:
    disks: tuple[Disk, ...] = ()
    smbios: Smbios | None = None
    # a VGA screen with an EDID (QEMU "RHT" monitor) of this resolution; None: no screen
    screen: tuple[int, int] | None = (1920, 1080)
    memory_mib: int = 1536
    cpus: int = 2
    # a service on the host's 127.0.0.1:PORT, reached by the guest at SERVICE_GUEST_URL
    service_port: int | None = None
    # the persistent data disk (spool, journal, config): an ext4 image labelled DEUXVIE
    data_disk: Path | None = None
    kernel_args: tuple[str, ...] = field(default_factory=tuple)
    # serial of the disk the test /init mounts read-only at /run/live/medium, as live-boot
    # mounts the real stick: the agent must then treat it as its boot medium
    boot_stick_serial: str | None = None
    # network boot: QEMU's firmware runs iPXE (ipxe-qemu ROM), which gets `boot.ipxe` from
    # this TFTP folder (QEMU user networking's tftp=, bootfile=) instead of -kernel/-initrd;
    # the folder must hold the kernel and initramfs (deuxvie.devtools.pxe.stage_test_guest)
    pxe_dir: Path | None = None
    # a host HTTP server on 127.0.0.1:PORT, reached by the guest at HTTP_GUEST_URL
    http_port: int | None = None
    # a QMP socket (deuxvie.devtools.qmp) to hot-plug and unplug disks while the guest runs
    qmp: bool = False
    # extra controllers present from boot, e.g. "virtio-scsi-pci,id=scsi0" for scsi-hd
    # hot-plug ("ahci,id=ahci" is added by a SATA disk; QEMU cannot hot-plug onto AHCI)
    controllers: tuple[str, ...] = ()
    # the devices of the function checks (issue #12): intel-hda + hda-duplex sound, a USB
    # keyboard and tablet, an e1000 NIC (id E1000_ID: QMP set_link) on a restricted user
    # network; Wi-Fi comes from the guest's mac80211_hwsim module (see tests/vm)
    functions_rig: bool = False


E1000_ID = "e1000net"
# Linux key codes (input-event-codes.h, physical positions) -> QEMU QKeyCode names
# (qapi/ui.json), for driving the guided keyboard check with QMP send-key.
QCODES: dict[int, str] = {
    1: "esc", **{2 + i: str((i + 1) % 10) for i in range(10)}, 12: "minus", 13: "equal",
    14: "backspace", 15: "tab", 16: "q", 17: "w", 18: "e", 19: "r", 20: "t", 21: "y", 22: "u",
    23: "i", 24: "o", 25: "p", 26: "bracket_left", 27: "bracket_right", 28: "ret", 29: "ctrl",
    30: "a", 31: "s", 32: "d", 33: "f", 34: "g", 35: "h", 36: "j", 37: "k", 38: "l",
    39: "semicolon", 40: "apostrophe", 41: "grave_accent", 42: "shift", 43: "backslash",
    44: "z", 45: "x", 46: "c", 47: "v", 48: "b", 49: "n", 50: "m", 51: "comma", 52: "dot",
    53: "slash", 54: "shift_r", 56: "alt", 57: "spc", 58: "caps_lock",
    **{59 + i: f"f{i + 1}" for i in range(10)}, 86: "less", 87: "f11", 88: "f12",
    97: "ctrl_r", 100: "alt_r", 103: "up", 105: "left", 106: "right", 108: "down",
    111: "delete", 125: "meta_l",
}


def send_key(qmp: Any, code: int) -> None:
    """Press and release one key (Linux key code) on the guest's keyboard (QMP send-key,
    through deuxvie.devtools.qmp.Qmp)."""
    qmp.execute("send-key", keys=[{"type": "qcode", "data": QCODES[code]}])


def qemu_escape(value: str) -> str:
    """QEMU option values separate keys with commas; a literal comma is doubled."""
    return value.replace(",", ",,")


def create_image(path: Path, size_bytes: int, pattern: bytes | None = None) -> None:
    """A raw disk image: sparse (reads zeros) or `pattern` repeated over the whole disk."""
    with path.open("wb") as f:
        if pattern is None:
            f.truncate(size_bytes)
            return
        block = (pattern * (4 * 1024 * 1024 // len(pattern) + 1))[: 4 * 1024 * 1024]
        left = size_bytes
        while left > 0:
            n = min(left, len(block))
            f.write(block[:n])
            left -= n


MIB = 1024 * 1024


@dataclass(frozen=True)
class BootStick:
    """A USB stick laid out like the written live image: partition 1 an ISO 9660 filesystem
    (the test /init mounts it at /run/live/medium, as live-boot does), partition 2 the
    writable ext4 data partition labelled DEUXVIE, known bytes everywhere else."""

    path: Path
    iso_offset_bytes: int
    data_offset_bytes: int
    data_size_bytes: int

    def read_data(self, dest: Path) -> Path:
        """The data partition's tree, copied into `dest` (no loop device, no mount)."""
        part = self.path.with_suffix(".data-partition")
        with self.path.open("rb") as src, part.open("wb") as out:
            src.seek(self.data_offset_bytes)
            out.write(src.read(self.data_size_bytes))
        try:
            return read_data_disk(part, dest)
        finally:
            part.unlink()

    def digest_outside_data(self) -> str:
        """SHA-256 of every byte of the stick except the data partition: what nothing may
        ever write (the boot records, the live filesystem, the unpartitioned space)."""
        h = hashlib.sha256()
        with self.path.open("rb") as f:
            h.update(f.read(self.data_offset_bytes))
            f.seek(self.data_offset_bytes + self.data_size_bytes)
            while chunk := f.read(4 * MIB):
                h.update(chunk)
        return h.hexdigest()


def _mbr_entry(type_code: int, start_bytes: int, size_bytes: int) -> bytes:
    # CHS fields set to the "use LBA" values (FE FF FF): every current kernel and firmware
    # reads the LBA start/length that follow.
    return (
        bytes([0x00, 0xFE, 0xFF, 0xFF, type_code, 0xFE, 0xFF, 0xFF])
        + (start_bytes // 512).to_bytes(4, "little")
        + (size_bytes // 512).to_bytes(4, "little")
    )


def create_boot_stick(
    path: Path,
    size_bytes: int,
    pattern: bytes,
    files: Path,
    data_files: Path | None = None,
    data_mib: int = 32,
) -> BootStick:
    """Write the stick image: `pattern` over all of it, an MBR with two partitions, the ISO
    9660 image of `files` (xorriso) in partition 1 and an ext4 `DEUXVIE` filesystem made
    from `data_files` in partition 2."""
    create_image(path, size_bytes, pattern)
    iso = path.with_suffix(".iso9660")
    subprocess.run(
        ["xorriso", "-as", "mkisofs", "-quiet", "-V", "DEUXVIE_LIVE", "-o", str(iso), str(files)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    iso_bytes = iso.read_bytes()
    iso.unlink()
    iso_offset = MIB
    iso_size = -(-len(iso_bytes) // MIB) * MIB
    data_offset = iso_offset + iso_size + MIB
    data_size = data_mib * MIB
    if data_offset + data_size > size_bytes:
        raise ValueError(f"a {size_bytes}-byte stick cannot hold its partitions")
    data = path.with_suffix(".data-partition")
    create_data_disk(data, size_mib=data_mib, files=data_files)
    with path.open("r+b") as f:
        f.seek(446)
        f.write(_mbr_entry(0x83, iso_offset, iso_size) + _mbr_entry(0x83, data_offset, data_size))
        f.write(bytes(32) + b"\x55\xaa")
        f.seek(iso_offset)
        f.write(iso_bytes)
        f.seek(data_offset)
        f.write(data.read_bytes())
    data.unlink()
    return BootStick(path, iso_offset, data_offset, data_size)


def create_data_disk(path: Path, size_mib: int = 64, files: Path | None = None) -> None:
    """An ext4 image labelled DEUXVIE the guest mounts at /data, pre-filled from `files`.

    mkfs.ext4 -d fills it without root or loop devices; read it back with `read_data_disk`.
    """
    path.unlink(missing_ok=True)
    argv = ["mkfs.ext4", "-q", "-F", "-L", "DEUXVIE", "-E", "root_owner=0:0"]
    if files is not None:
        argv += ["-d", str(files)]
    subprocess.run([*argv, str(path), f"{size_mib}M"], check=True, capture_output=True, timeout=60)


def read_data_disk(path: Path, dest: Path) -> Path:
    """Copy the whole data disk's tree into `dest` (debugfs rdump: no mount, no root)."""
    dest.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["debugfs", "-R", f"rdump / {dest}", str(path)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return dest


def _blkdebug_rules(disk: Disk, path: Path) -> None:
    sections = []
    for err in disk.errors:
        sections.append(
            "[inject-error]\n"
            f'event = "{err.event}"\n'
            f'errno = "{err.errno}"\n'
            f'sector = "{err.sector_512}"\n'
            'once = "off"\n'
        )
    path.write_text("\n".join(sections))


def qemu_argv(
    machine: Machine,
    boot: GuestBoot,
    workdir: Path,
    init_args: Sequence[str],
    results: Path,
    console: Path,
) -> list[str]:
    """The whole QEMU command line of `machine` (pure but for blkdebug rule files).

    Kernel command line: `machine.kernel_args` (e.g. deuxvie.KEY=VALUE config overrides), then
    `--` and `init_args` (what the test /init runs), which the kernel hands to /init as
    arguments and the agent's config parser ignores."""
    from deuxvie.devtools.pxe import BOOTFILE, ipxe_script  # pxe.py imports this module

    # usb-storage.delay_use=0: the USB stick appears with the other disks, not a second later
    cmdline = ["console=ttyS0", "panic=-1", "net.ifnames=0", "usb-storage.delay_use=0"]
    cmdline += machine.kernel_args
    cmdline += ["--", *init_args]
    if len(" ".join(cmdline)) >= 2048:
        # x86 COMMAND_LINE_SIZE: past it the guest sat silent, not even a boot message
        raise GuestError(f"kernel command line of {len(' '.join(cmdline))} bytes, over 2047")
    # Host page cache (no cache=none): O_DIRECT fails on a tmpfs /tmp, and what QEMU wrote
    # survives a SIGKILL of QEMU all the same (the "power loss" is the guest's, not the host's).
    drive_opts = "format=raw,discard=unmap,aio=threads"
    argv = [
        "qemu-system-x86_64",
        "-nodefaults",
        "-accel", "tcg,thread=multi",
        "-cpu", "max",
        "-smp", str(machine.cpus),
        "-m", str(machine.memory_mib),
        "-no-reboot",
        "-display", "none",
        "-serial", f"file:{qemu_escape(str(console))}",
        "-serial", f"file:{qemu_escape(str(results))}",
    ]  # fmt: skip
    if machine.pxe_dir is None:
        argv += ["-kernel", str(boot.kernel), "-initrd", str(boot.initrd),
                 "-append", " ".join(cmdline)]
    else:
        # the same kernel command line, in the script iPXE fetches over TFTP
        script = ipxe_script("vmlinuz", "initrd.cpio.zst", cmdline, title="deuxvie test PXE")
        (machine.pxe_dir / BOOTFILE).write_text(script)
        argv += ["-boot", "order=n"]
    if machine.smbios is not None:
        s = machine.smbios
        fields = [
            ("manufacturer", s.manufacturer),
            ("product", s.product),
            ("serial", s.serial),
            ("uuid", s.uuid),
            ("version", s.version),
            ("sku", s.sku),
            ("family", s.family),
        ]
        argv += ["-smbios", "type=1," + ",".join(f"{k}={qemu_escape(v)}" for k, v in fields if v)]
    if machine.screen is not None:
        x, y = machine.screen
        argv += ["-device", f"VGA,edid=on,xres={x},yres={y}"]
    kinds = {d.kind for d in machine.disks}
    if "sata" in kinds:
        argv += ["-device", "ahci,id=ahci"]
    if "usb" in kinds or machine.functions_rig:
        argv += ["-device", "qemu-xhci,id=xhci"]
    if machine.functions_rig:
        argv += [
            "-audiodev", "none,id=snd0",
            "-device", "intel-hda", "-device", "hda-duplex,audiodev=snd0",
            "-device", "usb-kbd,bus=xhci.0", "-device", "usb-tablet,bus=xhci.0",
            "-netdev", "user,id=e0,restrict=on",
            "-device", f"e1000,netdev=e0,id={E1000_ID}",
        ]  # fmt: skip
    for controller in machine.controllers:
        argv += ["-device", controller]
    if machine.qmp:
        argv += ["-qmp", f"unix:{qemu_escape(str(results.with_suffix('.qmp')))},server=on,wait=off"]
    sata_port = 0
    for i, disk in enumerate(machine.disks):
        drive_id = f"d{i}"
        if disk.errors:
            rules = workdir / f"blkdebug-{drive_id}.conf"
            _blkdebug_rules(disk, rules)
            # blkdebug sits between the raw format and the file: the guest sees a normal disk
            # whose requests touching the rule sectors fail with errno (QEMU-RIG.md).
            drive = (
                f"if=none,id={drive_id},format=raw,aio=threads,"
                f"file.driver=blkdebug,file.config={qemu_escape(str(rules))},"
                f"file.image.filename={qemu_escape(str(disk.image))}"
            )
        else:
            drive = f"if=none,id={drive_id},file={qemu_escape(str(disk.image))},{drive_opts}"
        if disk.read_bps:
            drive += f",throttling.bps-read={disk.read_bps}"
        if disk.write_bps:
            drive += f",throttling.bps-write={disk.write_bps}"
        argv += ["-drive", drive]
        props = "".join(f",{k}={qemu_escape(v)}" for k, v in disk.device_props)
        serial = qemu_escape(disk.serial)
        if disk.kind == "nvme":
            device = f"nvme,serial={serial},drive={drive_id}"
        elif disk.kind == "sata":
            device = f"ide-hd,bus=ahci.{sata_port},drive={drive_id},serial={serial}"
            if disk.model:
                device += f",model={qemu_escape(disk.model)}"
            sata_port += 1
        elif disk.kind == "virtio":
            device = f"virtio-blk-pci,drive={drive_id},serial={serial}"
        else:
            device = f"usb-storage,bus=xhci.0,drive={drive_id},serial={serial}"
        argv += ["-device", device + props]
    if machine.data_disk is not None:
        argv += [
            "-drive", f"if=none,id=data,file={qemu_escape(str(machine.data_disk))},{drive_opts}",
            "-device", "virtio-blk-pci,drive=data,serial=DEUXVIE-DATA",
        ]  # fmt: skip
    forwards = [(SERVICE_GUEST_URL, machine.service_port), (HTTP_GUEST_URL, machine.http_port)]
    if any(port is not None for _, port in forwards) or machine.pxe_dir is not None:
        # restrict=on: the guest reaches nothing but the guestfwd addresses (no host, no
        # internet); QEMU's own DHCP and TFTP still answer (measured: PXE boots with it)
        netdev = "user,id=n0,restrict=on"
        for url, port in forwards:
            if port is not None:
                relay = f"{sys.executable} {RELAY} 127.0.0.1 {port}"
                addr = url.removeprefix("http://")
                netdev += f",guestfwd=tcp:{addr}-cmd:{qemu_escape(relay)}"
        if machine.pxe_dir is not None:
            netdev += f",tftp={qemu_escape(str(machine.pxe_dir))},bootfile={BOOTFILE}"
        argv += ["-netdev", netdev, "-device", "virtio-net-pci,netdev=n0"]
    return argv


@dataclass(frozen=True)
class GuestRun:
    """What one boot left behind."""

    qemu_returncode: int | None  # None: killed by the rig
    results: str  # the guest's /dev/ttyS1, without the final exit marker
    exit_code: int | None  # the guest command's exit code; None if it never finished
    console: str  # kernel + stderr (ttyS0)
    duration_s: float


def _split_results(raw: str) -> tuple[str, int | None]:
    lines = raw.splitlines(keepends=True)
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].startswith(EXIT_MARKER):
            code = int(lines[i][len(EXIT_MARKER) :].strip())
            return "".join(lines[:i]), code
    return raw, None


def mode_args(mode: str, shell_cmd: str | None = None) -> list[str]:
    args = [f"deuxvie.mode={mode}"]
    if shell_cmd is not None:
        # base64 keeps spaces, quotes and newlines out of the kernel command line
        args.append("deuxvie.cmd=" + base64.b64encode(shell_cmd.encode()).decode())
    return args


class VirtualPc:
    """One QEMU process; a context manager that always kills QEMU on exit."""

    def __init__(
        self,
        machine: Machine,
        boot: GuestBoot,
        workdir: Path,
        init_args: Sequence[str],
        name: str = "guest",
    ) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.results_path = workdir / f"{name}.results"
        self.console_path = workdir / f"{name}.console"
        for p in (self.results_path, self.console_path):
            p.unlink(missing_ok=True)
        extra = list(init_args)
        if machine.service_port is not None or machine.http_port is not None:
            extra.append("deuxvie.net=static")
        if machine.boot_stick_serial is not None:
            extra.append(f"deuxvie.bootstick={machine.boot_stick_serial}")
        self.qmp_path = self.results_path.with_suffix(".qmp") if machine.qmp else None
        if self.qmp_path is not None:
            self.qmp_path.unlink(missing_ok=True)
        self.argv = qemu_argv(machine, boot, workdir, extra, self.results_path, self.console_path)
        self._proc: subprocess.Popen[bytes] | None = None
        self._started = 0.0
        self._killed = False

    def start(self) -> VirtualPc:
        if shutil.which(self.argv[0]) is None:
            raise GuestError(f"{self.argv[0]} is not installed (apt: qemu-system-x86)")
        self._started = time.monotonic()
        # own process group: the relays QEMU forks die with it
        self._proc = subprocess.Popen(
            self.argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=(self.console_path.parent / (self.console_path.name + ".qemu")).open("wb"),
            start_new_session=True,
        )
        return self

    def __enter__(self) -> VirtualPc:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.kill()

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def results_text(self) -> str:
        try:
            return self.results_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def console_text(self) -> str:
        try:
            text = self.console_path.read_text(errors="replace")
        except FileNotFoundError:
            text = ""
        qemu_err = self.console_path.parent / (self.console_path.name + ".qemu")
        if qemu_err.exists() and qemu_err.stat().st_size:
            text += "\n[qemu stderr]\n" + qemu_err.read_text(errors="replace")
        return text

    def wait_for_result(self, needle: str, timeout_s: float) -> str:
        """Wait until the guest's results contain `needle` (e.g. a progress line)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            text = self.results_text()
            if needle in text:
                return text
            if not self.running:
                break
            time.sleep(0.2)
        raise GuestError(
            f"{needle!r} not seen in the guest results within {timeout_s:.0f} s\n"
            + self.console_text()[-3000:]
        )

    def kill(self) -> None:
        """Pull the plug: SIGKILL QEMU (and its relays), as a power loss would."""
        if self._proc is None or self._proc.poll() is not None:
            return
        self._killed = True
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._proc.pid, signal.SIGKILL)
        self._proc.wait(timeout=30)

    def wait(self, timeout_s: float) -> GuestRun:
        """Wait for the guest to power off; on timeout kill it and raise GuestError."""
        if self._proc is None:
            raise GuestError("the guest was never started")
        try:
            rc: int | None = self._proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.kill()
            raise GuestError(
                f"guest still running after {timeout_s:.0f} s; killed\n"
                + self.console_text()[-3000:]
            ) from None
        if self._killed:
            rc = None
        results, code = _split_results(self.results_text())
        return GuestRun(
            qemu_returncode=rc,
            results=results,
            exit_code=code,
            console=self.console_text(),
            duration_s=time.monotonic() - self._started,
        )


def run_guest(
    machine: Machine,
    boot: GuestBoot,
    workdir: Path,
    mode: str,
    *,
    shell_cmd: str | None = None,
    timeout_s: float = 300.0,
    name: str = "guest",
) -> GuestRun:
    """Boot `machine`, run `mode` (version, inventory, run, shell-cmd) and wait for power-off."""
    with VirtualPc(machine, boot, workdir, mode_args(mode, shell_cmd), name=name) as pc:
        return pc.wait(timeout_s)
