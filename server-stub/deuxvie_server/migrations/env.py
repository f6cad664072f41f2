"""Alembic environment: the engine comes from deuxvie_server.db (never from an ini file),
so `deuxvie-server db upgrade --db URL` and the app factory migrate the same way."""

from __future__ import annotations

from alembic import context

from deuxvie_server.models import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things in place; batch mode copies the table.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
