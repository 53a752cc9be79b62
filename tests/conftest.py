"""Database fixtures: every test that takes `rt` or `engine` runs on SQLite AND PostgreSQL.

PostgreSQL is required (CI starts it): REMIT_TEST_POSTGRES_URL, default the local server's
`test` database. Each xdist worker gets its own database, migrated once; tables are
truncated between tests. SQLite tests copy a migrated template file.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine, create_engine, text

from core.settings import Settings

# CI runs the same hypothesis examples every time (a red CI must be reproducible); local runs
# keep exploring new ones, which is how bugs get found. HYPOTHESIS_PROFILE=ci locally to match.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "default"))

PG_ADMIN_URL = os.environ.get("REMIT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
def _all_tables() -> str:
    # Every table of the models: a table added later is emptied between tests too.
    from ledger.models import Base

    return ", ".join(table.name for table in Base.metadata.sorted_tables)


TABLES = _all_tables()


def _pg_url(database: str) -> str:
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    return f"{base}/{database}"


@pytest.fixture(scope="session")
def pg_database(worker_id: str) -> Iterator[str]:
    from ledger.db import normalise_url
    from ledger.migrate import upgrade

    # Unique per process: two test runs at once (two developers, CI) must not share tables.
    name = f"remit_test_{worker_id}_{os.getpid()}"
    admin = create_engine(normalise_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001
        pytest.fail(f"PostgreSQL is required for the test suite ({PG_ADMIN_URL}): {error}")
    url = _pg_url(name)
    upgrade(url)
    yield url
    from ledger.db import engine_for

    engine_for.cache_clear()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def worker_id(request: pytest.FixtureRequest) -> str:
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from ledger.migrate import upgrade

    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "remit.db"
        shutil.copyfile(sqlite_template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("pg_database")
    from ledger.db import engine_for

    with engine_for(url).begin() as conn:
        conn.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
    return url


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=db_url, archive_dir=tmp_path / "archive", inbox_dir=tmp_path / "inbox")


@pytest.fixture
def rt(settings: Settings):  # type: ignore[no-untyped-def]
    from workflows.runtime import runtime

    return runtime(settings)


@pytest.fixture
def engine(rt) -> Engine:  # type: ignore[no-untyped-def]
    return rt.engine


@pytest.fixture
def fresh_runtime(db_url: str, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A factory of empty databases on this test's backend, for hypothesis: one per example."""
    from ledger.db import engine_for
    from workflows.runtime import runtime

    def make():  # type: ignore[no-untyped-def]
        work = tmp_path_factory.mktemp("example")
        if db_url.startswith("sqlite"):
            shutil.copyfile(sqlite_template, work / "db.sqlite")
            url = f"sqlite:///{work / 'db.sqlite'}"
        else:
            url = db_url
            with engine_for(url).begin() as conn:
                conn.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
        return runtime(Settings(database_url=url, archive_dir=work / "archive"))

    return make


@pytest.fixture
def cli_env(settings: Settings) -> dict[str, str]:
    """Environment for running the `remit` command against the test database."""
    env = dict(os.environ)
    env["REMIT_DATABASE_URL"] = settings.database_url
    env["REMIT_ARCHIVE_DIR"] = str(settings.archive_dir)
    return env
