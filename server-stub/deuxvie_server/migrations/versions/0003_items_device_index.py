"""index items.device_id: ingest asks, for every report, whether an item already holds
its device (a report for an unknown device creates its item, issue 14)

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_items_device_id", "items", ["device_id"])


def downgrade() -> None:
    op.drop_index("ix_items_device_id", table_name="items")
