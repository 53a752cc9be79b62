"""Scratch PostgreSQL databases for the benchmarks (dropped and made afresh per run)."""

from __future__ import annotations

import os

# A server the benchmarks may create databases on; $REMIT_BENCH_POSTGRES_URL overrides it.
PG_ADMIN_URL = os.environ.get("REMIT_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _admin_execute(*statements: str) -> None:
    from sqlalchemy import create_engine, text

    from ledger.db import normalise_url

    admin = create_engine(normalise_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        admin.dispose()


def fresh_database(name: str) -> str | None:
    """Drop and create database `name`; its URL, or None when there is no PostgreSQL server."""
    try:
        _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    except Exception:  # noqa: BLE001 - no server: the benchmark's row says SKIP
        return None
    return PG_ADMIN_URL.rpartition("/")[0] + f"/{name}"


def drop_database(name: str) -> None:
    _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
