"""JSON as the wire accepts it: one meaning per document, or an error (never a crash).

`json.loads` accepts what RFC 8259 leaves undefined or forbids, and each surfaced as a 500
or a wrong certificate on the service (issue 11 items 7 and 8):
- duplicate object keys: the last wins in Python, another parser may take the first, so
  a signed payload could mean two things (RFC 8259 4: names SHOULD be unique; I-JSON,
  RFC 7493 2.3, MUST);
- NaN / Infinity (not JSON at all): NaN passed `minimum`/`maximum` checks and a VALID page
  showed "full (nan %)";
- lone surrogates (`"\\ud800"`): valid JSON syntax, but no UTF-8 text column (SQLite,
  PostgreSQL) can store them (I-JSON 2.1);
- bytes that are not UTF-8 (RFC 8259 8.1; json.loads would guess UTF-16/32 and let raw
  surrogates through with "surrogatepass");
- nesting thousands deep: RecursionError in the parser or, below its limit, in the schema
  validators that walk the document recursively. MAX_DEPTH is far above any report's
  (inventory details nest ~8 levels).
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 64
# a \uD800-\uDFFF escape somewhere: only then are strings checked one by one
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class StrictJsonError(ValueError):
    """The text is not JSON this wire accepts; the message says why."""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise StrictJsonError(f"duplicate key {key[:80]!r}")
            seen.add(key)
    return out


def _constant(name: str) -> Any:
    raise StrictJsonError(f"{name} is not a JSON number")


def _walk(value: Any, max_depth: int, check_text: bool) -> None:
    """Depth (iteratively: the check must not recurse itself) and, when `check_text`,
    strings and keys that UTF-8 cannot encode (lone surrogates)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    if not check_text:
        # depth only: push containers, never scalars (json.loads makes exact dicts and
        # lists). A report payload has ~2,000 scalars: 0.28 -> 0.08 ms (issue 16).
        if type(value) is not dict and type(value) is not list:
            return
        pop, push = stack.pop, stack.append
        while stack:
            node, depth = pop()
            if depth > max_depth:
                raise StrictJsonError(f"nested deeper than {max_depth} levels")
            for child in node.values() if type(node) is dict else node:
                kind = type(child)
                if kind is dict or kind is list:
                    push((child, depth + 1))
        return
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            if depth > max_depth:
                raise StrictJsonError(f"nested deeper than {max_depth} levels")
            for k, v in node.items():
                if check_text:
                    _utf8(k)
                stack.append((v, depth + 1))
        elif isinstance(node, list):
            if depth > max_depth:
                raise StrictJsonError(f"nested deeper than {max_depth} levels")
            stack.extend((v, depth + 1) for v in node)
        elif check_text and isinstance(node, str):
            _utf8(node)


def _utf8(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise StrictJsonError("a string holds a lone UTF-16 surrogate") from exc


def loads(data: bytes | str, max_depth: int = MAX_DEPTH) -> Any:
    """Parse `data` (UTF-8 bytes or text) or raise StrictJsonError."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise StrictJsonError(f"not UTF-8: {exc}") from exc
    else:
        text = data
        _utf8(text)
    try:
        value = json.loads(text, object_pairs_hook=_pairs, parse_constant=_constant)
    except RecursionError as exc:
        raise StrictJsonError(f"nested deeper than {max_depth} levels") from exc
    except StrictJsonError:
        raise
    except ValueError as exc:
        raise StrictJsonError(str(exc)) from exc
    _walk(value, max_depth, _SURROGATE_ESCAPE.search(text) is not None)
    return value
