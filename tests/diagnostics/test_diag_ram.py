"""RAM test: passes on healthy memory, finds a flipped bit and reports its offset."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from deuxvie.diagnostics.ram_test import mem_available_bytes, run_ram_test
from deuxvie.host.local import LocalHost
from deuxvie.model.diagnostics import TestStatus as St

MIB = 1024 * 1024


def test_healthy_run_passes_and_measures_throughput() -> None:
    seen: list[float] = []
    r = run_ram_test(LocalHost(), size_bytes=96 * MIB, seed=7,
                     progress=lambda f, m: seen.append(f))
    assert r.status is St.PASSED and r.reasons == ()
    m = r.measurements
    assert m["error_count"] == 0 and m["tested_bytes"] == 96 * MIB
    assert m["patterns_verified"] == 4
    assert m["bytes_moved"] == 8 * 96 * MIB
    assert m["throughput_gb_per_s"] > 0
    assert seen[-1] == 1.0 and seen == sorted(seen)


@pytest.mark.parametrize("pattern", ["walking-ones", "walking-zeros", "address", "random"])
def test_flipped_bit_fails_with_its_offset(pattern: str) -> None:
    # 80 MiB: the fault sits in the fifth 16 MiB chunk, past the first check windows.
    offset_word = (70 * MIB) // 8 + 3

    def flip(buf: np.ndarray, name: str) -> None:
        if name == pattern:
            buf[offset_word] ^= np.uint64(1 << 17)

    r = run_ram_test(LocalHost(), size_bytes=80 * MIB, seed=1, fault_hook=flip)
    assert r.status is St.FAILED
    assert r.measurements["error_count"] == 1
    err = r.measurements["errors"][0]
    assert err["offset_bytes"] == offset_word * 8
    assert err["pattern"] == pattern and err["bits"] == 1
    assert int(err["expected"], 16) ^ int(err["actual"], 16) == 1 << 17
    assert r.reasons[0].code == "ram.errors"
    assert str(offset_word * 8) in r.reasons[0].en


def test_address_pattern_catches_aliasing() -> None:
    # Two addresses that alias (a stuck address line) read back the other one's value.
    def alias(buf: np.ndarray, name: str) -> None:
        if name == "address":
            buf[1000:1008] = buf[2000:2008]

    r = run_ram_test(LocalHost(), size_bytes=MIB, seed=1, fault_hook=alias,
                     patterns=("address",))
    assert r.status is St.FAILED and r.measurements["error_count"] == 8


def test_time_limit_zero_is_untested_not_passed() -> None:
    r = run_ram_test(LocalHost(), size_bytes=MIB, time_limit_s=0.0)
    assert r.status is St.UNTESTED


def test_size_from_meminfo(tmp_path: Path) -> None:
    from deuxvie.host.bundle import ReplayHost

    (tmp_path / "manifest.json").write_text(
        '{"format": "deuxvie-bundle/1", "closed_world": true}')
    meminfo = tmp_path / "fs" / "proc" / "meminfo"
    meminfo.parent.mkdir(parents=True)
    meminfo.write_text("MemTotal:        8024364 kB\nMemFree:          243100 kB\n"
                       "MemAvailable:       4096 kB\n")
    host = ReplayHost(tmp_path)
    assert mem_available_bytes(host) == 4096 * 1024
    r = run_ram_test(host, fraction_pct=50, seed=3)
    assert r.status is St.PASSED and r.measurements["tested_bytes"] == 2048 * 1024
