"""CPU stress: every logical CPU runs a known-answer kernel for the policy duration.

Each worker process loops over two checked operations:
  - SHA-256 of a fixed 64 KiB buffer (integer ALU, the digest is a constant);
  - an int64 64x64 matrix product (multiply/add units; numpy's integer matmul does not
    use BLAS, so the result is exact and the same on every machine).
A wrong answer means the processor (or its power delivery / cooling) is unstable: FAILED.
Meanwhile the parent samples temperatures (psutil.sensors_temperatures) once a second and
reads the kernel's thermal-throttle counters through the Host before and after.
"""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from deuxvie.diagnostics.common import Progress, no_progress, utc_now
from deuxvie.host.base import Host
from deuxvie.i18n import reason
from deuxvie.model.common import Reason
from deuxvie.model.diagnostics import DiagnosticResult, TestStatus

_BLOCK = bytes(range(256)) * 256  # 64 KiB
# Known answers, constants (not computed on the machine under test, whose CPU may be the
# faulty part); tests/diagnostics recomputes them.
SHA256_OF_BLOCK = "7daca2095d0438260fa849183dfc67faa459fdf4936e1bc91eec6b281b27e4c2"
MATMUL_CHECKSUM = -248784749980433
_N = 64

FanSampler = Callable[[], dict[str, int | None]]
TempSampler = Callable[[], dict[str, float]]


def _matrices() -> tuple[np.ndarray, np.ndarray]:
    idx = np.arange(_N * _N, dtype=np.int64).reshape(_N, _N)
    a = (idx * 2654435761) % 1000003 - 500000
    b = (idx.T * 40503) % 65537 - 32768
    return a, b


def _matmul_checksum(a: np.ndarray, b: np.ndarray) -> int:
    c = a @ b
    # Weighted sum: a transposed or shifted result gives another checksum.
    w = np.arange(1, _N * _N + 1, dtype=np.int64).reshape(_N, _N)
    return int((c * w).sum())


def computed_answers() -> tuple[str, int]:
    """What this machine computes for the two kernels (tests compare with the constants)."""
    return hashlib.sha256(_BLOCK).hexdigest(), _matmul_checksum(*_matrices())


def _worker(duration_s: float, sha_expected: str, mm_expected: int, wrong_at: int | None,
            out: Any) -> None:
    # One process per logical CPU; numpy must not spawn its own threads here.
    a, b = _matrices()
    ops = 0
    errors = 0
    first_error: str | None = None
    deadline = time.monotonic() + duration_s
    while time.monotonic() < deadline:
        for _ in range(8):
            digest = hashlib.sha256(_BLOCK).hexdigest()
            if wrong_at is not None and ops == wrong_at:
                digest = "0" * 64  # test hook: the value a faulty ALU would produce
            if digest != sha_expected:
                errors += 1
                first_error = first_error or f"sha256 op {ops}: {digest}"
            ops += 1
            check = _matmul_checksum(a, b)
            if check != mm_expected:
                errors += 1
                first_error = first_error or f"matmul op {ops}: {check}"
            ops += 1
    out.put((os.getpid(), ops, errors, first_error))


def psutil_temperatures() -> dict[str, float]:
    """Current temperatures by "chip/label" (psutil reads /sys/class/hwmon)."""
    import psutil

    readings: dict[str, float] = {}
    try:
        sensors = psutil.sensors_temperatures()
    except (AttributeError, OSError):  # not Linux, or hwmon unreadable
        return readings
    for chip, entries in sensors.items():
        for i, e in enumerate(entries):
            if e.current is not None and -40 < e.current < 150:  # drop bogus sensor values
                readings[f"{chip}/{e.label or i}"] = float(e.current)
    return readings


def throttle_counts(host: Host) -> dict[str, int]:
    """Kernel thermal-throttle event counters (x86 therm_throt), by cpu and kind."""
    counts: dict[str, int] = {}
    base = "/sys/devices/system/cpu"
    try:
        cpus = [c for c in host.listdir(base) if c.startswith("cpu") and c[3:].isdigit()]
    except OSError:
        return counts
    for cpu in cpus:
        for kind in ("core_throttle_count", "package_throttle_count"):
            value = host.read_text_or(f"{base}/{cpu}/thermal_throttle/{kind}")
            if value is not None and value.isdigit():
                counts[f"{cpu}/{kind}"] = int(value)
    return counts


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def run_cpu_stress(
    host: Host,
    *,
    duration_s: float = 60.0,
    time_limit_s: float | None = None,
    progress: Progress = no_progress,
    workers: int | None = None,
    temperature_warn_c: float = 90.0,
    temperature_fail_c: float = 100.0,
    throttle_events_warn_above: int = 0,
    sample_temperatures: TempSampler = psutil_temperatures,
    inject_wrong_result_at: int | None = None,
    sample_interval_s: float = 1.0,
    sample_fans: FanSampler | None = None,
) -> DiagnosticResult:
    """Stress all logical CPUs for `duration_s` (never longer than `time_limit_s`).
    `sample_fans` (hwmon fan rpm by "chip/label") is read with the temperatures: a fan at
    0 rpm under this load is a dead fan (issue #12, function "fans")."""
    started = utc_now()
    n = workers or _cpu_count()
    run_s = min(duration_s, time_limit_s) if time_limit_s is not None else duration_s
    sha_expected, mm_expected = SHA256_OF_BLOCK, MATMUL_CHECKSUM
    throttle_before = throttle_counts(host)
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    procs = [
        ctx.Process(target=_worker, args=(run_s, sha_expected, mm_expected,
                                          inject_wrong_result_at if i == 0 else None, queue),
                    daemon=True)
        for i in range(n)
    ]
    # numpy's int matmul is single-threaded, but keep OpenBLAS/OMP quiet in the children.
    saved = {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")}
    os.environ.update({"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"})
    t0 = time.monotonic()
    try:
        for p in procs:
            p.start()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    temps_max: dict[str, float] = {}
    fans_max: dict[str, int | None] = {}
    samples = 0
    while True:
        elapsed = time.monotonic() - t0
        for key, value in sample_temperatures().items():
            temps_max[key] = max(value, temps_max.get(key, value))
        # The first samples come before the fan controller reacts: keep each fan's maximum.
        for key, rpm in (sample_fans() if sample_fans is not None else {}).items():
            prev = fans_max.get(key)
            fans_max[key] = rpm if prev is None else max(prev, rpm if rpm is not None else prev)
        samples += 1
        progress(min(elapsed / run_s, 1.0), f"CPU stress {elapsed:.0f}/{run_s:.0f} s")
        if elapsed >= run_s or not any(p.is_alive() for p in procs):
            break
        time.sleep(min(sample_interval_s, max(0.02, run_s - elapsed)))
    results = []
    for _ in procs:
        try:
            results.append(queue.get(timeout=max(10.0, run_s)))
        except Exception:
            break
    for p in procs:
        p.join(timeout=5)
        if p.is_alive():
            p.kill()
    elapsed = max(time.monotonic() - t0, 1e-9)
    throttle_after = throttle_counts(host)
    throttle_events = sum(max(0, v - throttle_before.get(k, 0)) for k, v in throttle_after.items())
    ops = sum(r[1] for r in results)
    errors = sum(r[2] for r in results)
    first_error = next((r[3] for r in results if r[3]), None)
    max_temp = max(temps_max.values(), default=None)
    measurements: dict[str, Any] = {
        "logical_cpus": n,
        "duration_s": round(elapsed, 3),
        "ops": ops,
        "ops_per_s": round(ops / elapsed, 1),
        "ops_per_s_per_cpu": round(ops / elapsed / n, 1),
        "errors": errors,
        "first_error": first_error,
        "max_temperature_c": max_temp,
        "temperatures_max_c": temps_max,
        **({"fans_max_rpm": fans_max} if sample_fans is not None else {}),
        "temperature_samples": samples,
        "throttle_events": throttle_events,
        "throttle_counters_found": bool(throttle_after),
        "workers_reported": len(results),
    }
    fails: list[Reason] = []
    warns: list[Reason] = []
    if errors:
        fails.append(reason(
            "cpu.wrong_result",
            f"{errors} résultat(s) faux pendant le test de charge ({first_error})",
            f"{errors} wrong result(s) during the stress test ({first_error})"))
    if len(results) < n:
        fails.append(reason(
            "cpu.worker_died", f"{n - len(results)} processus de test sur {n} n'ont pas abouti",
            f"{n - len(results)} of {n} stress workers did not finish"))
    if max_temp is not None and max_temp >= temperature_fail_c:
        fails.append(reason(
            "cpu.overheat", f"Température maximale {max_temp:.0f} °C (limite "
            f"{temperature_fail_c:.0f} °C)", f"Maximum temperature {max_temp:.0f} °C (limit "
            f"{temperature_fail_c:.0f} °C)"))
    elif max_temp is not None and max_temp >= temperature_warn_c:
        warns.append(reason(
            "cpu.hot", f"Température maximale {max_temp:.0f} °C : nettoyer le ventilateur, "
            "changer la pâte thermique", f"Maximum temperature {max_temp:.0f} °C: clean the "
            "fan, renew the thermal paste"))
    if throttle_events > throttle_events_warn_above:
        warns.append(reason(
            "cpu.throttled", f"{throttle_events} épisode(s) de bridage thermique",
            f"{throttle_events} thermal throttling event(s)"))
    status = (TestStatus.FAILED if fails else TestStatus.WARNING if warns
              else TestStatus.PASSED)
    return DiagnosticResult(name="cpu_stress", target=None, status=status,
                            measurements=measurements, reasons=tuple(fails + warns),
                            started_at=started, ended_at=utc_now())
