"""Fixtures of the label tests: the sample report of the certificate tests
(tests/certificate/report_sample.py), imported by name."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "certificate"))

from report_sample import example_report, passing_report, report

__all__ = ["example_report", "passing_report", "report"]
