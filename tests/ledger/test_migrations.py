"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from ledger.models import Base


def test_migrated_schema_matches_models(engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_no_money_column_is_floating_point(engine) -> None:
    inspector = inspect(engine)
    for table in inspector.get_table_names():
        for column in inspector.get_columns(table):
            type_name = str(column["type"]).upper()
            assert not any(t in type_name for t in ("REAL", "FLOAT", "DOUBLE")), (table, column["name"])
            if column["name"].endswith("_minor"):
                assert "INT" in type_name, (table, column["name"], type_name)


def test_migrations_go_down_and_up_again(db_url) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory

    from ledger.migrate import MIGRATIONS, alembic_config, current, upgrade

    command.downgrade(alembic_config(db_url), "base")
    assert current(db_url) is None
    upgrade(db_url)
    assert current(db_url) == ScriptDirectory(str(MIGRATIONS)).get_current_head()
