"""Integers printed under any locale (smartctl uses printf("%'llu"))."""

from __future__ import annotations

import pytest
from deuxvie.parsers.numbers import decode_text, leading_int


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2,000,398,934,016 bytes [2.00 TB]", 2000398934016),
        ("2.000.398.934.016 bytes [2,00 TB]", 2000398934016),
        ("12\u202f000\u202f138\u202f625\u202f024 bytes", 12000138625024),
        ("2\u00a0000\u00a0398\u00a0934\u00a0016 bytes", 2000398934016),
        ("2'000'398'934'016", 2000398934016),
        ("5.809", 5809),
        ("35 (Min/Max 19/37)", 35),
        ("5 151 151", 5),  # three raw counters, not 5,151,151
        ("0 65535 65535", 0),
        ("14516h+12m+01.123s", 14516),
        ("1,23", 1),  # a decimal comma is not a thousands group
        ("no digits", None),
        ("", None),
    ],
)
def test_leading_int(text: str, expected: int | None) -> None:
    assert leading_int(text) == expected


def test_decode_text_latin1_and_line_ends() -> None:
    assert decode_text(b"caf\xe9\r\nX\rY") == "café\nX\nY"
    assert decode_text("\ufeffabc".encode()) == "abc"
