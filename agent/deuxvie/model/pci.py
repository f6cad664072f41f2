"""A PCI function as lspci describes it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PciDevice:
    slot: str  # "00:02.0" (domain omitted when 0000, as lspci prints it)
    class_name: str  # "VGA compatible controller"
    class_id: str | None  # "0300" (only with lspci -nn)
    vendor: str | None  # "Intel Corporation"
    device: str | None  # "HD Graphics 620"
    vendor_id: str | None  # "8086" (only with lspci -nn)
    device_id: str | None  # "5916"
    revision: str | None  # "06"
    driver: str | None  # "Kernel driver in use" (lspci -k / -v)
    description: str  # vendor and device as lspci prints them on one line
