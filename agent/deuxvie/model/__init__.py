"""Typed model: frozen dataclasses, units in names (size_bytes, clock_hz, ...).

One module per subject. `jsonable()` turns any of them into plain JSON data; that form
is what `--json` prints and what the signed report carries.
"""

from deuxvie.model.common import Outcome, ProbeStatus, Reason, jsonable

__all__ = ["Outcome", "ProbeStatus", "Reason", "jsonable"]
