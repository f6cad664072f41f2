"""Fixtures of the certificate tests: the sample report and its variants (report_sample.py,
shared with tests/label)."""

from __future__ import annotations

from report_sample import example_report, passing_report, report

__all__ = ["example_report", "passing_report", "report"]
