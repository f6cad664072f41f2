"""`deuxvie-server` command line (the coordination service)."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    print("deuxvie-server: service not built yet (issue 5)", file=sys.stderr)
    return 2
