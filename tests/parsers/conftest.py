"""Fixtures for the parser tests: real captures copied into tests/data/parsers/."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "data" / "parsers"


@pytest.fixture
def parsers_data() -> Path:
    return DATA
