"""Boot the real live ISO under QEMU: as a BIOS CD-ROM and as a UEFI (OVMF) USB stick.

`make test-iso` runs `python -m deuxvie.devtools.isoboot live-image/build/deuxvie-amd64.iso`.
Success is the line the live image's session prints on the serial console once root's
autologin on tty1 has started the agent (live-image/iso/.../deuxvie-session):
`DEUXVIE-AGENT-START deuxvie X.Y.Z uptime_s=... data=...`. As a USB stick the image must also
have mounted its own writable DEUXVIE partition; as a CD it has none (tmpfs).
Under TCG each boot takes about 100 s (QEMU-RIG.md), hence a separate, slower target.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from deuxvie.devtools.vm import qemu_escape

OVMF_DIR = Path("/usr/share/OVMF")
AGENT_START = re.compile(r"DEUXVIE-AGENT-START (deuxvie \S+) uptime_s=(\S+) data=(.*)")


@dataclass(frozen=True)
class IsoBoot:
    how: str  # "bios-cd" | "uefi-usb"
    seconds_to_agent: float  # from QEMU start to the agent starting on tty1
    guest_uptime_s: float  # the guest kernel's own uptime at that moment
    version: str
    data: str  # where the session put the data folder


def iso_argv(how: str, iso: Path, workdir: Path, console: Path) -> list[str]:
    argv = [
        "qemu-system-x86_64", "-nodefaults",
        "-accel", "tcg,thread=multi", "-cpu", "max", "-smp", "2", "-m", "2048",
        "-display", "none", "-device", "VGA",
        "-serial", f"file:{qemu_escape(str(console))}",
        "-no-reboot",
    ]  # fmt: skip
    if how == "bios-cd":
        argv += [
            "-drive", f"if=none,id=cd,media=cdrom,readonly=on,file={qemu_escape(str(iso))}",
            "-device", "ide-cd,drive=cd,bootindex=0",
        ]  # fmt: skip
    elif how == "uefi-usb":
        # a stick is written with dd: boot a writable copy so the data partition is writable
        stick = workdir / "stick.img"
        shutil.copyfile(iso, stick)
        vars_copy = workdir / "OVMF_VARS_4M.fd"
        shutil.copyfile(OVMF_DIR / "OVMF_VARS_4M.fd", vars_copy)
        argv += [
            "-machine", "q35",
            "-drive", f"if=pflash,format=raw,readonly=on,file={OVMF_DIR / 'OVMF_CODE_4M.fd'}",
            "-drive", f"if=pflash,format=raw,file={qemu_escape(str(vars_copy))}",
            "-device", "qemu-xhci,id=xhci",
            "-drive", f"if=none,id=stick,format=raw,file={qemu_escape(str(stick))}",
            "-device", "usb-storage,bus=xhci.0,drive=stick,bootindex=0",
        ]  # fmt: skip
    else:
        raise ValueError(f"unknown boot {how!r}")
    return argv


def boot_iso(how: str, iso: Path, workdir: Path, timeout_s: float = 600.0) -> IsoBoot:
    """Boot `iso` one way and wait for the agent to start; QEMU is always killed after."""
    workdir.mkdir(parents=True, exist_ok=True)
    console = workdir / f"{how}.console"
    console.unlink(missing_ok=True)
    argv = iso_argv(how, iso, workdir, console)
    started = time.monotonic()
    proc = subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=(workdir / f"{how}.qemu").open("wb"), start_new_session=True,
    )  # fmt: skip
    try:
        while time.monotonic() - started < timeout_s:
            text = console.read_text(errors="replace") if console.exists() else ""
            match = AGENT_START.search(text)
            if match:
                return IsoBoot(
                    how=how,
                    seconds_to_agent=time.monotonic() - started,
                    guest_uptime_s=float(match.group(2)),
                    version=match.group(1),
                    data=match.group(3).strip(),
                )
            if proc.poll() is not None:
                break
            time.sleep(1)
        tail = console.read_text(errors="replace")[-3000:] if console.exists() else ""
        raise RuntimeError(f"{how}: the agent did not start within {timeout_s:.0f} s\n{tail}")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("iso", type=Path)
    parser.add_argument("--boot", choices=["bios-cd", "uefi-usb", "both"], default="both")
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args(argv)
    if not args.iso.is_file():
        print(f"{args.iso}: no such ISO (make image)", file=sys.stderr)
        return 2
    hows = ["bios-cd", "uefi-usb"] if args.boot == "both" else [args.boot]
    failed = False
    with tempfile.TemporaryDirectory(prefix="deuxvie-isoboot-", dir="/var/tmp") as tmp:
        for how in hows:
            try:
                result = boot_iso(how, args.iso, Path(tmp), args.timeout)
            except RuntimeError as exc:
                print(f"FAIL {exc}", file=sys.stderr)
                failed = True
                continue
            problems = []
            if how == "uefi-usb" and not result.data.startswith("partition"):
                problems.append("the stick's DEUXVIE data partition was not mounted")
            status = "FAIL" if problems else "ok"
            print(
                f"{status} {how}: {result.version} on tty1 {result.seconds_to_agent:.0f} s after "
                f"QEMU start (guest uptime {result.guest_uptime_s:.0f} s), data: {result.data}"
                + "".join(f"; {p}" for p in problems)
            )
            failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
