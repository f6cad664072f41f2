"""Ledger states from the grading policy's real suggestion codes (deuxvie.grading.grade)."""

from __future__ import annotations

import pytest
from deuxvie_server.ledger import ledger_state


@pytest.mark.parametrize(
    ("verdict", "code", "state"),
    [
        (None, None, "received"),
        ("PASS", "suggest.refurbish", "refurbished"),
        ("PASS_WITH_WARNINGS", "suggest.refurbish", "refurbished"),
        ("PASS_WITH_WARNINGS", "suggest.replace_battery", "to_repair"),
        ("FAIL", "suggest.replace_disk", "to_repair"),
        ("FAIL", "suggest.add_ram", "to_repair"),
        ("FAIL", "suggest.add_disk", "to_repair"),
        ("FAIL", "suggest.repair", "to_repair"),
        ("FAIL", "suggest.recycle", "recycled"),
        ("FAIL", "suggest.wipe_again", "in_audit"),
        ("PASS_WITH_WARNINGS", "suggest.complete_tests", "in_audit"),
        ("FAIL", "suggest.inspect", "in_audit"),
        ("FAIL", "suggest.something_new", "in_audit"),
    ],
)
def test_ledger_state(verdict: str | None, code: str | None, state: str) -> None:
    assert ledger_state(verdict, code) == state


def test_codes_the_grading_policy_emits_are_all_classified() -> None:
    """Every suggestion code in deuxvie.grading.grade maps to a decided or pending state
    on purpose (not by falling through to "refurbished")."""
    import re
    from pathlib import Path

    grading = pytest.importorskip("deuxvie.grading.grade")
    source = Path(grading.__file__).read_text()
    codes = set(re.findall(r'"(suggest\.[a-z_]+)"', source))
    repairs = set(re.findall(r'^\s+"((?:replace|add)_[a-z_]+)": \(', source, re.M))
    codes |= {f"suggest.{r}" for r in repairs}
    assert "suggest.recycle" in codes and "suggest.replace_battery" in codes
    for code in codes:
        expected = "refurbished" if code == "suggest.refurbish" else None
        got = ledger_state("PASS_WITH_WARNINGS", code)
        assert got != "received"
        if expected:
            assert got == expected
        else:
            assert got != "refurbished", code


def test_tokens_never_look_like_command_line_options() -> None:
    from deuxvie_server.security import new_token

    assert all(not new_token().startswith("-") for _ in range(2000))


def test_plain_postgresql_urls_use_psycopg3() -> None:
    from deuxvie_server.db import normalise_url

    assert normalise_url("postgresql://u:p@h:5433/db") == "postgresql+psycopg://u:p@h:5433/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


def test_migrations_are_idempotent(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from deuxvie_server.db import current_revision, make_engine, upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    upgrade(engine)
    upgrade(engine)
    assert current_revision(engine) == "0003"
