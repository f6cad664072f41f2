"""I/O errors: bounded retries, failing sectors pinned down and recorded, the rest of
the disk still written, status FAILED."""

from __future__ import annotations

import errno
import shutil
import subprocess

import pytest
from deuxvie.host.block import BlockIO
from deuxvie.host.local import LocalHost
from deuxvie.model.erasure import ErasureStatus
from deuxvie.wipe.engine import WipeHooks, execute_plan
from deuxvie.wipe.journal import Journal
from deuxvie.wipe.plan import Method, WipeOptions

from .conftest import MIB
from .helpers import plan_for

pytestmark = pytest.mark.root


class FaultyBlock:
    """Wraps a real device; I/O touching [bad_start, bad_end) fails with EIO, either
    always or only the first `transient` times (a link reset that a retry cures)."""

    def __init__(self, inner: BlockIO, bad_start: int, bad_end: int, phase: str = "write",
                 transient: int | None = None) -> None:
        self.inner, self.bad_start, self.bad_end, self.phase = inner, bad_start, bad_end, phase
        self.transient = transient
        self.failures = 0
        self.path = inner.path
        self.size_bytes = inner.size_bytes
        self.logical_sector_bytes = inner.logical_sector_bytes
        self.physical_sector_bytes = inner.physical_sector_bytes
        self.direct = inner.direct

    def _check(self, offset: int, n: int, phase: str) -> None:
        if phase != self.phase or offset + n <= self.bad_start or offset >= self.bad_end:
            return
        if self.transient is not None and self.failures >= self.transient:
            return
        self.failures += 1
        raise OSError(errno.EIO, "Input/output error")

    def pwrite(self, buf: memoryview, offset: int) -> int:
        self._check(offset, len(buf), "write")
        return self.inner.pwrite(buf, offset)

    def preadinto(self, buf: memoryview, offset: int) -> int:
        self._check(offset, len(buf), "read")
        return self.inner.preadinto(buf, offset)

    def fsync(self) -> None:
        self.inner.fsync()

    def close(self) -> None:
        self.inner.close()


def _run(loop_path, tmp_path, wrap, **opts):
    host = LocalHost()
    plan = plan_for(host, loop_path, WipeOptions(**opts))
    return execute_plan(host, plan, journal=Journal(tmp_path / "j"),
                        hooks=WipeHooks(wrap_block=wrap))


def test_write_errors_are_pinned_down_and_the_rest_is_written(make_loop, tmp_path):
    size = 32 * MIB
    loop = make_loop(size)
    bad_start, bad_end = 10 * MIB + 4096, 10 * MIB + 4096 + 3 * 512
    rec = _run(loop.path, tmp_path, lambda d: FaultyBlock(d, bad_start, bad_end),
               method=Method.ZERO)
    assert rec.status is ErasureStatus.FAILED
    writes = [e for e in rec.errors if e.phase == "write"]
    assert [(e.offset_bytes, e.length_bytes) for e in writes] == [(bad_start, 3 * 512)]
    assert "EIO" in writes[0].message
    assert rec.bytes_written == size - 3 * 512
    data = loop.backing.read_bytes()
    assert data[:bad_start].count(0) == bad_start  # before the bad sectors: written
    assert data[bad_end:].count(0) == size - bad_end  # after them too: it continued
    assert data[bad_start:bad_end] != bytes(bad_end - bad_start)  # donor data remains
    # The verify pass sees the unwritten sectors too.
    assert any(e.phase == "verify" and e.offset_bytes == bad_start for e in rec.errors)
    assert any(r.code == "io_errors" for r in rec.reasons)


def test_errors_in_blocks_of_both_workers_are_recorded_in_device_order(make_loop, tmp_path):
    # 4 MiB blocks, two workers: blocks 1 and 6 are written by whichever worker is free
    size = 32 * MIB
    loop = make_loop(size)
    first, second = 5 * MIB, 25 * MIB + 8192
    rec = _run(loop.path, tmp_path,
               lambda d: FaultyBlock(FaultyBlock(d, second, second + 512), first, first + 1024),
               method=Method.RANDOM)
    assert rec.status is ErasureStatus.FAILED
    writes = [(e.offset_bytes, e.length_bytes) for e in rec.errors if e.phase == "write"]
    assert writes == [(first, 1024), (second, 512)]
    assert rec.bytes_written == size - 1536
    data = loop.backing.read_bytes()
    assert data[:first].count(0) < first // 2  # random data around the bad sectors
    assert data[first + 1024:second].count(0) < (second - first) // 2


def test_read_errors_during_verify_fail_the_wipe(make_loop, tmp_path):
    loop = make_loop(16 * MIB)
    rec = _run(loop.path, tmp_path, lambda d: FaultyBlock(d, 5 * MIB, 5 * MIB + 512, "read"),
               method=Method.RANDOM)
    assert rec.status is ErasureStatus.FAILED
    assert [(e.phase, e.offset_bytes, e.length_bytes) for e in rec.errors] == [
        ("verify", 5 * MIB, 512)]
    assert rec.bytes_written == 16 * MIB and rec.bytes_verified == 16 * MIB - 512


def test_transient_error_is_retried_and_certified(make_loop, tmp_path):
    loop = make_loop(16 * MIB)
    holder: list[FaultyBlock] = []

    def wrap(d: BlockIO) -> FaultyBlock:
        holder.append(FaultyBlock(d, 3 * MIB, 3 * MIB + 512, transient=2))
        return holder[-1]

    rec = _run(loop.path, tmp_path, wrap, method=Method.ZERO)
    assert holder[0].failures == 2  # retried within the bound, then succeeded
    assert rec.status is ErasureStatus.ERASED and rec.errors == ()


def _dm_available() -> bool:
    return shutil.which("dmsetup") is not None and subprocess.run(
        ["dmsetup", "version"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _dm_available(), reason="no device-mapper in this kernel")
def test_dm_error_target_in_the_middle(make_loop, tmp_path):
    loop = make_loop(16 * MIB)
    name = f"deuxvie-err-{loop.name}"
    s = 16 * MIB // 512
    table = (f"0 {s // 2} linear {loop.path} 0\n"
             f"{s // 2} 8 error\n"
             f"{s // 2 + 8} {s - s // 2 - 8} linear {loop.path} {s // 2 + 8}\n")
    subprocess.run(["dmsetup", "create", name], input=table, text=True, check=True)
    try:
        host = LocalHost()
        plan = plan_for(host, f"/dev/mapper/{name}", WipeOptions(method=Method.ZERO))
        rec = execute_plan(host, plan, journal=Journal(tmp_path / "j"))
        assert rec.status is ErasureStatus.FAILED
        writes = [e for e in rec.errors if e.phase == "write"]
        assert [(e.offset_bytes, e.length_bytes) for e in writes] == [(8 * MIB, 8 * 512)]
    finally:
        subprocess.run(["dmsetup", "remove", name], check=False)
