"""The Windows 11 CPU list matches real /proc/cpuinfo model names as Microsoft lists them."""

from __future__ import annotations

import pytest
from deuxvie.grading.win11 import cpu_supported, normalise_cpu_name, parse_cpu_list


def test_normalise() -> None:
    assert normalise_cpu_name("Intel(R) Core(TM) i5-8350U CPU @ 1.70GHz") == "intel core i5-8350u"


@pytest.mark.parametrize("name", [
    "Intel(R) Core(TM) i5-8350U CPU @ 1.70GHz",      # 8th gen (ThinkPad T480)
    "Intel(R) Core(TM) i7-9700K CPU @ 3.60GHz",
    "Intel(R) Core(TM) i3-1005G1 CPU @ 1.20GHz",     # Ice Lake
    "Intel(R) Core(TM) i5-10210U CPU @ 1.60GHz",
    "11th Gen Intel(R) Core(TM) i7-1165G7 @ 2.80GHz",
    "12th Gen Intel(R) Core(TM) i5-1235U",
    "13th Gen Intel(R) Core(TM) i9-13900K",
    "Intel(R) Core(TM) Ultra 7 155H",
    "Intel(R) Pentium(R) Silver N5000 CPU @ 1.10GHz",
    "Intel(R) Pentium(R) CPU G5400 @ 3.70GHz",
    "Intel(R) Celeron(R) N4020 CPU @ 1.10GHz",
    "Intel(R) N100",
    "Intel(R) Xeon(R) E-2124 CPU @ 3.30GHz",
    "AMD Ryzen 7 2700X Eight-Core Processor",
    "AMD Ryzen 5 3500U with Radeon Vega Mobile Gfx",
    "AMD Ryzen 5 5600X 6-Core Processor",
    "AMD Ryzen 7 PRO 4750U with Radeon Graphics",
    "AMD Athlon Silver 3050U with Radeon Graphics",
    "AMD EPYC 7452 32-Core Processor",
])
def test_supported(name: str) -> None:
    assert cpu_supported(name) is True


@pytest.mark.parametrize("name", [
    "Intel(R) Core(TM) i5-7200U CPU @ 2.50GHz",      # 7th gen: not on the list
    "Intel(R) Core(TM) i5-4300U CPU @ 1.90GHz",      # ThinkPad T440
    "Intel(R) Core(TM) i7-2600 CPU @ 3.40GHz",
    "Intel(R) Core(TM)2 Duo CPU     P8600  @ 2.40GHz",
    "Intel(R) Celeron(R) CPU N3350 @ 1.10GHz",       # Apollo Lake
    "Intel(R) Pentium(R) CPU 4415U @ 2.30GHz",       # Kaby Lake
    "AMD Ryzen 5 2500U with Radeon Vega Mobile Gfx", # Zen 1 APU
    "AMD Ryzen 5 2400G with Radeon Vega Graphics",   # Zen 1 APU
    "AMD Ryzen 7 1700X Eight-Core Processor",
    "AMD A10-9600P RADEON R5, 10 COMPUTE CORES 4C+6G",
    "AMD EPYC 7551 32-Core Processor",               # Naples (first generation)
    "QEMU Virtual CPU version 2.5+",
])
def test_not_supported(name: str) -> None:
    assert cpu_supported(name) is False


def test_unknown_name_is_none() -> None:
    assert cpu_supported(None) is None
    assert cpu_supported("  ") is None


def test_vendor_mismatch_does_not_match() -> None:
    rules = parse_cpu_list("amd core i5-8\\d{3}\n")
    assert cpu_supported("Intel(R) Core(TM) i5-8350U", "GenuineIntel", rules) is False


def test_bad_list_line_is_refused() -> None:
    with pytest.raises(ValueError, match="line 1"):
        parse_cpu_list("arm cortex\n")
