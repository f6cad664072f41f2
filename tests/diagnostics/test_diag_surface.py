"""Surface scan on real loop devices (root), opened through the Host like every layer: the
real LocalHost, and Host fakes whose opened disk fails or slows chosen reads; device-mapper
read errors too."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from deuxvie.diagnostics.surface import plan_offsets, run_surface_scan
from deuxvie.host.base import HostError
from deuxvie.host.block import BlockIO
from deuxvie.host.local import LocalHost
from deuxvie.model.diagnostics import TestStatus as St

MIB = 1024 * 1024
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root for loop devices")


@pytest.fixture
def loop_dev(tmp_path: Path) -> Iterator[str]:
    image = tmp_path / "disk.img"
    with open(image, "wb") as fh:
        fh.write(os.urandom(8 * MIB))  # real data, then a sparse tail
        fh.truncate(64 * MIB)
    dev = subprocess.run(["losetup", "--find", "--show", str(image)], check=True,
                         capture_output=True, text=True).stdout.strip()
    try:
        yield dev
    finally:
        subprocess.run(["losetup", "-d", dev], check=False)  # only the device we got


def test_plan_sampled_covers_edges_and_strata() -> None:
    size = 1000 * MIB
    plan = plan_offsets(size, MIB, 4096, "sampled", 1.0, seed=5)
    offsets = [o for o, _ in plan]
    assert offsets[0] == 0 and offsets == sorted(offsets)
    assert plan[-1][0] + plan[-1][1] == size  # the last MiB is read
    assert all(o % 4096 == 0 and o + n <= size for o, n in plan)
    assert 10 <= len(plan) <= 12  # 10 strata of 100 MiB + first and last MiB
    for i in range(10):  # one sample in every stratum
        assert any(i * 100 * MIB <= o < (i + 1) * 100 * MIB for o in offsets)
    assert plan == plan_offsets(size, MIB, 4096, "sampled", 1.0, seed=5)
    full = plan_offsets(size + 4096, MIB, 4096, "full", 1.0, seed=5)
    assert sum(n for _, n in full) == size + 4096


@needs_root
def test_full_scan_of_a_healthy_loop_device(loop_dev: str) -> None:
    seen: list[float] = []
    r = run_surface_scan(LocalHost(), loop_dev, target="LOOP", mode="full",
                         progress=lambda f, m: seen.append(f))
    assert r.status is St.PASSED, r.reasons
    m = r.measurements
    assert m["scanned_bytes"] == 64 * MIB and m["coverage_pct"] == 100.0
    assert m["unreadable_sectors"] == 0 and m["reads"] == 64
    assert m["throughput_mb_per_s"] > 0 and seen[-1] == 1.0


@needs_root
def test_sampled_scan_reads_a_fraction(loop_dev: str) -> None:
    r = run_surface_scan(LocalHost(), loop_dev, sample_pct=10, seed=1)
    assert r.status is St.PASSED
    assert 8 * MIB <= r.measurements["scanned_bytes"] <= 10 * MIB


class FailingLBAs:
    """A real opened loop device whose reads fail with EIO over [first, last] LBAs, as a
    disk with a bad patch answers (the kernel returns EIO for the whole request)."""

    def __init__(self, path: str, first: int, last: int) -> None:
        self.inner = LocalHost().open_block(path, write=False)
        self.path = path
        self.size_bytes = self.inner.size_bytes
        self.logical_sector_bytes = self.inner.logical_sector_bytes
        self.first, self.last = first, last

    def preadinto(self, buf: memoryview, offset: int) -> int:
        s = self.logical_sector_bytes
        if offset // s <= self.last and (offset + len(buf)) // s > self.first:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return self.inner.preadinto(buf, offset)

    def close(self) -> None:
        self.inner.close()


class FaultyHost(LocalHost):
    """The real host, but the disk it opens for reading is wrapped (bad LBAs, slow reads)."""

    def __init__(self, wrap: Callable[[str], FailingLBAs]) -> None:
        super().__init__()
        self.wrap = wrap
        self.opened: list[tuple[str, bool]] = []

    def open_block(self, path: str, write: bool) -> BlockIO:
        self.opened.append((path, write))
        return self.wrap(path)  # type: ignore[return-value]


@needs_root
def test_unreadable_lbas_are_listed(loop_dev: str) -> None:
    host = FaultyHost(lambda p: FailingLBAs(p, 20000, 20007))
    r = run_surface_scan(host, loop_dev, mode="full")
    assert host.opened == [(loop_dev, False)]  # through the host, read-only
    assert r.status is St.FAILED
    assert r.measurements["unreadable_lbas"] == list(range(20000, 20008))
    assert r.measurements["unreadable_sectors"] == 8
    assert r.reasons[0].code == "surface.unreadable" and "20000" in r.reasons[0].en
    # everything else was read
    assert r.measurements["scanned_bytes"] == 64 * MIB


def test_missing_device_is_untested() -> None:
    r = run_surface_scan(LocalHost(), "/dev/does-not-exist")
    assert r.status is St.UNTESTED and r.reasons[0].code == "surface.open_failed"


def test_a_host_that_cannot_open_disks_leaves_the_scan_untested() -> None:
    class ReplayLike(LocalHost):  # a replayed machine has no disks to read
        def open_block(self, path: str, write: bool) -> BlockIO:
            raise HostError(f"replay cannot open block device {path}")

    r = run_surface_scan(ReplayLike(), "/dev/sda")
    assert r.status is St.UNTESTED
    assert r.reasons[0].code == "surface.open_failed" and "/dev/sda" in r.reasons[0].en


def _dm_works() -> bool:
    if shutil.which("dmsetup") is None:
        return False
    return subprocess.run(["dmsetup", "targets"], capture_output=True).returncode == 0


@needs_root
@pytest.mark.skipif(not _dm_works(), reason="device-mapper not available in this kernel")
def test_device_mapper_error_target(loop_dev: str) -> None:
    # 64 MiB = 131072 sectors of 512 B: sectors 40960..40967 answer EIO for real.
    name = f"deuxvie-surface-{os.getpid()}"
    table = (f"0 40960 linear {loop_dev} 0\n40960 8 error\n"
             f"40968 {131072 - 40968} linear {loop_dev} 40968\n")
    subprocess.run(["dmsetup", "create", name], input=table, text=True, check=True)
    try:
        r = run_surface_scan(LocalHost(), f"/dev/mapper/{name}", mode="full")
    finally:
        subprocess.run(["dmsetup", "remove", name], check=False)
    assert r.status is St.FAILED
    assert r.measurements["unreadable_lbas"] == list(range(40960, 40968))


class SlowAt(FailingLBAs):
    """Reads touching [first, last] take 500 ms (a weak sector the drive retries)."""

    def preadinto(self, buf: memoryview, offset: int) -> int:
        import time

        s = self.logical_sector_bytes
        if offset // s <= self.last and (offset + len(buf)) // s > self.first:
            time.sleep(0.5)
        return self.inner.preadinto(buf, offset)


@needs_root
def test_slow_reads_warn(loop_dev: str) -> None:
    r = run_surface_scan(FaultyHost(lambda p: SlowAt(p, 4096, 4096)), loop_dev, mode="full",
                         slow_read_ms=300)
    assert r.status is St.WARNING
    assert [s["offset_bytes"] for s in r.measurements["slow_reads"]] == [2 * MIB]
    assert r.reasons[0].code == "surface.slow_reads"
