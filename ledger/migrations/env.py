"""Alembic environment: the URL comes from the caller (ledger.migrate) or REMIT_DATABASE_URL."""

from __future__ import annotations

from alembic import context

from core.settings import get_settings
from ledger.db import make_engine, normalise_url
from ledger.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url") or get_settings().database_url


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_on(connection)
        return
    engine = make_engine(normalise_url(url))
    with engine.connect() as conn:
        _run_on(conn)
    engine.dispose()


def _run_on(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite ALTER TABLE support
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
