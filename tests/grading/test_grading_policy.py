"""Policy loading: the shipped default is complete and cited; bad files name the key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from deuxvie.grading.policy import PolicyError, default_policy, default_policy_text, load_policy


def test_default_policy_values() -> None:
    p = default_policy()
    assert p.smart.reallocated_fail_above == 16
    assert p.nvme.percentage_used_warn_at == 80
    assert p.battery.health_warn_below_pct == 80.0
    assert p.battery.cycles_warn_above == 750
    assert p.minimum.ram_gib == 4.0 and p.minimum.storage_gb == 64.0
    assert p.diagnostics.cpu_stress_duration_s == 60.0
    assert p.grading.untested_verdict == "PASS_WITH_WARNINGS"
    with pytest.raises(AttributeError):
        p.smart.reallocated_fail_above = 3  # type: ignore[misc]


def test_every_number_in_the_default_policy_has_a_comment_citing_it() -> None:
    # A number with no comment on its line must be explained by the comment block above it.
    lines = default_policy_text().splitlines()
    for i, line in enumerate(lines):
        if not re.match(r"^[a-z_0-9]+ = [0-9.]", line):
            continue
        if "#" in line:
            continue
        above = lines[max(0, i - 6):i]
        assert any(a.startswith("#") for a in above), f"uncited number: {line}"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [("[smart]\nrealocated_fail_above = 3\n", "smart.realocated_fail_above", "unknown key"),
     ("[smartt]\nx = 1\n", "smartt", "unknown key"),
     ("[smart]\nreallocated_fail_above = \"16\"\n", "smart.reallocated_fail_above", "number"),
     ("[smart]\nreallocated_fail_above = 1.5\n", "smart.reallocated_fail_above", "integer"),
     ("[smart]\nfail_on_failed_selftest = 1\n", "smart.fail_on_failed_selftest", "true or false"),
     ("[battery]\nhealth_warn_below_pct = 140\n", "battery.health_warn_below_pct", "maximum"),
     ("[nvme]\npercentage_used_warn_at = -1\n", "nvme.percentage_used_warn_at", "minimum"),
     ("[grading]\nuntested_verdict = \"PASS\"\n", "grading.untested_verdict", "not one of"),
     ("[grading]\nrequired = [\"ram\", \"memtest\"]\n", "grading.required", "memtest"),
     ("[diagnostics]\nsurface_mode = \"quick\"\n", "diagnostics.surface_mode", "not one of"),
     ("[smart]\nreallocated_fail_above = 0\nreallocated_warn_above = 5\n",
      "smart.reallocated_fail_above", ">="),
     ("smart = 3\n", "smart", "table"),
     ("[smart\n", "(syntax)", "TOML")],
)
def test_bad_policy_names_the_key(tmp_path: Path, text: str, key: str, words: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    assert info.value.key == key
    assert key in str(info.value) and str(path) in str(info.value)
    assert words in str(info.value)


def test_missing_file_is_a_policy_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "nope.toml")


def test_override_keeps_other_defaults(tmp_path: Path) -> None:
    p = load_policy(_write(tmp_path, "name = \"atelier\"\n[battery]\ncycles_warn_above = 500\n"))
    assert p.name == "atelier" and p.battery.cycles_warn_above == 500
    assert p.battery.health_warn_below_pct == 80.0
    assert p.source == str(tmp_path / "policy.toml")
