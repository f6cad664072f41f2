"""Network boot files: the iPXE script and the dnsmasq proxy-DHCP/TFTP example that
`make pxe` writes for the live image, and the TFTP folder the QEMU test boots from
(docs/adr/0081, README "Network boot (PXE)").

Layout of a PXE folder (TFTP root, also served over HTTP for the big files)::

    boot.ipxe                 the iPXE script (chained by dnsmasq, or QEMU's bootfile)
    vmlinuz, initrd.img       the live image's kernel and live-boot initrd
    live/filesystem.squashfs  the live system, fetched over HTTP by live-boot (fetch=)
    deuxvie/deuxvie.toml      the bench's config (deuxvie.config=URL), station/ beside it
    dnsmasq-deuxvie.conf.example

Usage: python -m deuxvie.devtools.pxe ISO OUT_DIR [--http URL]   (what `make pxe` runs)
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from deuxvie.devtools.vm import GuestBoot

BOOTFILE = "boot.ipxe"
# iPXE's ${next-server} is the TFTP server the DHCP answer named: the same machine serves
# HTTP, so one address to configure. ${http} can be overridden in the script's first lines.
DEFAULT_HTTP = "http://${next-server}"


def ipxe_script(kernel: str, initrd: str, append: Sequence[str], *, title: str) -> str:
    """An iPXE script: relative names are fetched from where the script came from (TFTP),
    absolute URLs (http://) from there."""
    lines = [
        "#!ipxe",
        f"echo {title}",
        f"kernel {kernel} initrd={Path(initrd).name} {' '.join(append)}".rstrip(),
        f"initrd {initrd}",
        "boot || goto failed",
        ":failed",
        "echo Echec du demarrage reseau / network boot failed: ${errno}",
        "shell",
    ]
    return "\n".join(lines) + "\n"


def live_append(http: str) -> list[str]:
    """Kernel command line of the live image booted from the network: live-boot downloads
    the squashfs into RAM (fetch=), the agent reads its config from the PXE server."""
    return [
        "boot=live", "components", "quiet", "noautologin", "hostname=deuxvie",
        "console=ttyS0,115200", "console=tty0", "ip=dhcp",
        f"fetch={http}/live/filesystem.squashfs",
        f"deuxvie.config={http}/deuxvie/deuxvie.toml",
    ]  # fmt: skip


def dnsmasq_example(tftp_root: str = "/srv/deuxvie-pxe", subnet: str = "192.168.1.0") -> str:
    """proxy-DHCP: the workshop's router keeps giving addresses, dnsmasq only adds the boot
    answer, so it can run on any PC of the bench LAN without reconfiguring the router."""
    return f"""\
# dnsmasq-deuxvie.conf: network boot of deuxvie on a workshop LAN (example, adapt SUBNET and
# the folder). Proxy DHCP: the existing DHCP server keeps handing out addresses.
# Install: apt install dnsmasq ipxe; copy this file to /etc/dnsmasq.d/deuxvie.conf;
# serve {tftp_root} over HTTP too (e.g. `python3 -m http.server 80 -d {tftp_root}`), since
# live-boot fetches the squashfs and the agent its config with HTTP.
port=0                                  # no DNS server
log-dhcp
dhcp-range={subnet},proxy
enable-tftp
tftp-root={tftp_root}

# BIOS and UEFI firmware get iPXE first (from the Debian ipxe package, copied into the
# TFTP root), then iPXE itself (user class "iPXE") gets the deuxvie script.
dhcp-userclass=set:ipxe,iPXE
dhcp-match=set:efi64,option:client-arch,7
dhcp-match=set:efi64,option:client-arch,9
pxe-service=tag:!ipxe,x86PC,"deuxvie (BIOS)",undionly.kpxe
pxe-service=tag:!ipxe,tag:efi64,X86-64_EFI,"deuxvie (UEFI)",ipxe.efi
pxe-service=tag:ipxe,x86PC,"deuxvie",{BOOTFILE}
pxe-service=tag:ipxe,X86-64_EFI,"deuxvie",{BOOTFILE}
"""


def stage_test_guest(boot: GuestBoot, tftp_dir: Path) -> tuple[str, str]:
    """The test guest's kernel and initramfs in `tftp_dir` (hard links when possible).

    The initramfs goes zstd-compressed (356 MB -> ~107 MB, cached beside the original): QEMU's
    TFTP server moves about 3 MB/s under TCG, and the kernel unpacks zstd itself."""
    tftp_dir.mkdir(parents=True, exist_ok=True)
    packed = boot.initrd.with_name(boot.initrd.name + ".zst")
    if not packed.exists() or packed.stat().st_mtime < boot.initrd.stat().st_mtime:
        tmp = packed.with_name(packed.name + ".tmp")
        subprocess.run(["zstd", "-q", "-T0", "-3", "-f", str(boot.initrd), "-o", str(tmp)],
                       check=True, timeout=600)
        tmp.replace(packed)
    for src, name in ((boot.kernel, "vmlinuz"), (packed, "initrd.cpio.zst")):
        dest = tftp_dir / name
        dest.unlink(missing_ok=True)
        try:
            os.link(src, dest)
        except OSError:
            shutil.copyfile(src, dest)
    return "vmlinuz", "initrd.cpio.zst"


def _extract(iso: Path, inside: str, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["xorriso", "-osirrox", "on", "-indev", str(iso), "-extract", inside, str(dest)],
        check=True, capture_output=True, timeout=900,
    )


def _live_name(iso: Path, prefix: str) -> str:
    """live-build names the kernel vmlinuz-<version> or vmlinuz: find it in /live."""
    out = subprocess.run(["xorriso", "-indev", str(iso), "-lsl", "/live"], check=True,
                         capture_output=True, text=True, timeout=120).stdout
    names = sorted(line.split()[-1].strip("'") for line in out.splitlines() if line.strip())
    found = [n for n in names if n.startswith(prefix)]
    if not found:
        raise SystemExit(f"{iso}: no /live/{prefix}* (not a live-build image?)")
    return found[0]


def build_live_pxe(iso: Path, out: Path, http: str = DEFAULT_HTTP) -> list[Path]:
    """`make pxe`: kernel, initrd and squashfs out of the live ISO, the iPXE script, the
    dnsmasq example and a config to start from."""
    out.mkdir(parents=True, exist_ok=True)
    _extract(iso, f"/live/{_live_name(iso, 'vmlinuz')}", out / "vmlinuz")
    _extract(iso, f"/live/{_live_name(iso, 'initrd')}", out / "initrd.img")
    _extract(iso, "/live/filesystem.squashfs", out / "live" / "filesystem.squashfs")
    script = ipxe_script("vmlinuz", "initrd.img", live_append(http),
                         title="deuxvie : demarrage reseau / network boot")
    (out / BOOTFILE).write_text(script)
    (out / "dnsmasq-deuxvie.conf.example").write_text(dnsmasq_example())
    example = Path(__file__).resolve().parents[3] / "docs" / "deuxvie.example.toml"
    (out / "deuxvie").mkdir(exist_ok=True)
    target = out / "deuxvie" / "deuxvie.toml.example"
    if example.exists():
        shutil.copyfile(example, target)
    return sorted(p for p in out.rglob("*") if p.is_file())


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m deuxvie.devtools.pxe")
    p.add_argument("iso", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--http", default=DEFAULT_HTTP,
                   help="HTTP base URL of the PXE folder (default: the TFTP server's address)")
    args = p.parse_args(argv)
    if not args.iso.is_file():
        print(f"{args.iso}: no such ISO (make image first)", file=sys.stderr)
        return 2
    for path in build_live_pxe(args.iso, args.out, args.http):
        print(f"{path.stat().st_size:>12}  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
