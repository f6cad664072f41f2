"""Print the agent's runtime requirements: pyproject dependencies minus the service-only ones.

The live image runs the agent, never the coordination service, so the service's web and
database stack (Flask, SQLAlchemy, alembic, psycopg) stays out of the image (docs/adr/0060).
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

SERVICE_ONLY = {"flask", "sqlalchemy", "alembic", "psycopg"}


def requirement_name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9._-]+", requirement)
    if match is None:
        raise SystemExit(f"unreadable requirement {requirement!r}")
    return match.group(0).lower().replace("_", "-")


def main() -> None:
    pyproject = Path(sys.argv[1])
    deps = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    for dep in deps:
        if requirement_name(dep) not in SERVICE_ONLY:
            print(dep)


if __name__ == "__main__":
    main()
