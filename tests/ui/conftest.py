"""The pipeline's fakes (tests/pipeline/pipeline_fakes.py: fake machines and steps),
imported by name by the operator-screen tests."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "pipeline"))
