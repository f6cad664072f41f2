"""`make pxe` (deuxvie.devtools.pxe) on a small live-build-shaped ISO made here with xorriso:
the kernel, initrd and squashfs come out byte for byte, with the iPXE script and the dnsmasq
example beside them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from deuxvie.devtools import pxe


def test_ipxe_script_and_dnsmasq_example() -> None:
    script = pxe.ipxe_script("vmlinuz", "initrd.img", pxe.live_append("http://10.1.1.1"),
                             title="deuxvie")
    lines = script.splitlines()
    assert lines[0] == "#!ipxe"
    kernel = next(line for line in lines if line.startswith("kernel "))
    assert kernel.split()[1:3] == ["vmlinuz", "initrd=initrd.img"]  # UEFI needs initrd=
    assert "boot=live" in kernel and "fetch=http://10.1.1.1/live/filesystem.squashfs" in kernel
    assert "deuxvie.config=http://10.1.1.1/deuxvie/deuxvie.toml" in kernel
    assert "initrd initrd.img" in lines
    conf = pxe.dnsmasq_example("/srv/pxe", "10.1.1.0")
    assert "dhcp-range=10.1.1.0,proxy" in conf and "tftp-root=/srv/pxe" in conf
    assert f"pxe-service=tag:ipxe,x86PC,\"deuxvie\",{pxe.BOOTFILE}" in conf


@pytest.mark.skipif(shutil.which("xorriso") is None, reason="xorriso is not installed")
def test_live_pxe_folder_from_an_iso(tmp_path: Path) -> None:
    tree = tmp_path / "tree" / "live"
    tree.mkdir(parents=True)
    files = {
        "vmlinuz-6.1.0-28-amd64": b"kernel bytes\x00" * 100,
        "initrd.img-6.1.0-28-amd64": b"initrd bytes\x01" * 100,
        "filesystem.squashfs": b"hsqs" + b"\x02" * 5000,
    }
    for name, data in files.items():
        (tree / name).write_bytes(data)
    iso = tmp_path / "live.iso"
    subprocess.run(["xorriso", "-outdev", str(iso), "-map", str(tree.parent), "/"],
                   check=True, capture_output=True, timeout=120)
    out = tmp_path / "pxe"

    written = pxe.build_live_pxe(iso, out, "http://${next-server}")

    assert (out / "vmlinuz").read_bytes() == files["vmlinuz-6.1.0-28-amd64"]
    assert (out / "initrd.img").read_bytes() == files["initrd.img-6.1.0-28-amd64"]
    assert (out / "live" / "filesystem.squashfs").read_bytes() == files["filesystem.squashfs"]
    script = (out / pxe.BOOTFILE).read_text()
    assert "fetch=http://${next-server}/live/filesystem.squashfs" in script
    assert (out / "dnsmasq-deuxvie.conf.example").read_text().startswith("# dnsmasq")
    assert (out / "deuxvie" / "deuxvie.toml.example").is_file()
    assert out / pxe.BOOTFILE in written
    assert pxe.main([str(tmp_path / "missing.iso"), str(out)]) == 2
