"""Role names and the default API token lifetime: what `deuxvie-server`'s argument parser
needs, apart from accounts.py (SQLAlchemy models), so `deuxvie-server --help` imports no
database layer (issue 16, docs/adr/0095). accounts.py re-exports them."""

from __future__ import annotations

import datetime as dt

OPERATOR = "operator"
WORKSHOP_ADMIN = "workshop_admin"
NETWORK_ADMIN = "network_admin"
DONOR_VIEWER = "donor_viewer"
ROLES = (OPERATOR, WORKSHOP_ADMIN, NETWORK_ADMIN, DONOR_VIEWER)
WORKSHOP_ROLES = (OPERATOR, WORKSHOP_ADMIN)

DEFAULT_TOKEN_TTL = dt.timedelta(days=90)
