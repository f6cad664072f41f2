"""Exports to the tools workshops already run: GLPI native inventory, eReuse Devicehub
snapshots (README "deuxvie export"). The GLPI mapping itself is deuxvie.wire.glpi, shared
with the coordination service (ADR 0080)."""
