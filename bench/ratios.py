"""Ratios printed with their goal beside them, and the load average beside every figure.

Every wipe bench table goes through here so that the README tables, the bench output and the
arithmetic test (tests/wipe/test_bench_wipe.py) all read the same format: times with four
significant digits (so a ratio can be recomputed from the printed times), ratios with two
decimals, a goal such as ">= 0.97" and a verdict.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass


def load_text() -> str:
    """The 1/5/15-minute load average now: a figure on a shared machine means little without."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}/{five:.2f}/{fifteen:.2f}"


def load1() -> float:
    return os.getloadavg()[0]


def seconds(value: float) -> str:
    return f"{value:.4g}"


@dataclass(frozen=True)
class Ratio:
    name: str
    value: float | None
    # (">=", 0.97) or ("<=", 1.5); None: printed for information, no goal
    goal: tuple[str, float] | None = None
    # why the goal does not apply (e.g. "CPU-limited: dd reaches 41 % of the throttle")
    not_applicable: str = ""
    load: float | None = None

    @property
    def goal_text(self) -> str:
        return f"{self.goal[0]} {self.goal[1]:g}" if self.goal else "-"

    @property
    def verdict(self) -> str:
        if self.value is None:
            return "not measured"
        if self.goal is None:
            return "-"
        op, threshold = self.goal
        met = self.value >= threshold if op == ">=" else self.value <= threshold
        word = "met" if met else "NOT met"
        if self.not_applicable:
            return f"{word} (n/a: {self.not_applicable})"
        return word

    @property
    def value_text(self) -> str:
        return "n/a" if self.value is None else f"{self.value:.2f}"


def ratio_table(ratios: Sequence[Ratio]) -> list[str]:
    lines = ["| ratio | value | goal | verdict | load 1 min |", "|---|---:|---|---|---:|"]
    for r in ratios:
        load = "" if r.load is None else f"{r.load:.2f}"
        lines.append(f"| {r.name} | {r.value_text} | {r.goal_text} | {r.verdict} | {load} |")
    return lines


def parse_tables(lines: Sequence[str]) -> list[list[list[str]]]:
    """Every printed Markdown table as its body rows' cells (header and rule left out): what
    the arithmetic test reads back."""
    tables: list[list[list[str]]] = []
    current: list[list[str]] | None = None
    for line in lines:
        if not line.startswith("|"):
            current = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if current is None:  # the header row
            current = []
            tables.append(current)
        elif not set("".join(cells)) <= set("-: "):
            current.append(cells)
    return tables
