"""Agent side of reports: build the payload, spool it on the stick, upload it."""

from deuxvie.report.build import ReportContext, build_report, pack_evidence

__all__ = ["ReportContext", "build_report", "pack_evidence"]
