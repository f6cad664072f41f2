"""The compiled schema check on the ingest path (deuxvie_server.schema_check) must judge every
report exactly like the published schema file read by jsonschema (draft 2020-12)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import factories
import fastjsonschema
import pytest
from deuxvie import wire
from deuxvie_server import schema_check
from jsonschema import Draft202012Validator

# Values of every JSON type, and the ones where validators classically differ: bool vs
# 0/1 (const/enum/integer), 1.0 vs 1, negatives, empty and over-long strings, NUL.
PROBES: list[Any] = [None, True, False, 0, 1, 1.0, -1, 2.5, 2**63, "", "x", "a" * 300,
                     "\x00", [], [1], {}, {"x": 1}]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield (*prefix, k)
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node[:2]):  # two items cover "items" and order
            yield (*prefix, i)
            yield from _paths(v, (*prefix, i))


def _parent(doc: Any, path: tuple[Any, ...]) -> Any:
    """The container holding the member at `path`."""
    for p in path[:-1]:
        doc = doc[p]
    return doc


def _mutants(report: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield report
    for path in _paths(report):
        for value in PROBES:
            doc = copy.deepcopy(report)
            _parent(doc, path)[path[-1]] = value
            yield doc
        doc = copy.deepcopy(report)  # the member removed
        del _parent(doc, path)[path[-1]]
        yield doc
        doc = copy.deepcopy(report)  # an unknown member added beside it
        target = _parent(doc, path)
        if isinstance(target, dict):
            target["zz_unknown"] = 1
            yield doc


@pytest.fixture(scope="module")
def reference() -> Draft202012Validator:
    return Draft202012Validator(wire.report_schema())


def test_compiled_check_judges_like_the_published_schema(
    tmp_path: Path, reference: Draft202012Validator
) -> None:
    reports = [factories.example_report(tmp_path)]
    # a report with no donor/lot/grade exercises the null branches of the anyOf's
    bare = copy.deepcopy(reports[0])
    bare["donor"] = bare["lot"] = bare["grade"] = None
    reports.append(bare)
    compiled = schema_check._compiled()
    n = n_bad = 0
    for base in reports:
        for doc in _mutants(base):
            expected = reference.is_valid(doc)
            try:
                compiled(doc)
                accepted = True
            except fastjsonschema.JsonSchemaValueException:
                accepted = False
            assert accepted == expected, (expected, doc)
            if not expected:
                if n_bad % 25 == 0:  # same 422 body as before (jsonschema is slow: sampled)
                    assert schema_check.report_errors(doc) == wire.report_errors(doc) != []
                n_bad += 1
            n += 1
    # the mutations reached both sides of the judgement, many times
    assert n > 2000 and 1000 < n_bad < n


@pytest.mark.parametrize("value", [True, 1.0, "1", None])
def test_schema_version_const_is_not_fooled_by_lookalikes(value: object) -> None:
    report = factories.make_report()
    report["schema_version"] = value
    refused = bool(schema_check.report_errors(report))
    assert refused == (value != 1 or isinstance(value, bool))
    assert refused == (not Draft202012Validator(wire.report_schema()).is_valid(report))


def test_the_check_does_not_write_into_the_report() -> None:
    report = factories.make_report()
    before = copy.deepcopy(report)
    assert schema_check.report_errors(report) == []
    assert report == before
