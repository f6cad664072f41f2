"""A screen's EDID, decoded (VESA E-EDID 1.3/1.4)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DisplayMode:
    width: int
    height: int
    refresh_hz: float


@dataclass(frozen=True)
class EdidInfo:
    version: str  # "1.3", "1.4"
    manufacturer: str  # 3-letter PNP id
    product_code: int
    serial_number: int | None  # the 32-bit number; None when 0
    name: str | None  # 0xFC, else last 0xFE text (laptop panel part number)
    serial_text: str | None  # 0xFF
    week: int | None
    year: int | None
    width_cm: int | None
    height_cm: int | None
    diagonal_in: float | None
    preferred: DisplayMode | None
    digital: bool
    extensions: int
    checksum_valid: bool = True  # every 128-byte block sums to 0 mod 256 (E-EDID 3.11)
