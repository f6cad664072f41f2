"""ATA Sanitize and ATA Security Erase through hdparm 9.65.

hdparm's exit status is not evidence: QEMU's AHCI disk aborts SECURITY ERASE UNIT and
hdparm still exits 0 with the data untouched (QEMU-RIG.md). Every step is therefore
followed by re-reading the drive state (`hdparm -I`, `--sanitize-status`), and the data
is verified afterwards anyway.

Security Erase uses a fixed, documented password ("deuxvie"): if the machine dies
between SET PASSWORD and the erase, the operator can still unlock/disable it; a random
one would brick the donor's disk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from deuxvie.parsers.errors import ParseError

ERASE_PASSWORD = "deuxvie"


@dataclass(frozen=True)
class AtaSecurity:
    supported: bool
    enabled: bool
    locked: bool
    frozen: bool
    enhanced_erase: bool
    erase_minutes: int | None
    enhanced_erase_minutes: int | None
    sanitize: bool
    crypto_scramble: bool
    block_erase: bool
    overwrite: bool


def _flag(lines: list[str], word: str) -> bool | None:
    """hdparm prints "\\tnot\\tfrozen" or "\\t\\tfrozen" in the Security section."""
    for line in lines:
        parts = line.split()
        if parts == [word]:
            return True
        if parts == ["not", word]:
            return False
    return None


def parse_identify(text: str) -> AtaSecurity:
    """Security and sanitize capabilities from `hdparm -I DEV`."""
    if "Security:" not in text and "Commands/features:" not in text:
        raise ParseError("hdparm -I: no Security or Commands/features section")
    lines = text.splitlines()
    sec: list[str] = []
    if "Security:" in text:
        start = next(i for i, ln in enumerate(lines) if ln.startswith("Security:"))
        for ln in lines[start + 1:]:
            if ln and not ln.startswith("\t"):
                break
            sec.append(ln)
    supported = _flag(sec, "supported") or False
    minutes = re.search(r"(\d+)min for SECURITY ERASE UNIT", text)
    enh_minutes = re.search(r"(\d+)min for ENHANCED SECURITY ERASE UNIT", text)
    features = text.split("Security:")[0]
    return AtaSecurity(
        supported=supported,
        enabled=bool(_flag(sec, "enabled")),
        locked=bool(_flag(sec, "locked")),
        frozen=bool(_flag(sec, "frozen")),
        enhanced_erase=any("supported: enhanced erase" in ln for ln in sec),
        erase_minutes=int(minutes.group(1)) if minutes else None,
        enhanced_erase_minutes=int(enh_minutes.group(1)) if enh_minutes else None,
        sanitize="SANITIZE feature set" in features,
        crypto_scramble="CRYPTO_SCRAMBLE_EXT command" in features,
        block_erase="BLOCK_ERASE_EXT command" in features,
        overwrite="OVERWRITE_EXT command" in features,
    )


@dataclass(frozen=True)
class AtaSanitizeState:
    state: str  # "SD0" idle, "SD1" frozen, "SD2" in process, "SD3" failed
    progress: float | None  # 0..1 while SD2
    last_ok: bool | None  # "Last Sanitize Operation Completed Without Error"
    text: str


def parse_sanitize_status(text: str) -> AtaSanitizeState:
    """`hdparm --sanitize-status DEV`: "State:    SD2 Sanitize operation In Process" and
    "Progress: 0x8000 (50%)" (hdparm 9.65 sanitize.c)."""
    m = re.search(r"State:\s+(SD\d)\b", text)
    if not m:
        if "SANITIZE feature set is not supported" in text:
            raise ParseError("hdparm --sanitize-status: SANITIZE feature set is not supported")
        raise ParseError("hdparm --sanitize-status: no State line")
    p = re.search(r"Progress:\s+0x([0-9a-fA-F]+)", text)
    progress = int(p.group(1), 16) / 0x10000 if p else None
    last_ok: bool | None = None
    if "Completed Without Error" in text:
        last_ok = True
    elif "completed unsuccessfully" in text:
        last_ok = False
    return AtaSanitizeState(m.group(1), progress, last_ok, text.strip())


# --- argv (pure) -----------------------------------------------------------------------

def identify_argv(dev: str) -> tuple[str, ...]:
    return ("hdparm", "-I", dev)


def sanitize_argv(dev: str, action: str) -> tuple[str, ...]:
    flag = {"block-erase": "--sanitize-block-erase",
            "crypto-scramble": "--sanitize-crypto-scramble"}.get(action)
    if flag is not None:
        return ("hdparm", "--yes-i-know-what-i-am-doing", flag, dev)
    if action == "overwrite":
        # One pass of zeros (pattern is a 32-bit value; passes 1 = a single pass).
        return ("hdparm", "--yes-i-know-what-i-am-doing", "--sanitize-overwrite-passes", "1",
                "--sanitize-overwrite", "hex:00000000", dev)
    raise ValueError(f"unknown ATA sanitize action {action!r}")


def sanitize_status_argv(dev: str) -> tuple[str, ...]:
    return ("hdparm", "--sanitize-status", dev)


def set_pass_argv(dev: str) -> tuple[str, ...]:
    return ("hdparm", "--user-master", "u", "--security-set-pass", ERASE_PASSWORD, dev)


def erase_argv(dev: str, enhanced: bool) -> tuple[str, ...]:
    flag = "--security-erase-enhanced" if enhanced else "--security-erase"
    return ("hdparm", "--user-master", "u", flag, ERASE_PASSWORD, dev)


def disable_argv(dev: str) -> tuple[str, ...]:
    return ("hdparm", "--user-master", "u", "--security-disable", ERASE_PASSWORD, dev)


def unfreeze_argv(seconds: int = 5) -> tuple[str, ...]:
    # Suspend-to-RAM cuts the disks' power; most BIOSes do not re-freeze them on resume,
    # which is the classic way out of "frozen" (ATA wiki, ATA Secure Erase).
    return ("rtcwake", "-m", "mem", "-s", str(seconds))
