"""RAM test: fill most of the available memory with patterns and verify them (numpy).

Patterns (each written over the whole region, then read back and compared):
  walking-ones    word i holds 1 << (i mod 64): every bit lane of every word toggles
  walking-zeros   the complement
  address         word i holds its own virtual address (catches address-line faults:
                  two addresses aliasing to the same cells read back the wrong address)
  random          a seeded SFC64 stream mixed with the word index, regenerated for
                  the check (no second copy of the region is kept)

Limits, said plainly: this runs in user space, so the kernel chooses which physical
pages we get and errors are reported as offsets into the test buffer (and virtual
addresses), not DIMM slots; it cannot test the memory the live system itself uses.
numpy moves several GB/s per core, so 85 % of 8 GB takes about a minute (bench/).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from deuxvie.diagnostics.common import Progress, no_progress, utc_now
from deuxvie.host.base import Host
from deuxvie.i18n import reason
from deuxvie.model.common import Reason
from deuxvie.model.diagnostics import DiagnosticResult, TestStatus

WORD = 8
CHUNK_WORDS = 2 * 1024 * 1024  # 16 MiB per step: bounded temporaries for the check
MAX_ERRORS_KEPT = 64
PATTERNS = ("walking-ones", "walking-zeros", "address", "random")

# fault_hook(buffer, pattern_name): called after a pattern is written and before it is
# verified. Tests use it to flip a bit, as a failing DIMM would.
FaultHook = Callable[[np.ndarray, str], None]


@dataclass(frozen=True)
class MemoryError_:
    offset_bytes: int
    virtual_address: int
    pattern: str
    expected: int
    actual: int

    @property
    def bits(self) -> int:
        return bin(self.expected ^ self.actual).count("1")


def mem_available_bytes(host: Host) -> int:
    """MemAvailable from /proc/meminfo (kernel >= 3.14): what can be used without swapping."""
    for line in host.read_text("/proc/meminfo").splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    raise ValueError("/proc/meminfo has no MemAvailable line")


class _Buffers(threading.local):
    """Per-thread temporaries: the expected words, a mixing buffer, the mismatch mask."""

    def __init__(self, chunk_words: int) -> None:
        self.expect = np.empty(chunk_words, dtype=np.uint64)
        self.tmp = np.empty(chunk_words, dtype=np.uint64)
        self.mask = np.empty(chunk_words, dtype=bool)


class _Patterns:
    """Writes pattern words for any chunk, fast: numpy allocations page-fault at ~0.7 GB/s
    on small machines, so every index array is computed once and reused (bench/)."""

    _RANDOM_PERIOD = 65536  # words of seeded randomness per chunk, mixed with the index
    _MIX = np.uint64(0x9E3779B97F4A7C15)  # 2^64 / golden ratio: consecutive words differ

    def __init__(self, chunk_words: int, base_addr: int, seed: int) -> None:
        self.base_addr = base_addr
        self.seed = seed
        j = np.arange(chunk_words, dtype=np.uint64)
        self.idx8 = j * np.uint64(WORD)
        self.idx_mix = j * self._MIX  # wraps modulo 2^64, as intended
        self.walk = np.left_shift(np.uint64(1), np.arange(64, dtype=np.uint64))

    def _tile(self, out: np.ndarray, period: np.ndarray) -> None:
        p = period.shape[0]
        whole = out.shape[0] // p * p
        if whole:
            np.copyto(out[:whole].reshape(-1, p), period)
        if whole < out.shape[0]:
            out[whole:] = period[: out.shape[0] - whole]

    def fill(self, out: np.ndarray, pattern: str, first_word: int, chunk_index: int,
             tmp: np.ndarray) -> None:
        n = out.shape[0]
        if pattern in ("walking-ones", "walking-zeros"):
            # chunks start at multiples of 64 words, so word i holds 1 << (i mod 64)
            self._tile(out, self.walk)
            if pattern == "walking-zeros":
                np.invert(out, out=out)
        elif pattern == "address":
            np.add(self.idx8[:n], np.uint64((self.base_addr + first_word * WORD) % 2**64),
                   out=out)
        elif pattern == "random":
            # A seeded SFC64 block per (seed, chunk), XORed with a multiplicative hash of the
            # word index: every word differs, and the check regenerates it exactly.
            rng = np.random.SFC64([self.seed, chunk_index])
            self._tile(out, rng.random_raw(self._RANDOM_PERIOD))
            tmp = tmp[:n]
            np.add(self.idx_mix[:n], np.uint64(first_word * int(self._MIX) % 2**64), out=tmp)
            np.bitwise_xor(out, tmp, out=out)
        else:
            raise ValueError(pattern)


def run_ram_test(
    host: Host,
    *,
    size_bytes: int | None = None,
    fraction_pct: float = 85.0,
    passes: int = 1,
    time_limit_s: float = 3600.0,
    progress: Progress = no_progress,
    seed: int | None = None,
    fault_hook: FaultHook | None = None,
    patterns: tuple[str, ...] = PATTERNS,
    threads: int | None = None,
) -> DiagnosticResult:
    started = utc_now()
    if size_bytes is None:
        size_bytes = int(mem_available_bytes(host) * fraction_pct / 100)
    words = max(1, size_bytes // WORD)
    seed = int(time.time_ns() & 0xFFFFFFFF) if seed is None else seed
    try:
        buf = np.empty(words, dtype=np.uint64)
    except MemoryError:
        return DiagnosticResult(
            name="ram", target=None, status=TestStatus.UNTESTED, started_at=started,
            ended_at=utc_now(), measurements={"requested_bytes": words * WORD},
            reasons=(reason("ram.alloc_failed",
                            f"Impossible de réserver {words * WORD / 2**30:.1f} Gio pour le test",
                            f"Could not allocate {words * WORD / 2**30:.1f} GiB for the test"),),
        )
    base = int(buf.ctypes.data)
    chunk_words = min(CHUNK_WORDS, words)
    maker = _Patterns(chunk_words, base, seed)
    local = _Buffers(chunk_words)
    errors: list[MemoryError_] = []
    error_count = 0
    lock = threading.Lock()

    def do_chunk(ci: int, pattern: str, write: bool) -> None:
        nonlocal error_count
        start = ci * CHUNK_WORDS
        stop = min(start + CHUNK_WORDS, words)
        view = buf[start:stop]
        if write:
            maker.fill(view, pattern, start, ci, local.tmp)
            return
        expect = local.expect[: stop - start]
        maker.fill(expect, pattern, start, ci, local.tmp)
        mask = local.mask[: stop - start]
        np.not_equal(view, expect, out=mask)
        if not mask.any():
            return
        bad = np.flatnonzero(mask)
        with lock:
            error_count += int(bad.size)
            for i in bad[: max(0, MAX_ERRORS_KEPT - len(errors))]:
                off = (start + int(i)) * WORD
                errors.append(MemoryError_(off, base + off, pattern, int(expect[i]),
                                           int(view[i])))

    # numpy releases the GIL inside its loops: one thread per CPU fills and checks chunks
    # side by side (2x on a 2-core machine, see bench/diagnostics.py).
    n_threads = max(1, threads if threads is not None else len(os.sched_getaffinity(0)))
    chunks = range((words + CHUNK_WORDS - 1) // CHUNK_WORDS)
    moved = 0
    steps_total = passes * len(patterns) * 2
    step = 0
    verified = 0
    t0 = time.monotonic()
    timed_out = False
    with ThreadPoolExecutor(max_workers=n_threads) as pool:
        for _ in range(passes):
            for pattern in patterns:
                for write in (True, False):
                    if time.monotonic() - t0 > time_limit_s:
                        timed_out = True
                        break
                    if not write and fault_hook is not None:
                        fault_hook(buf, pattern)
                    list(pool.map(lambda ci, p=pattern, w=write: do_chunk(ci, p, w), chunks))
                    moved += words * WORD
                    step += 1
                    verified += 0 if write else 1
                    progress(step / steps_total,
                             f"RAM {pattern} {'write' if write else 'verify'}")
                if timed_out:
                    break
            if timed_out:
                break
    errors.sort(key=lambda e: e.offset_bytes)
    elapsed = max(time.monotonic() - t0, 1e-9)
    measurements = {
        "tested_bytes": words * WORD,
        "patterns": list(patterns),
        "passes": passes,
        "seed": seed,
        "steps_done": step,
        "patterns_verified": verified,
        "steps_total": steps_total,
        "bytes_moved": moved,
        "throughput_gb_per_s": round(moved / elapsed / 1e9, 3),
        "duration_s": round(elapsed, 3),
        "threads": n_threads,
        "error_count": error_count,
        "errors": [
            {"offset_bytes": e.offset_bytes, "virtual_address": hex(e.virtual_address),
             "pattern": e.pattern, "expected": hex(e.expected), "actual": hex(e.actual),
             "bits": e.bits}
            for e in errors
        ],
    }
    reasons: tuple[Reason, ...]
    if error_count:
        first = errors[0]
        status = TestStatus.FAILED
        reasons = (reason(
            "ram.errors",
            f"{error_count} erreur(s) mémoire, première à l'octet {first.offset_bytes} du test "
            f"(motif {first.pattern})",
            f"{error_count} memory error(s), first at byte offset {first.offset_bytes} of the "
            f"test buffer (pattern {first.pattern})",
        ),)
    elif timed_out and not verified:
        status = TestStatus.UNTESTED
        reasons = (reason("ram.no_time", "Aucun motif vérifié dans la limite de temps",
                          "No pattern verified within the time limit"),)
    elif timed_out:
        status = TestStatus.WARNING
        reasons = (reason(
            "ram.partial", f"Test mémoire interrompu par la limite de temps ({step}/"
            f"{steps_total} étapes)", f"Memory test cut by the time limit ({step}/{steps_total} "
            "steps)"),)
    else:
        status = TestStatus.PASSED
        reasons = ()
    return DiagnosticResult(name="ram", target=None, status=status, measurements=measurements,
                            reasons=reasons, started_at=started, ended_at=utc_now())
