"""Report schema check on the ingest path: the published schema (wire/report.schema.json)
compiled to Python code by fastjsonschema, with jsonschema kept for the error messages.

Why: jsonschema interprets the schema node by node on every report (1.7 ms of the ~10 ms
CPU one ingest cost, measured with cProfile, ADR 0045); the compiled validator judges the
same report in ~0.1 ms. A valid report (the normal case) never reaches jsonschema. A report
the compiled code refuses is judged again by jsonschema (`wire.report_errors`) for its
"path: message" list, so clients see the same 422 body as before. Should the two ever
disagree, the report is refused: the check can only be as strict or stricter than the
published schema, never weaker (tests/server/test_schema_check.py proves they agree).

fastjsonschema implements drafts 4/6/7; every keyword the report schema uses (type,
properties, required, additionalProperties, items, enum, const, pattern, min/max,
minLength/maxLength, maxItems, anyOf, if/else) means the same in draft 7 and 2020-12,
except `$ref`: draft 7 IGNORES the keywords beside a $ref, 2020-12 applies them (the
inventory's `{"$ref": outcome, "properties": {"value": ...}}`). `_siblings_to_allof` rewrites
those nodes to `allOf: [{$ref}, {siblings}]`, which means the same in both drafts (the test
found this divergence before the rewrite)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import fastjsonschema
from deuxvie import wire


def _siblings_to_allof(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _siblings_to_allof(v) for k, v in node.items()}
        if "$ref" in out and len(out) > 1:
            rest = {k: v for k, v in out.items() if k != "$ref"}
            return {"allOf": [{"$ref": out["$ref"]}, rest]}
        return out
    if isinstance(node, list):
        return [_siblings_to_allof(v) for v in node]
    return node


@functools.cache
def _compiled() -> Callable[[Any], Any]:
    # $schema/$id dropped: the draft is chosen here (draft 7 semantics, see above) and the
    # $id must not make fastjsonschema resolve "#/$defs/..." against a remote document.
    schema = _siblings_to_allof(
        {k: v for k, v in wire.report_schema().items() if k not in ("$schema", "$id")}
    )
    # use_default=False: fastjsonschema would otherwise write "default" values INTO the
    # report it checks; the stored payload must stay the signed bytes' meaning.
    validate: Callable[[Any], Any] = fastjsonschema.compile(
        schema, use_default=False, use_formats=False
    )
    return validate


def report_errors(report: Any) -> list[str]:
    """Every violation as "path: message" (empty when valid), like wire.report_errors."""
    try:
        _compiled()(report)
    except fastjsonschema.JsonSchemaValueException as exc:
        errors = wire.report_errors(report)
        # Stricter-or-equal: a refusal by the compiled check alone still refuses.
        return errors or [f"/{'/'.join(str(p) for p in exc.path[1:])}: {exc.message}"]
    # what a JSON Schema cannot say: the dates are real instants in a sane window
    return wire.date_errors(report)
