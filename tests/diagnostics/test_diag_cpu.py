"""CPU stress: known answers, a healthy 1.5 s run on every CPU, an injected wrong result."""

from __future__ import annotations

import os
from pathlib import Path

from deuxvie.diagnostics.cpu_stress import (
    MATMUL_CHECKSUM,
    SHA256_OF_BLOCK,
    computed_answers,
    run_cpu_stress,
    throttle_counts,
)
from deuxvie.host.bundle import ReplayHost
from deuxvie.host.local import LocalHost
from deuxvie.model.diagnostics import TestStatus as St


def test_known_answers_are_what_a_healthy_cpu_computes() -> None:
    assert computed_answers() == (SHA256_OF_BLOCK, MATMUL_CHECKSUM)


def test_healthy_run_passes_on_all_cpus() -> None:
    r = run_cpu_stress(LocalHost(), duration_s=1.5, sample_temperatures=lambda: {"k10/Tctl": 55.0})
    assert r.status is St.PASSED, r.reasons
    m = r.measurements
    assert m["logical_cpus"] == len(os.sched_getaffinity(0))
    assert m["workers_reported"] == m["logical_cpus"]
    assert m["errors"] == 0 and m["ops"] > 0 and m["ops_per_s"] > 0
    assert 1.4 < m["duration_s"] < 15
    assert m["max_temperature_c"] == 55.0 and m["temperature_samples"] >= 2


def test_injected_wrong_result_fails() -> None:
    r = run_cpu_stress(LocalHost(), duration_s=1.0, workers=2, inject_wrong_result_at=4,
                       sample_temperatures=dict)
    assert r.status is St.FAILED
    assert r.measurements["errors"] == 1
    assert [x.code for x in r.reasons] == ["cpu.wrong_result"]
    assert "sha256 op 4" in r.reasons[0].en


def test_heat_and_throttling(tmp_path: Path) -> None:
    # Replayed sysfs: throttle counters read 3 then 7 on cpu0 (4 new events).
    (tmp_path / "manifest.json").write_text('{"format": "deuxvie-bundle/1", "closed_world": true}')
    base = tmp_path / "fs/sys/devices/system/cpu/cpu0/thermal_throttle"
    base.mkdir(parents=True)
    counter = base / "core_throttle_count"
    counter.write_text("3\n")
    host = ReplayHost(tmp_path)
    assert throttle_counts(host) == {"cpu0/core_throttle_count": 3}

    temps = iter([70.0, 93.0, 95.0] + [80.0] * 50)

    def sampler() -> dict[str, float]:
        counter.write_text("7\n")  # the kernel counted events while we ran
        return {"coretemp/Package id 0": next(temps)}

    r = run_cpu_stress(host, duration_s=1.0, workers=1, sample_temperatures=sampler,
                       sample_interval_s=0.1)
    assert r.status is St.WARNING
    assert r.measurements["max_temperature_c"] == 95.0
    assert r.measurements["throttle_events"] == 4
    assert {x.code for x in r.reasons} == {"cpu.hot", "cpu.throttled"}
    hot = run_cpu_stress(host, duration_s=0.3, workers=1, temperature_fail_c=60.0,
                         sample_temperatures=lambda: {"x/y": 61.0})
    assert hot.status is St.FAILED and hot.reasons[0].code == "cpu.overheat"


def test_throttle_counters_of_this_machine_are_integers() -> None:
    for value in throttle_counts(LocalHost()).values():
        assert value >= 0
