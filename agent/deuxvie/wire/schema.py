"""The report JSON Schema (report.schema.json, draft 2020-12) and its validator."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator

from deuxvie.wire.errors import ReportSchemaError

SCHEMA_VERSION = 1
MAX_ERRORS_REPORTED = 20


@functools.cache
def report_schema() -> dict[str, Any]:
    text = resources.files("deuxvie.wire").joinpath("report.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@functools.cache
def _validator() -> Draft202012Validator:
    schema = report_schema()
    Draft202012Validator.check_schema(schema)
    # Dates and uuids are checked by `pattern`, which needs no optional format packages
    # (jsonschema checks "date-time" only when rfc3339-validator happens to be installed).
    return Draft202012Validator(schema)


def report_errors(report: Any) -> list[str]:
    """Every violation as "path: message", best first (empty when valid)."""
    errors = sorted(_validator().iter_errors(report), key=lambda e: (len(e.path), e.message))
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
