"""One erasure record per disk (NIST SP 800-88 Rev.1 Appendix G fields + nwipe/Blancco)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from deuxvie.model.common import Reason
from deuxvie.model.smart import SmartFacts


class ErasureStatus(enum.StrEnum):
    ERASED = "ERASED"
    ERASED_WITH_WARNINGS = "ERASED_WITH_WARNINGS"
    FAILED = "FAILED"
    INTERRUPTED = "INTERRUPTED"
    SKIPPED = "SKIPPED"

    @property
    def certifiable(self) -> bool:
        return self in (ErasureStatus.ERASED, ErasureStatus.ERASED_WITH_WARNINGS)


class NistCategory(enum.StrEnum):
    CLEAR = "Clear"
    PURGE = "Purge"


@dataclass(frozen=True)
class MediaIdentity:
    path: str
    by_id: str | None
    vendor: str | None
    model: str | None
    serial: str | None
    wwn: str | None
    firmware: str | None
    bus: str | None
    kind: str
    logical_sector_bytes: int
    physical_sector_bytes: int
    apparent_size_bytes: int
    native_size_bytes: int | None  # after HPA/DCO; None when unknown
    hpa: str | None  # "none" | "present" | "removed" | "unknown"
    dco: str | None


@dataclass(frozen=True)
class IoErrorRecord:
    offset_bytes: int
    length_bytes: int
    phase: str  # "write" | "verify" | "firmware"
    message: str


@dataclass(frozen=True)
class IoOperation:
    """What the engine itself did to the disk (no argv to show: it writes and reads the
    block device directly), for the certificate's "commands run"."""

    phase: str  # "write" | "verify"
    pattern: str  # "zero", "aes-256-ctr": written, or compared against
    bytes: int  # bytes written / read back
    block_bytes: int  # I/O size of each pwrite / read
    direct_io: bool | None  # O_DIRECT (page cache bypassed); None when unknown
    pass_no: int = 1  # write: pass number of `passes`
    passes: int = 1
    scope: str = "full"  # verify: "full" (whole disk) or "sample"
    ranges: int = 1  # verify: ranges read back


@dataclass(frozen=True)
class ErasureRecord:
    media: MediaIdentity
    status: ErasureStatus
    category: NistCategory | None
    technique: str  # "overwrite-zero", "overwrite-aes-ctr", "nvme-format-ses1", ...
    commands: tuple[tuple[str, ...], ...]  # exact argv of firmware commands run
    pattern: str | None
    passes: int
    verification: str  # "full" | "sample:PCT" | "none"
    verification_coverage_pct: float
    bytes_written: int
    bytes_verified: int
    errors: tuple[IoErrorRecord, ...]
    throughput_bytes_per_s: float | None
    started_at: str | None  # ISO 8601 UTC
    ended_at: str | None
    tool: str  # "deuxvie 0.1.0"
    reasons: tuple[Reason, ...]
    # SMART read just before and after the erasure (the certificate shows both); None when
    # not read (USB bridges without SAT pass-through, tool missing).
    smart_before: SmartFacts | None = None
    smart_after: SmartFacts | None = None
    # Added by the wipe engine (defaults keep older constructors valid).
    device: str = ""  # the path the operator gave (display only; identity is in media)
    errors_total: int = 0  # exact count even when `errors` is truncated
    bytes_total: int = 0  # addressable bytes of the device when wiped
    size_before_bytes: int | None = None  # apparent size before an HPA was removed
    size_after_bytes: int | None = None  # apparent size after
    duration_s: float | None = None
    verification_samples: int = 0  # ranges read back (1 for a full verify)
    firmware_log: tuple[str, ...] = ()  # status lines read back from the drive
    operations: tuple[IoOperation, ...] = ()  # the engine's own writes and verification reads
    smart_after_reason: str | None = None  # why smart_after is None (the disk did not answer)
