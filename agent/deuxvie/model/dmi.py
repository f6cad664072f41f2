"""SMBIOS/DMI tables as dmidecode prints them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DmiSystem:
    manufacturer: str | None
    product: str | None
    version: str | None
    serial: str | None
    uuid: str | None
    sku: str | None
    family: str | None


@dataclass(frozen=True)
class DmiChassis:
    manufacturer: str | None
    type: str | None  # "Notebook", "Desktop", ...
    serial: str | None
    asset_tag: str | None


@dataclass(frozen=True)
class DmiBios:
    vendor: str | None
    version: str | None
    date: str | None


@dataclass(frozen=True)
class MemoryModule:
    locator: str | None
    bank_locator: str | None
    size_bytes: int
    type: str | None  # DDR3, DDR4, ...
    form_factor: str | None  # DIMM, SODIMM
    speed_mts: int | None
    configured_speed_mts: int | None
    manufacturer: str | None
    part_number: str | None
    serial: str | None


@dataclass(frozen=True)
class MemoryInfo:
    total_bytes: int
    slots: int  # type 17 entries (populated + empty)
    empty_slots: int
    modules: tuple[MemoryModule, ...]


@dataclass(frozen=True)
class DmiBattery:
    location: str | None
    manufacturer: str | None
    name: str | None
    chemistry: str | None
    design_capacity_mwh: int | None
    design_voltage_mv: int | None
    serial: str | None


@dataclass(frozen=True)
class DmiInfo:
    system: DmiSystem
    chassis: DmiChassis
    bios: DmiBios
    memory: MemoryInfo
    batteries: tuple[DmiBattery, ...]
