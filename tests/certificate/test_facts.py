"""What certificates and labels may state: a failed, interrupted, skipped or self-
contradicting erasure is never called ERASED, and one such disk makes the machine's
erasure not certified."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from deuxvie.certificate import facts
from report_sample import HDD_BYTES, HDD_SERIAL, NVME_SERIAL, SERVER


def _statuses(report: dict[str, Any], *statuses: str) -> dict[str, Any]:
    rep = copy.deepcopy(report)
    for record, status in zip(rep["erasure"], statuses, strict=True):
        record["status"] = status
    return rep


def test_sample_report_is_failed_overall(report: dict[str, Any]) -> None:
    overall = facts.overall_erasure(report)
    assert overall.status == "FAILED"
    assert not overall.certified
    assert [d.serial for d in overall.not_certified] == [HDD_SERIAL]
    assert [d.status for d in overall.disks] == ["ERASED", "FAILED"]
    assert overall.headline("fr").startswith("EFFACEMENT NON CERTIFIÉ : 1 disque(s) sur 2")
    assert overall.headline("en").startswith("ERASURE NOT CERTIFIED: 1 of 2")


def test_all_erased_is_certified(passing_report: dict[str, Any]) -> None:
    overall = facts.overall_erasure(passing_report)
    assert overall.status == "ERASED" and overall.certified
    assert overall.headline("fr") == "EFFACÉ : 2 disque(s) sur 2"
    assert facts.method_summary(overall, "fr") == (
        "NIST Purge nvme-format-ses1 + NIST Clear overwrite-zero"
    )


@pytest.mark.parametrize(
    ("statuses", "overall_status"),
    [
        (("ERASED", "INTERRUPTED"), "INTERRUPTED"),
        (("INTERRUPTED", "FAILED"), "FAILED"),
        (("SKIPPED", "ERASED"), "SKIPPED"),
        (("SKIPPED", "INTERRUPTED"), "INTERRUPTED"),
        (("ERASED_WITH_WARNINGS", "ERASED"), "ERASED_WITH_WARNINGS"),
        (("ERASED", "SOMETHING_NEW"), "FAILED"),
    ],
)
def test_worst_disk_decides(
    passing_report: dict[str, Any], statuses: tuple[str, str], overall_status: str
) -> None:
    overall = facts.overall_erasure(_statuses(passing_report, *statuses))
    assert overall.status == overall_status
    assert overall.certified == overall_status.startswith("ERASED")
    for disk in overall.disks:
        if not disk.certified:
            # The words of a non-certified disk never contain the ERASED/EFFACÉ claim.
            assert "EFFACÉ" not in disk.text("fr") and "ERASED" not in disk.text("en")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (
            {
                "errors": [
                    {"offset_bytes": 4096, "length_bytes": 512, "phase": "verify", "message": "EIO"}
                ]
            },
            "certificate.errors_listed",
        ),
        ({"verification": "none", "verification_coverage_pct": 0.0}, "certificate.unverified"),
        ({"bytes_written": HDD_BYTES - 512}, "certificate.unwritten"),
        ({"bytes_verified": HDD_BYTES // 2}, "certificate.unverified_bytes"),
        ({"media": {"hpa": "present"}}, "certificate.hidden_area"),
    ],
)
def test_erased_claim_contradicted_by_record_is_not_repeated(
    passing_report: dict[str, Any], change: dict[str, Any], code: str
) -> None:
    rep = copy.deepcopy(passing_report)
    hdd = rep["erasure"][1]
    for key, value in change.items():
        if isinstance(value, dict):
            hdd[key].update(value)
        else:
            hdd[key] = value
    overall = facts.overall_erasure(rep)
    disk = overall.disks[1]
    assert disk.claimed == "ERASED"
    assert disk.status == facts.INCONSISTENT and not disk.certified
    assert code in {p.code for p in disk.problems}
    assert overall.status == "FAILED" and not overall.certified


def test_no_erasure_records_is_not_certified(report: dict[str, Any]) -> None:
    rep = copy.deepcopy(report)
    rep["erasure"] = []
    overall = facts.overall_erasure(rep)
    assert overall.status == facts.NO_DISK and not overall.certified
    assert overall.headline("fr") == "Aucun disque interne traité"


def test_verdict_reason_and_url(report: dict[str, Any]) -> None:
    assert facts.verdict_text(report, "fr") == "FAIL"
    assert facts.main_reason(report, "fr") == "Remplacer le disque"
    assert facts.main_reason(report, "en") == "Replace the disk"
    assert facts.certificate_url(report, SERVER + "/") == f"{SERVER}/c/{report['uuid']}"
    rep = copy.deepcopy(report)
    rep["grade"]["verdict"] = "PASS_WITH_WARNINGS"
    assert facts.verdict_text(rep, "fr") == "PASS avec réserves"
    assert facts.verdict_text(rep, "en") == "PASS with warnings"
    del rep["uuid"]
    with pytest.raises(ValueError, match="uuid"):
        facts.certificate_url(rep, SERVER)


def test_serials_come_from_records(report: dict[str, Any]) -> None:
    assert [d.serial for d in facts.overall_erasure(report).disks] == [NVME_SERIAL, HDD_SERIAL]


def test_one_certificate_url_builder() -> None:
    """{server}/c/{uuid} and the offline ".invalid" prefix are written in facts.py only: the
    label, the PDF, the station screen, the GLPI export, the demo and the ISO check call its
    builder (f-strings and string constants of the code; comments and help texts aside)."""
    import ast
    from pathlib import Path

    agent = Path(facts.__file__).resolve().parents[1]
    writers = set()
    for path in agent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            parts = node.values if isinstance(node, ast.JoinedStr) else [node]
            for part in parts:
                text = part.value if isinstance(part, ast.Constant) else None
                if isinstance(text, str) and (
                    (isinstance(node, ast.JoinedStr) and text.startswith("/c/"))
                    or text.endswith(".invalid")
                ):
                    writers.add(str(path.relative_to(agent)))
    assert writers == {"certificate/facts.py"}
