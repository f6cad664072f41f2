"""Overwrite + verify on real loop devices; every byte is read back independently
(from the backing file, not through the engine's own code path)."""

from __future__ import annotations

import collections
import os
import threading
import zlib
from pathlib import Path

import pytest
from deuxvie.host.block import BlockIO
from deuxvie.host.local import LocalHost
from deuxvie.model.erasure import ErasureStatus, NistCategory
from deuxvie.wipe.engine import WipeHooks, execute_plan, run_wipes
from deuxvie.wipe.journal import Journal
from deuxvie.wipe.plan import Method, WipeOptions
from deuxvie.wipe.progress import WipeProgress

from .conftest import MIB
from .helpers import plan_for

pytestmark = pytest.mark.root


def _wipe(loop_path: str, tmp_path: Path, hooks: WipeHooks | None = None, **opts: object):
    host = LocalHost()
    plan = plan_for(host, loop_path, WipeOptions(**opts))  # type: ignore[arg-type]
    assert not plan.refused, plan.refusals
    return execute_plan(host, plan, journal=Journal(tmp_path / "journal"), hooks=hooks)


def test_zero_wipe_writes_and_verifies_every_byte(make_loop, tmp_path):
    # 64 MiB + 12 KiB: the tail is not a multiple of the 4 MiB block.
    size = 64 * MIB + 12 * 1024
    loop = make_loop(size)
    assert loop.backing.read_bytes()[:5] == b"DONOR"
    rec = _wipe(loop.path, tmp_path, method=Method.ZERO)
    assert rec.status is ErasureStatus.ERASED, rec.reasons
    assert rec.category is NistCategory.CLEAR
    assert rec.bytes_written == size and rec.bytes_verified == size
    assert rec.verification_coverage_pct == 100.0
    assert rec.media.apparent_size_bytes == size and rec.bytes_total == size
    data = loop.backing.read_bytes()
    assert len(data) == size
    assert data.count(0) == size  # every byte, including the tail


def test_random_wipe_is_not_zeros_and_leaves_no_donor_data(make_loop, tmp_path):
    size = 32 * MIB + 4096
    loop = make_loop(size)
    rec = _wipe(loop.path, tmp_path, method=Method.RANDOM)
    assert rec.status is ErasureStatus.ERASED, rec.reasons
    assert rec.pattern == "aes-256-ctr" and rec.technique == "overwrite-aes-ctr"
    data = loop.backing.read_bytes()
    assert b"DONOR" not in data
    # Keystream: incompressible, bytes evenly spread, no zero sector.
    assert len(zlib.compress(data[: 4 * MIB])) > 4 * MIB * 0.99
    counts = collections.Counter(data[:MIB])
    assert max(counts.values()) < 4096 * 1.5 and len(counts) == 256
    zero_sector = bytes(512)
    assert all(data[o:o + 512] != zero_sector for o in range(0, size, 512))


def test_two_random_passes_use_fresh_keys(make_loop, tmp_path):
    loop = make_loop(8 * MIB)
    seen: list[bytes] = []

    def after(dev: BlockIO) -> None:
        seen.append(loop.backing.read_bytes()[:4096])

    rec = _wipe(loop.path, tmp_path, WipeHooks(after_write=after), method=Method.RANDOM,
                passes=2)
    assert rec.status is ErasureStatus.ERASED and rec.passes == 2
    assert rec.bytes_written == 2 * 8 * MIB
    first = loop.backing.read_bytes()[:4096]
    rec2 = _wipe(loop.path, tmp_path, method=Method.RANDOM)
    assert rec2.status is ErasureStatus.ERASED
    assert loop.backing.read_bytes()[:4096] != first


def test_4kn_device_with_tail(make_loop, tmp_path):
    size = 40 * MIB + 8192
    loop = make_loop(size, sector=4096)
    rec = _wipe(loop.path, tmp_path, method=Method.RANDOM, verify="sample:5")
    assert rec.media.logical_sector_bytes == 4096
    assert rec.status is ErasureStatus.ERASED_WITH_WARNINGS  # sampled, not full
    assert any(r.code == "sampled" for r in rec.reasons)
    rec = _wipe(loop.path, tmp_path, method=Method.ZERO)
    assert rec.status is ErasureStatus.ERASED
    assert loop.backing.read_bytes().count(0) == size


def _corrupt(loop_backing: Path, offset: int) -> WipeHooks:
    def after(dev: BlockIO) -> None:
        # Alter the medium behind the engine's back, between write and verify.
        fd = os.open(dev.path, os.O_WRONLY)
        try:
            os.pwrite(fd, b"\x5a" * 512, offset)
            os.fsync(fd)
        finally:
            os.close(fd)
        with open(dev.path, "rb") as fh:  # drop the page cache the pwrite went through
            import fcntl

            fcntl.ioctl(fh.fileno(), 0x1261, 0)

    return WipeHooks(after_write=after)


@pytest.mark.parametrize("method", [Method.ZERO, Method.RANDOM])
def test_sample_verify_catches_altered_block(make_loop, tmp_path, method):
    size = 64 * MIB
    loop = make_loop(size)
    offset = size - 3 * 512  # inside the last MiB, which every sample reads
    rec = _wipe(loop.path, tmp_path, _corrupt(loop.backing, offset), method=method,
                verify="sample:2")
    assert rec.status is ErasureStatus.FAILED
    assert rec.verification_coverage_pct < 10
    bad = [e for e in rec.errors if e.phase == "verify"]
    assert [(e.offset_bytes, e.length_bytes) for e in bad] == [(offset, 512)]
    assert "differs" in bad[0].message


def test_full_verify_catches_altered_block_in_the_middle(make_loop, tmp_path):
    size = 64 * MIB
    loop = make_loop(size)
    offset = 37 * MIB + 1024
    rec = _wipe(loop.path, tmp_path, _corrupt(loop.backing, offset), method=Method.ZERO)
    assert rec.status is ErasureStatus.FAILED
    assert [(e.offset_bytes, e.length_bytes) for e in rec.errors] == [(offset, 512)]
    assert rec.bytes_verified == size - 512


def test_verify_none_is_never_certified(make_loop, tmp_path):
    loop = make_loop(8 * MIB)
    rec = _wipe(loop.path, tmp_path, method=Method.ZERO, verify="none")
    assert rec.status is ErasureStatus.FAILED
    assert any(r.code == "unverified" for r in rec.reasons)


def test_parallel_wipes_report_progress_per_disk(make_loop, tmp_path):
    loops = [make_loop(48 * MIB, name=f"d{i}") for i in range(2)]
    host = LocalHost()
    plans = [plan_for(host, lp.path, WipeOptions(method=Method.RANDOM)) for lp in loops]
    events: list[WipeProgress] = []
    lock = threading.Lock()

    def cb(p: WipeProgress) -> None:
        with lock:
            events.append(p)

    recs = run_wipes(host, plans, cb, journal=Journal(tmp_path / "j"))
    assert [r.status for r in recs] == [ErasureStatus.ERASED] * 2
    assert [r.device for r in recs] == [lp.path for lp in loops]
    for lp in loops:
        mine = [e for e in events if e.device == lp.path]
        assert {"write", "verify", "done"} <= {e.phase for e in mine}
        writes = [e for e in mine if e.phase == "write"]
        assert writes[-1].bytes_done == writes[-1].bytes_total == 48 * MIB
        assert all(e.bytes_per_s >= 0 for e in mine)
