"""Fixtures of the label/certificate tests: the sample report (label_sample.py), a passing
variant, and the server helper's schema example when it has landed."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from label_sample import HDD_BYTES, REPO, build_report


@pytest.fixture
def report() -> dict[str, Any]:
    return build_report()


@pytest.fixture
def passing_report() -> dict[str, Any]:
    """Same machine after the HDD was replaced: both disks ERASED, grade PASS with warnings."""
    rep = copy.deepcopy(build_report())
    hdd = rep["erasure"][1]
    hdd.update(
        status="ERASED",
        bytes_written=HDD_BYTES,
        bytes_verified=HDD_BYTES,
        verification_coverage_pct=100.0,
        errors=[],
        reasons=[],
    )
    rep["grade"].update(
        verdict="PASS_WITH_WARNINGS",
        suggestion={"code": "refurbish", "fr": "Reconditionner", "en": "Refurbish"},
        reasons=[
            {
                "code": "battery.worn",
                "fr": "Batterie à 72 % de sa capacité d'origine",
                "en": "Battery at 72 % of design capacity",
            }
        ],
    )
    return rep


@pytest.fixture
def example_report() -> dict[str, Any]:
    path = REPO / "tests" / "data" / "report-example.json"
    if not path.is_file():
        pytest.skip("tests/data/report-example.json has not landed yet")
    data: dict[str, Any] = json.loads(path.read_text())
    return data
