"""Fast bulk inserts for ingestion (100k-entry files): COPY on PostgreSQL, executemany on SQLite.

SQLAlchemy's per-row parameter processing costs more than the database work at this volume,
so values are converted once per column type here and handed to the driver directly. Only
plain INSERTs of complete rows (ids assigned by the caller) go through this path.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import JSON, Boolean, Connection, Date, Table
from sqlalchemy.exc import IntegrityError

from ledger.types import UTCDateTime

Converter = Callable[[Any], Any]


def _json(value: Any) -> Any:
    if value is None:
        return None
    if not value and isinstance(value, list):
        return "[]"  # most remittance/reference/invoice lists are empty: skip the encoder
    return json.dumps(value, ensure_ascii=False)


def _sqlite_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _sqlite_bool(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _sqlite_datetime(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(f"naive datetime refused: {value!r}")
    # The format SQLAlchemy's SQLite DateTime type reads back.
    return value.astimezone(timezone.utc).replace(tzinfo=None).isoformat(sep=" ")


def _identity(value: Any) -> Any:
    return value


def _converter(column: Any, dialect: str) -> Converter:
    kind = column.type
    if isinstance(kind, JSON):
        return _json
    if dialect == "sqlite":
        if isinstance(kind, Date):
            return _sqlite_date
        if isinstance(kind, Boolean):
            return _sqlite_bool
        if isinstance(kind, UTCDateTime):
            return _sqlite_datetime
    return _identity


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert complete rows (every key a column of `table`) as fast as the driver allows."""
    if not rows:
        return
    names = list(rows[0].keys())
    dialect = conn.dialect.name
    converters = [_converter(table.c[name], dialect) for name in names]
    values = [tuple(conv(row[name]) for name, conv in zip(names, converters)) for row in rows]
    columns = ", ".join(f'"{name}"' for name in names)
    if dialect == "postgresql":
        statement = f'COPY "{table.name}" ({columns}) FROM STDIN'
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            with cursor.copy(statement) as copy:
                for value in values:
                    copy.write_row(value)
        except conn.dialect.dbapi.IntegrityError as error:  # type: ignore[union-attr]
            # Callers handle SQLAlchemy's IntegrityError (e.g. a concurrent duplicate): same type here.
            raise IntegrityError(statement, None, error) from error
        return
    marks = ", ".join("?" for _ in names)
    conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({columns}) VALUES ({marks})', values)
