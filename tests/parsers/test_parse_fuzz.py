"""Fuzzing: whatever the input, parsers return a model or raise ParseError, nothing else."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from deuxvie.parsers import ParseError
from deuxvie.parsers.dmidecode import parse_dmidecode
from deuxvie.parsers.edid import HEADER, parse_edid
from deuxvie.parsers.lspci import parse_lspci
from deuxvie.parsers.smartctl import parse_smartctl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

DATA = Path(__file__).resolve().parent.parent / "data" / "parsers"
PARSERS: dict[str, Callable[[bytes], object]] = {
    "smartctl": parse_smartctl,
    "edid": parse_edid,
    "dmidecode": parse_dmidecode,
    "lspci": parse_lspci,
}
SAMPLES = {kind: sorted((DATA / kind).iterdir()) for kind in PARSERS}
FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _only_parse_error(parse: Callable[[bytes], object], data: bytes) -> None:
    # Any other exception propagates and fails the example.
    with contextlib.suppress(ParseError):
        parse(data)


@pytest.mark.parametrize("kind", sorted(PARSERS))
@FUZZ
@given(data=st.binary(max_size=2048))
def test_random_bytes(kind: str, data: bytes) -> None:
    _only_parse_error(PARSERS[kind], data)


@pytest.mark.parametrize("kind", sorted(PARSERS))
@FUZZ
@given(pick=st.integers(min_value=0), cut=st.floats(min_value=0, max_value=1))
def test_truncated_real_inputs(kind: str, pick: int, cut: float) -> None:
    files = SAMPLES[kind]
    raw = files[pick % len(files)].read_bytes()
    _only_parse_error(PARSERS[kind], raw[: int(len(raw) * cut)])


@pytest.mark.parametrize("kind", sorted(PARSERS))
@FUZZ
@given(
    pick=st.integers(min_value=0),
    edits=st.lists(
        st.tuples(st.floats(min_value=0, max_value=1), st.binary(min_size=0, max_size=12)),
        min_size=1,
        max_size=8,
    ),
)
def test_byte_edits_of_real_inputs(
    kind: str, pick: int, edits: list[tuple[float, bytes]]
) -> None:
    files = SAMPLES[kind]
    raw = bytearray(files[pick % len(files)].read_bytes())
    for where, junk in edits:
        i = int(where * len(raw))
        raw[i : i + len(junk)] = junk
    _only_parse_error(PARSERS[kind], bytes(raw))


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc[:3]):
            out += _paths(v, (*prefix, i))
    return out


JSON_DOCS = [json.loads(p.read_bytes()) for p in SAMPLES["smartctl"] if p.suffix == ".json"]


@FUZZ
@given(
    pick=st.integers(min_value=0),
    mutations=st.lists(st.tuples(st.integers(min_value=0), _json_values), min_size=1, max_size=6),
)
def test_mutated_smartctl_json(pick: int, mutations: list[tuple[int, Any]]) -> None:
    doc = json.loads(json.dumps(JSON_DOCS[pick % len(JSON_DOCS)]))
    for where, value in mutations:
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = paths[where % len(paths)]
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = value
    _only_parse_error(parse_smartctl, json.dumps(doc).encode())


_LINES = st.lists(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60), max_size=30
)


@FUZZ
@given(lines=_LINES, tabbed=st.booleans())
def test_structured_text_prefixes(lines: list[str], tabbed: bool) -> None:
    """Random lines behind the headers that send each parser down its deep paths."""
    sep = "\n\t" if tabbed else "\n"
    body = sep.join(lines)
    cases: list[tuple[Callable[[bytes], object], str]] = [
        (parse_smartctl, "smartctl 7.3 2022-02-28 r5338\n=== START OF INFORMATION SECTION ===\n"
                         "ID# ATTRIBUTE_NAME\n" + body),
        (parse_smartctl, "smartctl 7.3\nSMART Extended Self-test Log Version: 1\n# 1  " + body),
        (parse_smartctl, "smartctl 7.3\nSelf-test Log (NVMe Log 0x06)\n 0   " + body),
        (parse_dmidecode, "Handle 0x0001, DMI type 17, 40 bytes\nMemory Device\n\t" + body),
        (parse_dmidecode, "Handle 0x0001, DMI type 22, 26 bytes\nPortable Battery\n\t" + body),
        (parse_lspci, "Slot:\t00:02.0\nClass:\t" + body),
        (parse_lspci, "00:02.0 VGA compatible controller: " + body),
        (parse_edid, "00 ff ff ff ff ff ff 00\n" + body),
    ]
    for parse, text in cases:
        _only_parse_error(parse, text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(rest=st.binary(min_size=120, max_size=400))
def test_edid_header_then_random(rest: bytes) -> None:
    _only_parse_error(parse_edid, HEADER + rest)
