"""The report tests build the schema's example report with the server tests' factories
(tests/server/factories.py, which also writes tests/data/report-example.json), imported by
name."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
