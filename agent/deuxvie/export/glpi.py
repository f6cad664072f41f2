"""`deuxvie export glpi`: this machine, a bundle or a report as a GLPI inventory."""

from __future__ import annotations

from typing import Any

from deuxvie import __version__
from deuxvie.wire.glpi import glpi_inventory


def certificate_url(report: dict[str, Any], server: str | None) -> str | None:
    """{server}/c/{uuid} (the QR's URL) when there is both a report uuid and a server."""
    uuid = report.get("uuid")
    return f"{server.rstrip('/')}/c/{uuid}" if server and uuid else None


def export_glpi(report: dict[str, Any], server: str | None = None) -> dict[str, Any]:
    return glpi_inventory(
        report, certificate_url=certificate_url(report, server), version=__version__
    )
