"""Fast bulk writes (100k-row files and matching runs): COPY on PostgreSQL, executemany on SQLite.

SQLAlchemy's per-row parameter processing costs more than the database work at this volume,
so values are converted once per column type here and handed to the driver directly. Plain
INSERTs of complete rows (`insert_rows`, ids reserved by `reserve_ids`) and UPDATEs of rows by
id (`update_rows`: one statement over unnested arrays on PostgreSQL) go through this path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timezone
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Boolean, Connection, Date, Table, func, select, text
from sqlalchemy.exc import DBAPIError

from ledger.types import UTCDateTime

Converter = Callable[[Any], Any]


_encode_json = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(..., ensure_ascii=False)


def _json(value: Any) -> Any:
    if value is None:
        return None
    if not value and isinstance(value, list):
        return "[]"  # most remittance/reference/invoice lists are empty: skip the encoder
    return _encode_json(value)


json_text = _json  # the text a JSON column gets from this module (insert_tuples takes it)


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


sqlite_datetime = _sqlite_datetime  # what SQLite stores for an aware datetime (insert_tuples)


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


def _values(rows: Sequence[dict[str, Any]], names: list[str], converters: list[Converter]) -> list[tuple[Any, ...]]:
    """The rows as tuples in `names` order, converted; only columns that need it are touched
    (at 100k+ rows a call per value costs more than the database's work)."""
    get = itemgetter(*names)
    values = [get(row) for row in rows] if len(names) > 1 else [(get(row),) for row in rows]
    convert = [(i, conv) for i, conv in enumerate(converters) if conv is not _identity]
    if not convert:
        return values
    out = []
    for value in values:
        row = list(value)
        for i, conv in convert:
            row[i] = conv(row[i])
        out.append(tuple(row))
    return out


def _pg_type(column: Any, dialect: Any) -> str:
    """The column's PostgreSQL type as psycopg names it: VARCHAR(64) -> "varchar"."""
    return re.sub(r"\(.*?\)", "", column.type.compile(dialect=dialect)).strip().lower()


def insert_rows(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]], *, binary: bool = False
) -> None:
    """Insert complete rows (every key a column of `table`) as fast as the driver allows.

    binary=True: PostgreSQL's binary COPY, several times cheaper for client and server than
    text COPY at 100k rows, but strict: each value must already be its column's Python type
    (str for text, int for integers, date, aware datetime, a JSON-able object for JSON —
    never pre-encoded JSON text). Without it values are converted leniently, as text.
    """
    if not rows:
        return
    names = list(rows[0].keys())
    dialect = conn.dialect.name
    binary = binary and dialect == "postgresql"
    converters = [_identity if binary else _converter(table.c[name], dialect) for name in names]
    values = _values(rows, names, converters)
    if dialect == "postgresql":
        _copy(conn, table, names, values, binary=binary)
        return
    insert_tuples(conn, table, names, values)  # converted for SQLite above: the same INSERT


def _copy(
    conn: Connection,
    table: Table,
    names: Sequence[str],
    values: Iterable[Sequence[Any]],
    *,
    binary: bool,
    json_as_text: bool = False,
) -> None:
    """COPY `values` (tuples in `names` order) into `table`; `json_as_text`: JSON columns
    are given as JSON text (sent as text: json's binary form is its text)."""
    columns = ", ".join(f'"{name}"' for name in names)
    statement = f'COPY "{table.name}" ({columns}) FROM STDIN' + (" (FORMAT BINARY)" if binary else "")
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(statement) as copy:
            if binary:
                copy.set_types(_pg_types(conn, table, tuple(names), json_as_text))
            write_row = copy.write_row
            for value in values:
                write_row(value)
    except conn.dialect.dbapi.Error as error:  # type: ignore[union-attr]
        # Callers handle SQLAlchemy's errors (IntegrityError for a concurrent duplicate,
        # DataError for a value the column refuses): the same classes as any statement's.
        raise DBAPIError.instance(statement, None, error, conn.dialect.dbapi.Error) from error  # type: ignore[union-attr]


_PG_TYPES: dict[tuple[Table, tuple[str, ...], bool], list[str]] = {}  # compiled once


def _pg_types(conn: Connection, table: Table, names: tuple[str, ...], json_as_text: bool) -> list[str]:
    key = (table, names, json_as_text)
    found = _PG_TYPES.get(key)
    if found is None:
        found = [
            "text" if json_as_text and isinstance(table.c[name].type, JSON) else _pg_type(table.c[name], conn.dialect)
            for name in names
        ]
        if len(_PG_TYPES) < 64:
            _PG_TYPES[key] = found
    return found


def insert_tuples(
    conn: Connection, table: Table, names: Sequence[str], values: Sequence[Sequence[Any]]
) -> None:
    """Insert rows given as tuples in `names` order, each value already what the driver
    stores: JSON columns as JSON text (`json_text`); on SQLite dates as ISO text and aware
    datetimes as `sqlite_datetime` text, on PostgreSQL dates and datetimes as such, every
    value its column's Python type (str, int, bool, date): they go by binary COPY.
    The cheapest path for rows built by the caller in bulk (100k-entry bank files)."""
    if not values:
        return
    if conn.dialect.name == "postgresql":
        _copy(conn, table, names, values, binary=True, json_as_text=True)
        return
    columns = ", ".join(f'"{name}"' for name in names)
    marks = ", ".join("?" for _ in names)
    conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({columns}) VALUES ({marks})', values)


def reserve_ids(conn: Connection, table: Table, n: int) -> list[int]:
    """n fresh primary keys of `table`, so bulk inserts need no per-row RETURNING round trip."""
    if n <= 0:
        return []
    if conn.dialect.name == "postgresql":
        # The sequence is looked up once (OFFSET 0 keeps the subquery from being flattened
        # into a catalog lookup per row: 5x the cost of the nextval calls themselves).
        return list(
            conn.execute(
                text(
                    "SELECT nextval(s.seq) FROM (SELECT CAST(pg_get_serial_sequence(:t, 'id')"
                    " AS regclass) AS seq OFFSET 0) AS s, generate_series(1, :n)"
                ),
                {"t": table.name, "n": n},
            ).scalars()
        )
    # SQLite: the transaction holds the database write lock (BEGIN IMMEDIATE), and rows are
    # never deleted, so max(id) + 1 ... is ours alone.
    start = conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one() + 1
    return list(range(start, start + n))


def insert_with_ids(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Give each row a reserved id, insert them all; the ids in row order."""
    ids = reserve_ids(conn, table, len(rows))
    for row, new_id in zip(rows, ids, strict=True):
        row["id"] = new_id
    insert_rows(conn, table, rows)
    return ids


def update_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """UPDATE rows by their "id": every row sets the same columns (its other keys)."""
    if not rows:
        return
    names = [name for name in rows[0] if name != "id"]
    dialect = conn.dialect.name
    if dialect == "postgresql":
        # One statement whatever the number of rows: the new values as arrays, unnested.
        pg = conn.dialect
        columns = [table.c[name] for name in names]
        arrays = {"id": [row["id"] for row in rows]}
        selects = [f"unnest(CAST(:id AS {table.c.id.type.compile(dialect=pg)}[])) AS id"]
        sets = []
        for i, (name, column) in enumerate(zip(names, columns, strict=True)):
            if isinstance(column.type, JSON):
                arrays[f"v{i}"] = [_json(row[name]) for row in rows]
                selects.append(f"CAST(unnest(CAST(:v{i} AS text[])) AS json) AS v{i}")
            else:
                arrays[f"v{i}"] = [row[name] for row in rows]
                selects.append(f"unnest(CAST(:v{i} AS {column.type.compile(dialect=pg)}[])) AS v{i}")
            sets.append(f'"{name}" = v.v{i}')
        statement = (
            f'UPDATE "{table.name}" SET {", ".join(sets)} '
            f'FROM (SELECT {", ".join(selects)}) AS v WHERE "{table.name}".id = v.id'
        )
        conn.execute(text(statement), arrays)
        return
    values = _values(rows, [*names, "id"], [*(_converter(table.c[name], dialect) for name in names), _identity])
    sets = ", ".join(f'"{name}" = ?' for name in names)
    conn.exec_driver_sql(f'UPDATE "{table.name}" SET {sets} WHERE id = ?', values)
