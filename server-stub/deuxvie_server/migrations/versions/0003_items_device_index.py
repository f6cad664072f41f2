"""index items.device_id: ingest asks, for every report, whether an item already holds
its device (a report for an unknown device creates its item, issue 14); enrolment tokens
name the workshop of the station they enrol (a station's reports land in its workshop)

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_items_device_id", "items", ["device_id"])
    column = sa.Column("workshop_id", sa.String(64))
    if op.get_bind().dialect.name == "sqlite":
        # SQLite's own ADD COLUMN with an inline REFERENCES (see 0002 _add_column)
        op.execute("ALTER TABLE enrolment_tokens ADD COLUMN workshop_id VARCHAR(64) "
                   "REFERENCES workshops(id)")
    else:
        op.add_column("enrolment_tokens", column)
        op.create_foreign_key("fk_enrolment_tokens_workshop_id", "enrolment_tokens",
                              "workshops", ["workshop_id"], ["id"])


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("fk_enrolment_tokens_workshop_id", "enrolment_tokens",
                           type_="foreignkey")
    op.drop_column("enrolment_tokens", "workshop_id")
    op.drop_index("ix_items_device_id", table_name="items")
