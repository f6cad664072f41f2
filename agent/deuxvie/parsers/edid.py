"""EDID blob (or a text holding its hex dump) -> EdidInfo.

Offsets and rules from VESA E-EDID Release A Rev. 2 (EDID 1.4), section 3; the same base
block layout holds for EDID 1.3. Only block 0 is decoded: everything the inventory needs
(maker, product, serial, date, size, preferred mode) lives there.
"""

from __future__ import annotations

import math
import re

from deuxvie.model.edid import DisplayMode, EdidInfo
from deuxvie.parsers.errors import ParseError

__all__ = ["edid_bytes", "parse_edid"]

HEADER = bytes.fromhex("00ffffffffffff00")
BLOCK = 128
_HEX_LINE = re.compile(r"^\s*(?:[0-9a-fA-F]{1,8}:\s+)?((?:[0-9a-fA-F]{2}\s*)+)$")


def parse_edid(data: bytes | str) -> EdidInfo:
    """Decode block 0 of an EDID; ParseError when there is no well-formed EDID in `data`."""
    blob = edid_bytes(data)
    b = blob[:BLOCK]
    version = f"{b[18]}.{b[19]}"
    if b[18] != 1:
        raise ParseError(f"EDID version {version} is not 1.x")
    width, height = b[21] or None, b[22] or None  # 0 = undefined / projector (3.6.2)
    diagonal = None
    if width and height:
        diagonal = round(math.hypot(width, height) / 2.54, 1)
    week, year = _week_year(b)
    name, serial_text = _descriptors(b)
    serial = int.from_bytes(b[12:16], "little")
    return EdidInfo(
        version=version,
        manufacturer=_pnp_id(b[8], b[9]),
        product_code=int.from_bytes(b[10:12], "little"),
        serial_number=serial or None,
        name=name,
        serial_text=serial_text,
        week=week,
        year=year,
        width_cm=width,
        height_cm=height,
        diagonal_in=diagonal,
        preferred=_detailed_timing(b[54:72]),
        digital=bool(b[20] & 0x80),
        extensions=b[126],
        checksum_valid=all(
            sum(blob[i : i + BLOCK]) % 256 == 0 for i in range(0, len(blob) - BLOCK + 1, BLOCK)
        ),
    )


def edid_bytes(data: bytes | str) -> bytes:
    """The raw EDID: the blob itself, or the hex dump found in a text (edid-decode, xrandr)."""
    if isinstance(data, bytes) and data.startswith(HEADER):
        blob = data
    else:
        text = data.decode("latin-1") if isinstance(data, bytes) else data
        blob = _hex_dump(text)
    if len(blob) < BLOCK:
        raise ParseError(f"EDID is {len(blob)} bytes, a base block is {BLOCK}")
    whole = BLOCK * (1 + blob[126])
    return blob[:whole] if len(blob) >= whole else blob[: len(blob) - len(blob) % BLOCK]


def _hex_dump(text: str) -> bytes:
    """Bytes of the first hex dump in `text` that starts with the EDID header.

    edid-decode prints blocks separated by blank lines; any other line ends the dump.
    """
    digits: list[str] = []
    for line in text.splitlines():
        m = _HEX_LINE.match(line)
        if m:
            digits.append(re.sub(r"\s", "", m.group(1)))
        elif digits and line.strip():
            joined = "".join(digits)
            if HEADER.hex() in joined.lower():
                break
            digits = []
    hexstr = "".join(digits).lower()
    start = hexstr.find(HEADER.hex())
    if start < 0 or start % 2:
        raise ParseError("no EDID: neither a binary blob nor a hex dump with 00ffffffffffff00")
    hexstr = hexstr[start:]
    return bytes.fromhex(hexstr[: len(hexstr) - len(hexstr) % 2])


def _pnp_id(hi: int, lo: int) -> str:
    """Three 5-bit letters, 1 = 'A' (section 3.4.1)."""
    word = (hi << 8) | lo
    letters = [(word >> 10) & 0x1F, (word >> 5) & 0x1F, word & 0x1F]
    return "".join(chr(ord("A") + v - 1) if 1 <= v <= 26 else "?" for v in letters)


def _week_year(b: bytes) -> tuple[int | None, int | None]:
    """Section 3.4.4: week 0 = unspecified, 1..54 valid, 0xFF = the year is a *model* year."""
    week_byte, year_byte = b[16], b[17]
    year: int | None = 1990 + year_byte
    if b[19] >= 4 and year_byte < 0x10:
        year = None  # EDID 1.4: year values 0x00-0x0F are reserved (before 2006 / unset)
    if week_byte == 0xFF:
        return None, year  # model year: no week of manufacture
    return (week_byte if 1 <= week_byte <= 54 else None), year


def _descriptors(b: bytes) -> tuple[str | None, str | None]:
    """Monitor name (0xFC), else the last unspecified text (0xFE); serial string (0xFF).

    Laptop panels rarely carry 0xFC; their 0xFE strings hold the panel maker then the panel
    part number (e.g. "AUO", "B140HAN04.0"), so the last one is the useful name.
    """
    name = serial = last_text = None
    for off in (54, 72, 90, 108):
        d = b[off : off + 18]
        if d[0] or d[1]:  # a detailed timing, not a display descriptor (3.10.3)
            continue
        text = _descriptor_text(d[5:18])
        if d[3] == 0xFC:
            name = (name + text) if name and text else (name or text)
        elif d[3] == 0xFF:
            serial = text
        elif d[3] == 0xFE and text:
            last_text = text
    return name or last_text, serial


def _descriptor_text(raw: bytes) -> str | None:
    """ASCII up to the 0x0A terminator or the first non-printable byte.

    Dell panels put a binary suffix after the part number ("RWKR7" 0x80 "140BGA"); edid-decode
    stops at the same place.
    """
    out = []
    for byte in raw:
        if byte < 0x20 or byte > 0x7E:
            break
        out.append(chr(byte))
    return "".join(out).strip() or None


def _detailed_timing(d: bytes) -> DisplayMode | None:
    """Section 3.10.2: pixel clock in 10 kHz units, 12-bit active/blanking counts."""
    clock_hz = int.from_bytes(d[0:2], "little") * 10_000
    if clock_hz == 0:
        return None
    h_active = d[2] | ((d[4] & 0xF0) << 4)
    h_blank = d[3] | ((d[4] & 0x0F) << 8)
    v_active = d[5] | ((d[7] & 0xF0) << 4)
    v_blank = d[6] | ((d[7] & 0x0F) << 8)
    total = (h_active + h_blank) * (v_active + v_blank)
    if h_active == 0 or v_active == 0 or total == 0:
        return None
    refresh = clock_hz / total
    if d[17] & 0x80:
        # Interlaced: the vertical counts are per field, so a frame is twice as tall.
        v_active *= 2
    return DisplayMode(width=h_active, height=v_active, refresh_hz=round(refresh, 2))
