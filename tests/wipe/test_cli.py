"""`deuxvie wipe` without --yes prints the plan (French and English) and touches nothing."""

from __future__ import annotations

import json

import pytest
from deuxvie.cli import main as cli_main

from .conftest import MIB

pytestmark = pytest.mark.root


def test_plan_only_without_yes(make_loop, capsys):
    loop = make_loop(8 * MIB)
    before = loop.digest()
    assert cli_main(["wipe", loop.path, "--method", "random", "--passes", "2"]) == 0
    out = capsys.readouterr().out
    assert "modèle / model" in out and "série / serial" in out
    assert f"loop:{loop.backing}" in out  # a loop device is identified by its backing file
    assert "8388608 B" in out
    assert "passe 2/2" in out and "pass 2/2" in out
    assert "Rien n'a été effacé" in out and "Nothing was erased" in out
    assert loop.digest() == before


def test_plan_as_json_and_records_as_json(make_loop, tmp_path, capsys):
    loop = make_loop(8 * MIB)
    assert cli_main(["wipe", loop.path, "--json"]) == 0
    plans = json.loads(capsys.readouterr().out)
    assert plans[0]["method"] == "zero" and plans[0]["refused"] is False
    assert [s["kind"] for s in plans[0]["steps"]] == ["overwrite", "verify"]
    assert b"DONOR" in loop.backing.read_bytes()
    rc = cli_main(["wipe", loop.path, "--json", "--yes", "--journal-dir", str(tmp_path)])
    rec = json.loads(capsys.readouterr().out)[0]
    assert rc == 0 and rec["status"] == "ERASED"
    assert rec["media"]["apparent_size_bytes"] == 8 * MIB
    assert rec["bytes_verified"] == 8 * MIB and rec["verification"] == "full"
    assert rec["started_at"].endswith("Z") and rec["tool"].startswith("deuxvie ")


def test_bad_verify_option_is_a_clear_error(make_loop, capsys):
    loop = make_loop(8 * MIB)
    assert cli_main(["wipe", loop.path, "--verify", "sample:0"]) == 2
    assert "sample:PCT" in capsys.readouterr().err
