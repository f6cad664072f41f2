"""Host Protected Area and Device Configuration Overlay (hdparm -N, --dco-identify).

An HPA hides the end of the disk from the OS, and so from an overwrite: an HPA left in
place means the wipe cannot be certified (DESIGN.md, Erasure).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from deuxvie.parsers.errors import ParseError


@dataclass(frozen=True)
class HpaState:
    visible_sectors: int
    native_sectors: int
    enabled: bool  # hdparm: "HPA is enabled"

    @property
    def hidden_sectors(self) -> int:
        return max(0, self.native_sectors - self.visible_sectors)


def parse_hdparm_n(text: str) -> HpaState:
    """` max sectors   = 1953523055/1953525168, HPA is enabled` (hdparm 9.65)."""
    m = re.search(r"max sectors\s*=\s*(\d+)/(\d+)(?:,\s*HPA is (enabled|disabled))?", text)
    if not m:
        raise ParseError("hdparm -N: no 'max sectors = N/M' line")
    visible, native = int(m.group(1)), int(m.group(2))
    enabled = m.group(3) == "enabled" if m.group(3) else visible < native
    return HpaState(visible, native, enabled)


def parse_dco_real_max(text: str) -> int:
    """`Real max sectors: N` from hdparm --dco-identify."""
    m = re.search(r"Real max sectors:\s*(\d+)", text)
    if not m:
        raise ParseError("hdparm --dco-identify: no 'Real max sectors' line")
    return int(m.group(1))


def hpa_argv(dev: str) -> tuple[str, ...]:
    return ("hdparm", "-N", dev)


def dco_argv(dev: str) -> tuple[str, ...]:
    return ("hdparm", "--dco-identify", dev)


def restore_argv(dev: str, native_sectors: int) -> tuple[str, ...]:
    # "p" makes it permanent: the refurbished PC's next owner gets the whole disk.
    return ("hdparm", "--yes-i-know-what-i-am-doing", f"-Np{native_sectors}", dev)
