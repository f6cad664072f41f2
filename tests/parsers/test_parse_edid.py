"""parse_edid on real EDIDs (linuxhw/EDID): edid-decode text dumps and binary blobs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from deuxvie.model.edid import DisplayMode
from deuxvie.parsers import ParseError
from deuxvie.parsers.edid import edid_bytes, parse_edid

DATA = Path(__file__).resolve().parent.parent / "data" / "parsers" / "edid"

# name -> (version, maker, product, name, (w, h, Hz), cm, diagonal, digital, extensions, week, year)
EXPECTED: dict[str, tuple[Any, ...]] = {
    "ACI_24B1__B6805E0D316C": ("1.3", "ACI", 0x24B1, "PA248", (1920, 1200, 59.95), (55, 35),
                               25.7, True, 1, 20, 2015),
    # Laptop panel without 0xFC: name is the last 0xFE string (panel part number).
    "BOE_0864__C8D3AA6C79FA": ("1.4", "BOE", 0x0864, "NT156FHM-N61", (1920, 1080, 60.0),
                               (34, 19), 15.3, True, 0, 1, 2019),
    "BOE_0BC7__ED50C824494B": ("1.4", "BOE", 0x0BC7, "NE140QDM-NX4", (2560, 1600, 60.0),
                               (30, 19), 14.0, True, 2, 45, 2022),
    # Dell panel: 0xFE "RWKR7" followed by a binary suffix.
    "CMN_14D6__31F22FF30432": ("1.4", "CMN", 0x14D6, "RWKR7", (1366, 768, 60.0), (31, 17),
                               13.9, True, 0, 5, 2018),
    "DEL_D12C__EB20D3362540": ("1.4", "DEL", 0xD12C, "DELL S3422DWG", (3440, 1440, 59.97),
                               (80, 33), 34.1, True, 2, 5, 2023),
    # Analog (VGA) monitors.
    "DEL_F03C__AFDBE7F16A4A": ("1.3", "DEL", 0xF03C, "DELL IN2030M", (1600, 900, 59.98),
                               (44, 25), 19.9, False, 0, 35, 2011),
    "KVM_4308__D790677ED3C8": ("1.3", "KVM", 0x4308, "LCD Monitor17", (1280, 1024, 60.02),
                               (34, 27), 17.1, False, 0, 10, 2005),
    "GSM_5B71__E4DF345C1B24": ("1.4", "GSM", 0x5B71, "27GL650F", (1920, 1080, 143.98),
                               (53, 30), 24.0, True, 1, 2, 2020),
    "GSM_9E80__C1F8C291A2F2": ("1.4", "GSM", 0x9E80, "LG ULTRAWIDE", (3440, 1440, 72.0),
                               (93, 39), 39.7, True, 2, 6, 2022),
    "SAM_0F99__43C6B5F820EC": ("1.3", "SAM", 0x0F99, "C49RG9x", (3840, 1080, 59.97),
                               (119, 34), 48.7, True, 3, 50, 2020),
    # No name at all (neither 0xFC nor 0xFE text); week 0xFF = model year.
    "AUO_303E__D34C2A77058B": ("1.4", "AUO", 0x303E, None, (1600, 900, 60.06), (31, 17),
                               13.9, True, 0, None, 2012),
    "IVO_057D__D5847E528986": ("1.4", "IVO", 0x057D, "R140NWF5 RA", (1920, 1080, 60.01),
                               (31, 17), 13.9, True, 0, None, 2018),
}


def _summary(info: Any) -> tuple[Any, ...]:
    assert info.preferred is not None
    p = info.preferred
    return (
        info.version, info.manufacturer, info.product_code, info.name,
        (p.width, p.height, p.refresh_hz), (info.width_cm, info.height_cm), info.diagonal_in,
        info.digital, info.extensions, info.week, info.year,
    )


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_edid_decode_text(name: str) -> None:
    info = parse_edid((DATA / f"{name}.txt").read_bytes())
    assert _summary(info) == EXPECTED[name]
    assert info.checksum_valid


@pytest.mark.parametrize("name", sorted(p.stem for p in DATA.glob("*.bin")))
def test_binary_blob_equals_its_hex_dump(name: str) -> None:
    blob = (DATA / f"{name}.bin").read_bytes()
    assert edid_bytes((DATA / f"{name}.txt").read_text()) == blob
    assert len(blob) == 128 * (1 + blob[126])
    assert parse_edid(blob) == parse_edid((DATA / f"{name}.txt").read_bytes())


def test_serials() -> None:
    info = parse_edid((DATA / "DEL_D12C__EB20D3362540.txt").read_bytes())
    assert info.serial_text == "5ZG4TH3"
    assert info.serial_number == 808731990
    panel = parse_edid((DATA / "BOE_0864__C8D3AA6C79FA.txt").read_bytes())
    assert panel.serial_number is None and panel.serial_text is None


def _blob() -> bytearray:
    return bytearray((DATA / "BOE_0864__C8D3AA6C79FA.bin").read_bytes())


def test_bad_checksum_still_parses_and_is_recorded() -> None:
    blob = _blob()
    blob[0x30] ^= 0x01
    info = parse_edid(bytes(blob))
    assert not info.checksum_valid
    assert info.manufacturer == "BOE"


def test_unknown_week_and_reserved_year() -> None:
    blob = _blob()
    blob[16], blob[17] = 0x00, 0x0A  # week unspecified; 1.4 reserved year (< 0x10)
    info = parse_edid(bytes(blob))
    assert (info.week, info.year) == (None, None)
    blob[16], blob[17] = 0xFF, 0x20  # model year 2022, no week
    assert (parse_edid(bytes(blob)).week, parse_edid(bytes(blob)).year) == (None, 2022)


def test_no_size_means_no_diagonal() -> None:
    blob = _blob()
    blob[21] = blob[22] = 0
    info = parse_edid(bytes(blob))
    assert (info.width_cm, info.height_cm, info.diagonal_in) == (None, None, None)


def test_xrandr_style_hex() -> None:
    blob = (DATA / "BOE_0864__C8D3AA6C79FA.bin").read_bytes()
    text = "\tEDID: \n" + "".join(f"\t\t{blob[i:i+16].hex()}\n" for i in range(0, len(blob), 16))
    assert parse_edid(text).preferred == DisplayMode(1920, 1080, 60.0)


@pytest.mark.parametrize(
    "data",
    [b"", b"not an edid", bytes(128), bytes.fromhex("00ffffffffffff00") + bytes(50),
     "00 ff ff ff ff ff ff 00 04 69\n"],
)
def test_malformed_raises_parse_error(data: bytes | str) -> None:
    with pytest.raises(ParseError):
        parse_edid(data)
