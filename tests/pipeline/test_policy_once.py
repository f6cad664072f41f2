"""The grading policy is read once a run: every step judges by the same policy, even if the
stick's policy file changes (or breaks) while the run goes on."""

from __future__ import annotations

from pathlib import Path

import pytest
from deuxvie.config import Config
from deuxvie.grading.policy import PolicyError
from deuxvie.pipeline.steps import RunData
from deuxvie.pipeline.steps.common import policy_for


def test_policy_read_once_per_run(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text("[diagnostics]\nram_passes = 3\n", encoding="utf-8")
    data = RunData(config=Config(policy_file=path))
    first = policy_for(data)
    assert first.diagnostics.ram_passes == 3
    path.write_text("[diagnostics]\nram_passes = 7\n", encoding="utf-8")
    assert policy_for(data) is first
    assert policy_for(data).diagnostics.ram_passes == 3
    # a new run reads the file as it is now
    assert policy_for(RunData(config=Config(policy_file=path))).diagnostics.ram_passes == 7


def test_unreadable_policy_is_a_clear_error(tmp_path: Path) -> None:
    data = RunData(config=Config(policy_file=tmp_path / "absent.toml"))
    with pytest.raises(PolicyError, match="cannot read"):
        policy_for(data)
    assert data.policy is None
