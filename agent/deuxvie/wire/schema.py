"""The report JSON Schema (report.schema.json, draft 2020-12) and its validator."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from deuxvie.wire.errors import ReportSchemaError

SCHEMA_VERSION = 2  # 2: the `functions` array (issue #12)
MAX_ERRORS_REPORTED = 20


@functools.cache
def report_schema() -> dict[str, Any]:
    text = resources.files("deuxvie.wire").joinpath("report.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _inline_refs(node: Any, defs: dict[str, Any]) -> Any:
    """The schema with its local `#/$defs/...` references replaced by their targets (the
    schema has no recursive definitions). jsonschema resolves each $ref through the
    `referencing` registry on every instance node; inlined, validation of a typical report
    takes ~40 % less CPU (measured 2.9 -> 1.7 ms), which is the service's ingest budget.
    Siblings of a $ref are kept beside it under allOf, so the meaning is unchanged."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            target = _inline_refs(defs[ref.removeprefix("#/$defs/")], defs)
            rest = {k: _inline_refs(v, defs) for k, v in node.items() if k != "$ref"}
            return {"allOf": [target], **rest} if rest else target
        return {k: _inline_refs(v, defs) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline_refs(v, defs) for v in node]
    return node


@functools.cache
def _validator() -> Draft202012Validator:
    schema = report_schema()
    Draft202012Validator.check_schema(schema)
    defs = schema.get("$defs", {})
    flat = {k: _inline_refs(v, defs) for k, v in schema.items() if k != "$defs"}
    # Dates and uuids are checked by `pattern`, which needs no optional format packages
    # (jsonschema checks "date-time" only when rfc3339-validator happens to be installed).
    return Draft202012Validator(flat)


def _leaves(err: ValidationError) -> list[ValidationError]:
    """The specific failures under an anyOf/oneOf: "grade: missing verdict", not "grade is
    not valid under any of the given schemas". The branch that failed only on its type
    (the `null` alternative) is not what the sender meant, so it is skipped."""
    if not err.context:
        return [err]
    subs = [e for e in err.context if not (e.validator == "type" and not e.relative_path)]
    out: list[ValidationError] = []
    for sub in subs or list(err.context):
        out.extend(_leaves(sub))
    return out or [err]


def report_errors(report: Any) -> list[str]:
    """Every violation as "path: message", best first (empty when valid)."""
    leaves = [leaf for err in _validator().iter_errors(report) for leaf in _leaves(err)]
    errors = sorted(leaves, key=lambda e: (len(e.absolute_path), e.message))
    out = []
    for err in errors[:MAX_ERRORS_REPORTED]:
        path = "/" + "/".join(str(p) for p in err.absolute_path)
        msg = err.message if len(err.message) <= 300 else err.message[:300] + "…"
        out.append(f"{path}: {msg}")
    return out


def validate_report(report: Any) -> None:
    """Raise ReportSchemaError listing the violations."""
    errors = report_errors(report)
    if errors:
        raise ReportSchemaError(f"report does not follow the schema: {errors[0]}", errors)
