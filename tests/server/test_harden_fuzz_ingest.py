"""Fuzz campaign of POST /api/v1/reports (hypothesis), negative cases included: signed
payloads with one value anywhere replaced by arbitrary JSON (the station is trusted, the
report is not), raw text mutations (NaN, duplicate keys, deep nesting, surrogates, cut
bodies), arbitrary JSON envelopes and arbitrary bytes. Zero 5xx, SQLite and PostgreSQL.

DEUXVIE_FUZZ_REQUESTS requests per database: 500 in `make test`, 10,000 in
`make fuzz-server` (README has the figures)."""

from __future__ import annotations

import copy
import json
import os
from collections import Counter
from typing import Any

import factories
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from deuxvie import wire
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

REQUESTS = int(os.environ.get("DEUXVIE_FUZZ_REQUESTS", "500"))

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False) | st.text(max_size=300),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner,
                                                               max_size=5),
    max_leaves=20,
)


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            if k != "evidence":
                out += paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node[:3]):
            out += paths(v, (*prefix, i))
    return out


TEXT_EDITS = [
    lambda s: s.replace('"passes":1', '"passes":NaN'),
    lambda s: s.replace('"operator":', '"operator":"x","operator":'),
    lambda s: s.replace('"cpu":{', '"cpu":{"d":' + "[" * 3000 + "]" * 3000 + ",", 1),
    lambda s: s.replace('"Camille"', '"\\udfff"'),
    lambda s: s[: len(s) // 2],
    lambda s: s.replace('"2026-11-22T10:00:00Z"', '"2026-02-29T10:00:00Z"'),
    lambda s: s.replace('"uuid":"', '"uuid":"../'),
    lambda s: s.replace("412000000.0", "1e999"),
    lambda s: s.replace('"bytes_written":250059350016', '"bytes_written":' + "9" * 400),
]


def test_fuzz_ingest_never_answers_5xx(app: Flask, station_key: Ed25519PrivateKey) -> None:
    client = app.test_client()
    base = factories.make_report(key=station_key)
    targets = paths(base)
    seen: Counter[int] = Counter()

    def post(body: bytes) -> None:
        resp = client.post("/api/v1/reports", data=body, content_type="application/json")
        seen[resp.status_code] += 1
        assert resp.status_code < 500, (resp.status_code, resp.get_data()[:500], body[:500])

    @settings(max_examples=REQUESTS, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(kind=st.sampled_from(["path", "path", "path", "text", "envelope", "bytes"]),
           where=st.sampled_from(targets), value=json_values,
           edit=st.sampled_from(TEXT_EDITS), junk=st.binary(max_size=400),
           fresh=st.uuids())
    def one(kind: str, where: tuple[Any, ...], value: Any, edit: Any, junk: bytes,
            fresh: Any) -> None:
        report = copy.deepcopy(base)
        report["uuid"] = str(fresh)
        if kind == "path":
            node = report
            for k in where[:-1]:
                node = node[k]
            node[where[-1]] = value
            post(json.dumps(wire.sign_report(report, station_key)).encode())
        elif kind == "text":
            text = edit(json.dumps(report, sort_keys=True, separators=(",", ":")))
            post(json.dumps(wire.sign(text.encode("utf-8", "surrogatepass"),
                                      station_key)).encode())
        elif kind == "envelope":
            post(json.dumps(value).encode())
        else:
            post(junk)

    one()
    print(f"\n{sum(seen.values())} requests: {dict(sorted(seen.items()))}")
    assert sum(seen.values()) >= REQUESTS
    assert seen[201] > 0 and seen[422] > 0 and seen[400] > 0  # valid and invalid both seen
