"""Every file of ../shared/corpus goes through its parser (tests/conftest.py CORPUS)."""

from __future__ import annotations

from pathlib import Path

from deuxvie.parsers.smartctl import parse_smartctl


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_every_smartctl_capture_parses_without_any_exception(corpus_dir: Path) -> None:
    files = _files(corpus_dir / "smartctl")
    assert len(files) >= 75
    with_model = 0
    for path in files:
        facts = parse_smartctl(path.read_bytes())  # not even ParseError: all are real outputs
        if facts.model is not None:
            with_model += 1
        else:
            assert facts.messages, f"{path.name}: no model and no smartctl message"
    assert with_model == len(files) - 5  # the five *ERROR_* captures
