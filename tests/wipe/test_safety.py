"""Refusals on real loop devices: mounted, partition mounted, held, boot medium,
read-only. Each time the data must be intact afterwards."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from deuxvie.cli import main as cli_main
from deuxvie.host.local import LocalHost
from deuxvie.model.erasure import ErasureStatus
from deuxvie.probes.usage import device_usage
from deuxvie.wipe.engine import execute_plan
from deuxvie.wipe.journal import Journal
from deuxvie.wipe.plan import Method, WipeOptions

from .conftest import MIB
from .helpers import plan_for

pytestmark = pytest.mark.root


def _run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict]]:
    rc = cli_main(["wipe", *args, "--yes", "--json", "--method", "zero"])
    out = capsys.readouterr().out
    return rc, json.loads(out)


@contextlib.contextmanager
def mounted(dev: str, where: Path) -> Iterator[None]:
    subprocess.run(["mkfs.ext4", "-q", "-F", dev], check=True, capture_output=True)
    where.mkdir(exist_ok=True)
    subprocess.run(["mount", dev, str(where)], check=True, capture_output=True)
    try:
        (where / "donor.txt").write_text("données du donateur\n")
        subprocess.run(["sync"], check=True)
        yield
    finally:
        subprocess.run(["umount", str(where)], check=False, capture_output=True)


def test_mounted_device_is_refused_and_intact(make_loop, tmp_path, capsys):
    loop = make_loop(32 * MIB, fill=False)
    with mounted(loop.path, tmp_path / "mnt"):
        usage = device_usage(LocalHost(), loop.path)
        assert usage.mounted == (str(tmp_path / "mnt"),)
        before = loop.digest()
        rc, records = _run_cli([loop.path, "--journal-dir", str(tmp_path / "j")], capsys)
        assert rc == 1
        assert records[0]["status"] == "SKIPPED"
        assert records[0]["bytes_written"] == 0
        assert "mounted" in records[0]["reasons"][0]["code"]
        assert "monté" in records[0]["reasons"][0]["fr"]
        assert loop.digest() == before
        assert (tmp_path / "mnt" / "donor.txt").read_text() == "données du donateur\n"


def test_mounted_partition_refuses_the_whole_disk(make_loop, tmp_path, capsys):
    loop = make_loop(64 * MIB, fill=False)
    parts = [(2048, 32 * MIB // 512), (2048 + 32 * MIB // 512, 20000)]
    _write_mbr(loop.backing, parts)
    subprocess.run(["losetup", "-d", loop.path], check=True)
    dev = subprocess.run(["losetup", "--find", "--show", "--partscan", str(loop.backing)],
                         check=True, capture_output=True, text=True).stdout.strip()
    try:
        part = f"{dev}p2"
        for _ in range(20):  # devtmpfs creates the partition nodes asynchronously
            if Path(part).exists():
                break
            time.sleep(0.1)
        else:
            # Kernels without CONFIG_MSDOS_PARTITION (this build VM) ignore the table:
            # add the same partitions through BLKPG.
            for n, (start, count) in enumerate(parts, 1):
                subprocess.run(["addpart", dev, str(n), str(start), str(count)], check=True)
            for _ in range(20):
                if Path(part).exists():
                    break
                time.sleep(0.1)
        assert Path(part).exists()
        with mounted(part, tmp_path / "mnt"):
            before = loop.digest()
            usage = device_usage(LocalHost(), part)  # a partition resolves to its disk
            assert usage.path == dev
            assert usage.partitions == (f"{dev[5:]}p1", f"{dev[5:]}p2")
            assert usage.mounted == (str(tmp_path / "mnt"),)
            rc, records = _run_cli([dev, "--journal-dir", str(tmp_path / "j")], capsys)
            assert rc == 1 and records[0]["status"] == "SKIPPED"
            assert loop.digest() == before
    finally:
        subprocess.run(["losetup", "-d", dev], check=False)


def _write_mbr(path: Path, parts: list[tuple[int, int]]) -> None:
    """A DOS partition table (type 0x83) written by hand: no fdisk needed."""
    entries = b"".join(
        b"\x00" + b"\xfe\xff\xff" + b"\x83" + b"\xfe\xff\xff"
        + start.to_bytes(4, "little") + count.to_bytes(4, "little")
        for start, count in parts
    )
    with open(path, "r+b") as fh:
        fh.seek(446)
        fh.write(entries.ljust(64, b"\x00") + b"\x55\xaa")


class InjectingHost(LocalHost):
    """The real machine, plus a pretend mount of / or pretend holders."""

    def __init__(self, root_dev: str | None = None, holders: dict[str, list[str]] | None = None,
                 mounted_ok: bool = False) -> None:
        super().__init__()
        self.root_dev = root_dev
        self.holders = holders or {}
        self.mounted_ok = mounted_ok

    def read_bytes(self, path: str) -> bytes:
        data = super().read_bytes(path)
        if path == "/proc/self/mountinfo":
            if self.mounted_ok:
                return b""
            if self.root_dev:
                name = self.root_dev.rsplit("/", 1)[-1]
                devnum = super().read_bytes(f"/sys/class/block/{name}/dev").decode().strip()
                data += f"999 1 {devnum} / / ro,relatime - squashfs {self.root_dev} ro\n".encode()
        return data

    def listdir(self, path: str) -> list[str]:
        for name, hs in self.holders.items():
            if path == f"/sys/class/block/{name}/holders":
                return hs
        return super().listdir(path)


def test_boot_medium_is_refused_and_intact(make_loop, tmp_path):
    loop = make_loop(16 * MIB)
    host = InjectingHost(root_dev=loop.path)
    usage = device_usage(host, loop.path)
    assert usage.is_boot_medium and "/ is mounted from" in usage.boot_evidence[0]
    before = loop.digest()
    plan = plan_for(host, loop.path, WipeOptions(method=Method.ZERO))
    assert plan.refused and plan.refusals[0].code == "wipe.boot_medium"
    rec = execute_plan(host, plan, journal=Journal(tmp_path / "j"))
    assert rec.status is ErasureStatus.SKIPPED and rec.bytes_written == 0
    assert "support de démarrage" in rec.reasons[0].fr
    assert loop.digest() == before


def test_holder_injected_is_refused_and_intact(make_loop, tmp_path):
    loop = make_loop(16 * MIB)
    host = InjectingHost(holders={loop.name: ["md0"]})
    before = loop.digest()
    plan = plan_for(host, loop.path, WipeOptions(method=Method.ZERO))
    assert [r.code for r in plan.refusals] == ["wipe.held"]
    assert execute_plan(host, plan, journal=Journal(tmp_path / "j")).status is \
        ErasureStatus.SKIPPED
    assert loop.digest() == before


def _dm_available() -> bool:
    if shutil.which("dmsetup") is None:
        return False
    return subprocess.run(["dmsetup", "version"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _dm_available(), reason="no device-mapper in this kernel")
def test_real_dm_holder_is_refused_and_intact(make_loop, tmp_path, capsys):
    loop = make_loop(16 * MIB)
    name = f"deuxvie-test-{loop.name}"
    table = f"0 {16 * MIB // 512} linear {loop.path} 0\n"
    subprocess.run(["dmsetup", "create", name], input=table, text=True, check=True)
    try:
        usage = device_usage(LocalHost(), loop.path)
        assert usage.holders and name in usage.holders[0]
        before = loop.digest()
        rc, records = _run_cli([loop.path, "--journal-dir", str(tmp_path / "j")], capsys)
        assert rc == 1 and records[0]["status"] == "SKIPPED"
        assert loop.digest() == before
    finally:
        subprocess.run(["dmsetup", "remove", name], check=False)


def test_read_only_device_is_refused(make_loop, tmp_path, capsys):
    loop = make_loop(8 * MIB, read_only=True)
    before = loop.digest()
    rc, records = _run_cli([loop.path, "--journal-dir", str(tmp_path / "j")], capsys)
    assert rc == 1 and records[0]["status"] == "SKIPPED"
    assert records[0]["reasons"][0]["code"] == "wipe.read_only"
    assert loop.digest() == before


def test_kernel_exclusive_open_stops_a_wipe_the_probe_missed(make_loop, tmp_path):
    """Even if the usage probe were fooled (here: an empty mountinfo), O_EXCL makes the
    kernel refuse to open a mounted device for writing."""
    loop = make_loop(32 * MIB, fill=False)
    with mounted(loop.path, tmp_path / "mnt"):
        host = InjectingHost(mounted_ok=True)
        plan = plan_for(host, loop.path, WipeOptions(method=Method.ZERO))
        assert not plan.refused
        before = loop.digest()
        rec = execute_plan(host, plan, journal=Journal(tmp_path / "j"))
        assert rec.status is ErasureStatus.FAILED and rec.bytes_written == 0
        assert "EBUSY" in rec.reasons[-1].en or "busy" in rec.reasons[-1].en.lower()
        assert loop.digest() == before


def test_unknown_device_is_a_clear_error(capsys):
    rc = cli_main(["wipe", "/dev/does-not-exist"])
    assert rc == 2
    assert "not a block device" in capsys.readouterr().err
