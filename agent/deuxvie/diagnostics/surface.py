"""Disk surface read scan: sampled (default) or full, O_DIRECT, read-only.

The disk is opened through the injected Host (`host.open_block(path, write=False)`: for
LocalHost O_RDONLY | O_DIRECT, host/block.py) and read into an mmap-aligned buffer, so the
page cache never answers for the disk. Sampled mode reads
`sample_pct` of the LBA range in stratified blocks (one random block per equal stratum,
seeded, so the whole range is covered evenly) plus the first and last MiB, where
partition tables and backup GPT live. A block that fails is re-read in 64 KiB pieces
and then sector by sector, to list the unreadable LBAs; every read is timed and reads
slower than the policy's limit are listed (MHDD / Victoria call > 500 ms a bad block).
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field
from typing import Any

from deuxvie.diagnostics.common import Progress, no_progress, status_from_reasons, utc_now
from deuxvie.host.base import Host, HostError
from deuxvie.host.block import BlockIO, aligned_buffer
from deuxvie.i18n import reason
from deuxvie.model.common import Reason
from deuxvie.model.diagnostics import DiagnosticResult, TestStatus

MIB = 1024 * 1024
SUB_BLOCK = 64 * 1024
MAX_BAD_LBAS_KEPT = 1000
MAX_SLOW_KEPT = 200


def plan_offsets(size_bytes: int, block_bytes: int, align: int, mode: str, sample_pct: float,
                 seed: int) -> list[tuple[int, int]]:
    """(offset, length) pairs to read, sorted, aligned to `align`, never past the end."""
    end = size_bytes // align * align
    if end <= 0:
        return []

    def clip(off: int) -> tuple[int, int]:
        off = max(0, min(off // align * align, end - align))
        return off, min(block_bytes, end - off)

    if mode == "full":
        return [clip(o) for o in range(0, end, block_bytes)]
    wanted = {clip(0)}
    edge = min(MIB, end)
    wanted.update(clip(o) for o in range(0, edge, block_bytes))  # first MiB
    wanted.update(clip(o) for o in range(end - edge, end, block_bytes))  # last MiB
    n = max(1, math.ceil(end * sample_pct / 100 / block_bytes))
    rng = random.Random(seed)
    stratum = end / n
    for i in range(n):
        lo = int(i * stratum)
        span = max(0, int(stratum) - block_bytes)
        wanted.add(clip(lo + rng.randrange(span + 1)))
    return sorted(wanted)


@dataclass
class _Scan:
    dev: BlockIO
    buf: memoryview
    slow_s: float
    bad_lbas: list[int]
    bad_count: int = 0
    slow: list[dict[str, Any]] = field(default_factory=list)
    bytes_read: int = 0
    reads: int = 0
    max_read_s: float = 0.0
    first_error: str | None = None

    def read(self, offset: int, length: int) -> bool:
        t = time.monotonic()
        try:
            got = self.dev.preadinto(self.buf[:length], offset)
            ok = got == length
            if not ok and self.first_error is None:
                self.first_error = f"short read at {offset}: {got} of {length} bytes"
        except OSError as exc:
            ok = False
            if self.first_error is None:
                self.first_error = f"{exc.strerror or exc} at byte {offset}"
        elapsed = time.monotonic() - t
        self.reads += 1
        self.max_read_s = max(self.max_read_s, elapsed)
        if ok:
            self.bytes_read += length
            if elapsed > self.slow_s and len(self.slow) < MAX_SLOW_KEPT:
                self.slow.append({"offset_bytes": offset, "length_bytes": length,
                                  "ms": round(elapsed * 1000, 1)})
        return ok

    def locate(self, offset: int, length: int) -> None:
        """A failed block: find its unreadable sectors (64 KiB pieces, then sectors)."""
        sector = self.dev.logical_sector_bytes
        for sub in range(offset, offset + length, SUB_BLOCK):
            sub_len = min(SUB_BLOCK, offset + length - sub)
            if self.read(sub, sub_len):
                continue
            for s in range(sub, sub + sub_len, sector):
                if not self.read(s, sector):
                    self.bad_count += 1
                    if len(self.bad_lbas) < MAX_BAD_LBAS_KEPT:
                        self.bad_lbas.append(s // sector)


def run_surface_scan(
    host: Host,
    device: str,
    *,
    target: str | None = None,
    mode: str = "sampled",
    sample_pct: float = 1.0,
    block_bytes: int = MIB,
    slow_read_ms: float = 500.0,
    slow_reads_warn_above: int = 0,
    time_limit_s: float = 3600.0,
    progress: Progress = no_progress,
    seed: int | None = None,
) -> DiagnosticResult:
    """Read-scan `device` (a block device path; the host opens it read-only)."""
    if mode not in ("sampled", "full"):
        raise ValueError(f"surface mode must be sampled or full, not {mode!r}")
    started = utc_now()
    seed = random.randrange(2**32) if seed is None else seed
    measurements: dict[str, Any] = {"device": device, "mode": mode, "seed": seed,
                                    "block_bytes": block_bytes}

    def result(status: TestStatus, *reasons: Reason) -> DiagnosticResult:
        return DiagnosticResult(name="surface", target=target, status=status,
                                measurements=measurements, reasons=reasons,
                                started_at=started, ended_at=utc_now())

    try:
        dev = host.open_block(device, write=False)
    except (OSError, HostError) as exc:
        why = (exc.strerror if isinstance(exc, OSError) else None) or exc
        return result(TestStatus.UNTESTED, reason(
            "surface.open_failed", f"Disque impossible à ouvrir : {why}",
            f"Cannot open the disk: {why}"))
    raw = aligned_buffer(block_bytes)
    view = memoryview(raw)
    try:
        align = max(4096, dev.logical_sector_bytes)
        block_bytes = max(align, block_bytes // align * align)
        plan = plan_offsets(dev.size_bytes, block_bytes, align, mode, sample_pct, seed)
        planned = sum(length for _, length in plan)
        scan = _Scan(dev, view, slow_read_ms / 1000, [])
        t0 = time.monotonic()
        done_bytes = 0
        timed_out = False
        last_report = 0.0
        for offset, length in plan:
            if time.monotonic() - t0 > time_limit_s:
                timed_out = True
                break
            if not scan.read(offset, length):
                scan.locate(offset, length)
            done_bytes += length
            now = time.monotonic()
            if now - last_report > 0.5:
                last_report = now
                progress(done_bytes / planned, f"surface {done_bytes // MIB}/{planned // MIB} MiB")
        elapsed = max(time.monotonic() - t0, 1e-9)
    finally:
        view.release()
        raw.close()
        dev.close()
    progress(1.0, "surface done")
    measurements.update(
        size_bytes=dev.size_bytes,
        logical_sector_bytes=dev.logical_sector_bytes,
        planned_bytes=planned,
        scanned_bytes=done_bytes,
        coverage_pct=round(100 * done_bytes / dev.size_bytes, 3) if dev.size_bytes else 0.0,
        reads=scan.reads,
        duration_s=round(elapsed, 3),
        throughput_mb_per_s=round(scan.bytes_read / elapsed / 1e6, 1),
        max_read_ms=round(scan.max_read_s * 1000, 1),
        unreadable_sectors=scan.bad_count,
        unreadable_lbas=scan.bad_lbas,
        slow_reads=scan.slow,
        first_error=scan.first_error,
    )
    fails: list[Reason] = []
    warns: list[Reason] = []
    if scan.bad_count:
        first = scan.bad_lbas[0] if scan.bad_lbas else None
        fails.append(reason(
            "surface.unreadable",
            f"{scan.bad_count} secteur(s) illisible(s), premier LBA {first}",
            f"{scan.bad_count} unreadable sector(s), first LBA {first}"))
    elif scan.first_error:
        # Every sector read back on retry: a weak spot, not (yet) a bad one.
        warns.append(reason(
            "surface.read_retried", f"Erreur de lecture passagère : {scan.first_error}",
            f"Transient read error (read fine on retry): {scan.first_error}"))
    slow = len(scan.slow)
    if slow > slow_reads_warn_above:
        warns.append(reason(
            "surface.slow_reads",
            f"{slow} lecture(s) de plus de {slow_read_ms:.0f} ms (secteurs faibles)",
            f"{slow} read(s) slower than {slow_read_ms:.0f} ms (weak sectors)"))
    if timed_out:
        warns.append(reason(
            "surface.partial",
            f"Lecture arrêtée par la limite de temps à {done_bytes // MIB} Mio sur "
            f"{planned // MIB}", f"Scan stopped by the time limit at {done_bytes // MIB} of "
            f"{planned // MIB} MiB"))
        if done_bytes == 0 and not fails:
            return result(TestStatus.UNTESTED, *warns)
    return result(status_from_reasons(fails, warns), *fails, *warns)
