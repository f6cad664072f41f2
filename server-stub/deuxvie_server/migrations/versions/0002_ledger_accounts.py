"""workshops, users, sessions, expiring per-user tokens; intake ledger (lots, items,
append-only decisions, packs, distributions, WEEE batches) — issue 14

Existing rows are kept: reports, devices and erasure records are untouched; lots and
donors gain nullable columns; admin tokens made before users existed keep working as
network_admin for 90 days from this migration (then they expire like any other).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

LEGACY_TOKEN_DAYS = 90
TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "workshops",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("territory", sa.String(200)),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(100), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(256)),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("workshop_id", sa.String(64), sa.ForeignKey("workshops.id")),
        sa.Column("donor_id", sa.String(128), sa.ForeignKey("donors.id")),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("disabled_at", TZ),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id_sha256", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id")),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("ended_at", TZ),
    )
    _add_column("admin_tokens", sa.Column("user_id", sa.Integer()), ("users", "id"))
    op.create_index("ix_admin_tokens_user_id", "admin_tokens", ["user_id"])
    _add_column("admin_tokens", sa.Column("expires_at", TZ))
    _add_column("admin_tokens", sa.Column("revoked_at", TZ))
    tokens = sa.table("admin_tokens", sa.column("expires_at", TZ))
    op.execute(tokens.update().values(
        expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=LEGACY_TOKEN_DAYS)))
    _add_column("stations", sa.Column("workshop_id", sa.String(64)), ("workshops", "id"))
    _add_column("donors", sa.Column("territory", sa.String(200)))
    _add_column("lots", sa.Column("workshop_id", sa.String(64)), ("workshops", "id"))
    _add_column("lots", sa.Column("reference", sa.String(200)))
    _add_column("lots", sa.Column("received_on", sa.Date()))
    _add_column("lots", sa.Column("created_by", sa.String(100)))
    op.create_table(
        "packs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("workshop_id", sa.String(64), sa.ForeignKey("workshops.id"), nullable=False),
        sa.Column("note", sa.String(200)),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "weee_batches",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("workshop_id", sa.String(64), sa.ForeignKey("workshops.id"), nullable=False),
        sa.Column("organisation", sa.String(200), nullable=False),
        sa.Column("slip_number", sa.String(100), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("weights_kg", sa.Text(), nullable=False),
        sa.Column("total_kg", sa.Float(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "distributions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("pack_id", sa.Integer(), sa.ForeignKey("packs.id"), nullable=False,
                  unique=True),
        sa.Column("structure", sa.String(200), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("pseudonymous_ref", sa.String(64), nullable=False),
        sa.Column("criterion", sa.String(32), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "items",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("lot_id", sa.String(128), sa.ForeignKey("lots.id"), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("serial", sa.String(256)),
        sa.Column("asset_tag", sa.String(128), unique=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("device_id", sa.Integer(), sa.ForeignKey("devices.id")),
        sa.Column("pack_id", sa.Integer(), sa.ForeignKey("packs.id")),
        sa.Column("weee_batch_id", sa.Integer(), sa.ForeignKey("weee_batches.id")),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_items_lot_id", "items", ["lot_id"])
    op.create_index("ix_items_serial", "items", ["serial"])
    op.create_table(
        "item_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("items.id"), nullable=False),
        sa.Column("from_state", sa.String(16)),
        sa.Column("to_state", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(1000), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("removed_for_destruction", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.Text()),
    )
    op.create_index("ix_item_events_item_id", "item_events", ["item_id"])
    _append_only("item_events")


def _add_column(table: str, column: sa.Column[object],
                references: tuple[str, str] | None = None) -> None:
    """A nullable column added in place. Not alembic's batch mode on SQLite: it copies the
    table and DROPs the old one, which foreign keys ON refuses for `lots` (reports point at
    it) — SQLite's own ADD COLUMN takes an inline REFERENCES for a NULL column."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        ddl = column.type.compile(dialect=bind.dialect)
        ref = f" REFERENCES {references[0]}({references[1]})" if references else ""
        op.execute(f"ALTER TABLE {table} ADD COLUMN {column.name} {ddl}{ref}")
        return
    op.add_column(table, column)
    if references:
        op.create_foreign_key(f"fk_{table}_{column.name}", table, references[0],
                              [column.name], [references[1]])


def _append_only(table: str) -> None:
    """The database itself refuses UPDATE and DELETE on the history (issue 14: "nothing is
    ever deleted or overwritten"), whoever connects."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
        return
    op.execute(
        f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN RAISE EXCEPTION '{table} is append-only'; END $$"
    )
    op.execute(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS item_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS item_events_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS item_events_append_only ON item_events")
        op.execute("DROP FUNCTION IF EXISTS item_events_append_only()")
    for table in ("item_events", "items", "distributions", "weee_batches", "packs"):
        op.drop_table(table)
    drops = {"lots": ("created_by", "received_on", "reference", "workshop_id"),
             "donors": ("territory",), "stations": ("workshop_id",),
             "admin_tokens": ("revoked_at", "expires_at", "user_id")}
    op.drop_index("ix_admin_tokens_user_id", "admin_tokens")
    for table, cols in drops.items():
        for col in cols:
            if op.get_bind().dialect.name != "sqlite" and col in ("workshop_id", "user_id"):
                op.drop_constraint(f"fk_{table}_{col}", table, type_="foreignkey")
            op.drop_column(table, col)  # SQLite >= 3.35 drops columns in place
    for table in ("web_sessions", "users", "workshops"):
        op.drop_table(table)
