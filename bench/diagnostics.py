"""Diagnostics throughput: RAM test GB/s and CPU stress ops/s on this machine.

Run: python -m bench.diagnostics   (sizes from the environment:
DEUXVIE_BENCH_RAM_MIB, default 1024; DEUXVIE_BENCH_CPU_S, default 5)
"""

from __future__ import annotations

import os

from deuxvie.diagnostics.cpu_stress import run_cpu_stress
from deuxvie.diagnostics.ram_test import run_ram_test
from deuxvie.host import LocalHost

MIB = 1024 * 1024


def run() -> list[str]:
    host = LocalHost()
    ram_mib = int(os.environ.get("DEUXVIE_BENCH_RAM_MIB", "1024"))
    cpu_s = float(os.environ.get("DEUXVIE_BENCH_CPU_S", "5"))
    lines = []
    # Two runs: the first one pays the page faults of fresh memory, as the real test does.
    for label in ("cold", "warm"):
        r = run_ram_test(host, size_bytes=ram_mib * MIB, seed=1)
        m = r.measurements
        lines.append(
            f"ram test   {ram_mib} MiB x 4 patterns ({label}): "
            f"{m['throughput_gb_per_s']:.2f} GB/s moved, {m['duration_s']:.1f} s, {r.status.value}"
        )
        per_gib_s = m["duration_s"] / (ram_mib / 1024)
        lines.append(f"           -> about {per_gib_s * 6.8:.0f} s for 85 % of 8 GiB")
    r = run_cpu_stress(host, duration_s=cpu_s)
    m = r.measurements
    lines.append(
        f"cpu stress {m['logical_cpus']} logical CPUs, {m['duration_s']:.1f} s: "
        f"{m['ops_per_s']:.0f} checked ops/s ({m['ops_per_s_per_cpu']:.0f} per CPU), "
        f"max temperature {m['max_temperature_c']} °C, throttle events "
        f"{m['throttle_events']}, {r.status.value}"
    )
    return lines


if __name__ == "__main__":
    print("\n".join(run()))
