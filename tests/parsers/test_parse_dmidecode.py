"""parse_dmidecode on real dumps (linuxhw/DMI, eReuse devicehub): desktops, laptops, servers."""

from __future__ import annotations

from pathlib import Path

import pytest
from deuxvie.model.dmi import DmiInfo
from deuxvie.parsers import ParseError
from deuxvie.parsers.dmidecode import clean, parse_dmidecode, size_bytes

DATA = Path(__file__).resolve().parent.parent / "data" / "parsers" / "dmidecode"
GiB = 1 << 30

# file -> (maker, product, chassis type, bios version, total GiB, slots, empty, DIMM sizes GiB)
EXPECTED = {
    "Desktop_OptiPlex_7010__53615602AC8E": (
        "Dell Inc.", "OptiPlex 7010", "Space-saving", "A29", 16, 4, 0, [4, 4, 4, 4]),
    "Desktop_HP_EliteDesk_800_G1_SFF__6B93B813889B": (
        "Hewlett-Packard", "HP EliteDesk 800 G1 SFF", "Low Profile Desktop", "L01 v02.18",
        24, 4, 1, [8, 8, 8]),
    # ASUS board with template strings: "System manufacturer", "System Product Name".
    "Desktop_System_Product_Name__1B9BDAB47A0B": (
        None, None, "Desktop", "0901", 4, 2, 1, [4]),
    "Notebook_HP_EliteBook_840_G2__441F6B6BD04D": (
        "Hewlett-Packard", "HP EliteBook 840 G2", "Notebook", "M71 Ver. 01.30", 8, 2, 1, [8]),
    "Notebook_20B7S2GS0W__6471A47B439E": (
        "LENOVO", "20B7S2GS0W", "Notebook", "GJET83WW (2.33 )", 8, 2, 0, [4, 4]),
    "Notebook_Latitude_E6410__C9A698568CD9": (
        "Dell Inc.", "Latitude E6410", "Laptop", "A05", 8, 2, 0, [4, 4]),
    "Notebook_Aspire_A315_23__AB3D412CC63E": (
        "Acer", "Aspire A315-23", "Notebook", "V1.19", 8, 2, 0, [4, 4]),
    "All_In_One_iMac16_2__6AD5C9EBC7B0": (
        "Apple Inc.", "iMac16,2", "All In One", "227.0.0.0.0", 8, 2, 0, [4, 4]),
    "Server_ProLiant_DL360_Gen9__3E2888526B2B": (
        "HP", "ProLiant DL360 Gen9", "Rack Mount Chassis", "P89", 32, 24, 22, [16, 16]),
    "Server_PowerEdge_R610__4E7D215A69F5": (
        "Dell Inc.", "PowerEdge R610", "Rack Mount Chassis", "6.1.0", 48, 12, 6, [8] * 6),
    "ereuse__522a4403-bfb3__LENOVO_10B4A04DAC": (
        "LENOVO", "10B4A04DAC", "Desktop", "FCKT50AUS", 4, 2, 1, [4]),
}


def _parse(name: str) -> DmiInfo:
    return parse_dmidecode((DATA / f"{name}.txt").read_bytes())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_system_chassis_bios_memory(name: str) -> None:
    info = _parse(name)
    got = (
        info.system.manufacturer, info.system.product, info.chassis.type, info.bios.version,
        info.memory.total_bytes / GiB, info.memory.slots, info.memory.empty_slots,
        [m.size_bytes / GiB for m in info.memory.modules],
    )
    assert got == EXPECTED[name]


def test_module_details_desktop() -> None:
    info = _parse("Desktop_OptiPlex_7010__53615602AC8E")
    first = info.memory.modules[0]
    assert (first.locator, first.type, first.form_factor) == ("DIMM3", "DDR3", "DIMM")
    assert (first.speed_mts, first.configured_speed_mts) == (1600, 1600)
    assert (first.manufacturer, first.part_number) == ("Kingston", "ACR16D3LU1KFG/4G")
    assert first.serial is None  # "--": masked by the collector
    assert info.bios.date == "06/28/2018"


def test_unmasked_identity_from_a_workshop_capture() -> None:
    info = _parse("ereuse__522a4403-bfb3__LENOVO_10B4A04DAC")
    assert info.system.serial == "MJ00YQXU"
    assert info.system.uuid == "2e251460-e7c5-11e3-95d2-dac9f9821b00"
    assert info.chassis.serial == "MJ00YQXU" and info.chassis.asset_tag is None
    dimm = info.memory.modules[0]
    assert (dimm.serial, dimm.part_number, dimm.speed_mts) == (
        "8D22B0B8", "99U5474-016.A00LF", 1333,
    )
    assert info.batteries == ()


def test_laptop_battery() -> None:
    info = _parse("Notebook_HP_EliteBook_840_G2__441F6B6BD04D")
    (bat,) = info.batteries
    assert (bat.location, bat.manufacturer, bat.name, bat.chemistry) == (
        "Primary", "33-42", "CM03050", "LION",
    )
    assert (bat.design_capacity_mwh, bat.design_voltage_mv) == (50730, 11400)
    dimm = info.memory.modules[0]
    assert (dimm.form_factor, dimm.part_number, dimm.configured_speed_mts) == (
        "SODIMM", "M471B1G73QH0-YK0", None,  # "Configured Memory Speed: Unknown"
    )


def test_thinkpad_with_two_batteries() -> None:
    info = _parse("Notebook_20B7S2GS0W__6471A47B439E")
    assert [(b.location, b.name, b.design_capacity_mwh) for b in info.batteries] == [
        ("Front", "45N1773", 23200), ("Rear", "45N1775", 23200),
    ]


def test_apple_hex_part_number_is_decoded() -> None:
    dimm = _parse("All_In_One_iMac16_2__6AD5C9EBC7B0").memory.modules[0]
    assert dimm.part_number == "H9CCNNNBLTBLAR-NUD"
    assert dimm.speed_mts == 1867


def test_server_empty_slot_placeholders() -> None:
    info = _parse("Server_ProLiant_DL360_Gen9__3E2888526B2B")
    assert info.memory.slots == 24 and info.memory.empty_slots == 22
    assert all(m.manufacturer == "HP" and m.type == "DDR4" for m in info.memory.modules)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("8 GB", 8 * GiB), ("8192 MB", 8 * GiB), ("16384 MB", 16 * GiB), ("512 kB", 512 << 10),
     ("No Module Installed", 0), ("Not Installed", 0), ("Unknown", 0), (None, 0)],
)
def test_size_bytes(text: str | None, expected: int) -> None:
    assert size_bytes(text) == expected


@pytest.mark.parametrize(
    "value",
    ["Not Specified", "To Be Filled By O.E.M.", "Unknown", "[Empty]", "0000000", "...", "--",
     "SerNum0", "PartNum3", "Default string", "  ", "NO DIMM"],
)
def test_placeholders_are_none(value: str) -> None:
    assert clean(value) is None


def test_crlf_dump_parses_the_same() -> None:
    raw = (DATA / "Notebook_HP_EliteBook_840_G2__441F6B6BD04D.txt").read_bytes()
    assert parse_dmidecode(raw.replace(b"\n", b"\r\n")) == parse_dmidecode(raw)


@pytest.mark.parametrize(
    "data",
    [b"", b"random words\n", b"# dmidecode 3.4\n# No SMBIOS nor DMI entry point found, sorry.\n"],
)
def test_no_records_is_a_parse_error(data: bytes) -> None:
    with pytest.raises(ParseError):
        parse_dmidecode(data)


def test_truncated_array_handle() -> None:
    # Found by the fuzzer: a dump cut right after "Array Handle: 0x".
    text = "Handle 0x0010, DMI type 17, 40 bytes\nMemory Device\n\tArray Handle: 0x\n\tSize: 4 GB\n"
    assert parse_dmidecode(text).memory.total_bytes == 4 << 30
