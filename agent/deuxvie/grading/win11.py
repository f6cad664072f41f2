"""Windows 11 processor list (data/win11_cpus.txt) and its matcher."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources

_NOISE = re.compile(r"\((r|tm)\)|®|™|\bcpu\b|@.*$", re.IGNORECASE)


def normalise_cpu_name(model_name: str) -> str:
    """'Intel(R) Core(TM) i5-8350U CPU @ 1.70GHz' -> 'intel core i5-8350u'."""
    text = _NOISE.sub(" ", model_name.lower())
    return " ".join(text.split())


@dataclass(frozen=True)
class CpuRule:
    vendor: str  # "intel" | "amd"
    pattern: re.Pattern[str]
    line: int


def parse_cpu_list(text: str) -> tuple[CpuRule, ...]:
    rules = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        vendor, _, regex = line.partition(" ")
        if vendor not in ("intel", "amd") or not regex:
            raise ValueError(f"win11_cpus.txt line {n}: expected '<intel|amd> <regex>'")
        rules.append(CpuRule(vendor, re.compile(regex.strip()), n))
    return tuple(rules)


@functools.cache
def shipped_cpu_rules() -> tuple[CpuRule, ...]:
    text = resources.files("deuxvie.grading").joinpath("data/win11_cpus.txt").read_text()
    return parse_cpu_list(text)


def _vendor_of(vendor: str | None, name: str) -> str | None:
    probe = f"{vendor or ''} {name}".lower()
    if "intel" in probe:
        return "intel"
    if "amd" in probe:
        return "amd"
    return None


def cpu_supported(model_name: str | None, vendor: str | None = None,
                  rules: tuple[CpuRule, ...] | None = None) -> bool | None:
    """True when the model matches the list, False when not, None when the name is unknown."""
    if not model_name or not model_name.strip():
        return None
    name = normalise_cpu_name(model_name)
    which = _vendor_of(vendor, name)
    for rule in rules if rules is not None else shipped_cpu_rules():
        if which is not None and rule.vendor != which:
            continue
        if rule.pattern.search(name):
            return True
    return False
