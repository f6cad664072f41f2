"""`deuxvie export glpi`: this machine, a bundle or a report as a GLPI inventory."""

from __future__ import annotations

from typing import Any

from deuxvie import __version__
from deuxvie.certificate import facts
from deuxvie.wire.glpi import glpi_inventory


def certificate_url(report: dict[str, Any], server: str | None) -> str | None:
    """The certificate's URL (facts.certificate_url, the QR's) when there is both a report
    uuid and a server: a GLPI record never carries the offline placeholder."""
    return facts.certificate_url(report, server) if server and report.get("uuid") else None


def export_glpi(report: dict[str, Any], server: str | None = None) -> dict[str, Any]:
    return glpi_inventory(
        report, certificate_url=certificate_url(report, server), version=__version__
    )
