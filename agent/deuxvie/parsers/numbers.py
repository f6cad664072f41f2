"""Integers as tools print them under any locale, and text decoded whatever its encoding.

smartctl prints integers through printf("%'llu"), so the thousands separator follows the
locale of the machine that captured the output: "2,000,398,934,016" (C/en), "2.000.398.934.016"
(de/it), "2 000 398 934 016" with U+00A0 or U+202F (fr), or a raw Latin-1 0xA0 byte when the
locale was ISO-8859-1 (linuxhw/EnterpriseDrive captures show all of these). Every integer
field we read is a count, so a separator between groups of three digits is never a decimal
point.
"""

from __future__ import annotations

import re

# Thousands separators seen in captures: comma, dot, apostrophe (de_CH), NBSP, narrow NBSP
# (glibc >= 2.28 fr_FR). Never a plain space: smartctl separates the counters of multi-value
# raw attributes with spaces ("188 Command_Timeout ... 5 151 151" is three counters).
_SEP = ",.'\u00a0\u202f"
_GROUPED = re.compile(r"\d{1,3}(?:[" + re.escape(_SEP) + r"]\d{3})+(?!\d)|\d+")


def leading_int(text: str) -> int | None:
    """The first integer in `text`, thousands separators removed; None if there is none."""
    m = _GROUPED.search(text)
    if m is None:
        return None
    return int(re.sub(r"\D", "", m.group(0)))


def decode_text(data: bytes | str) -> str:
    """Text with LF line ends: UTF-8 when valid, else Latin-1 (which never fails).

    A raw 0xA0 byte (Latin-1 NBSP) is not valid UTF-8; decoding such a file as Latin-1 turns it
    into U+00A0, which `leading_int` understands.
    """
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    else:
        text = data
    text = text.removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n")
