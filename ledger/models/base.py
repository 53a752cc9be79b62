"""The declarative base of every table: one MetaData with the naming convention; the
length of a String(n) column, which inputs are checked against."""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def column_length(attribute: Any) -> int:
    """The length of a String(n) column: the longest text an input bound for it may have.
    SQLite ignores VARCHAR lengths, PostgreSQL refuses longer text with an error that must
    never reach a caller as a 500 or a traceback, so inputs are checked against this."""
    length = attribute.property.columns[0].type.length
    if not isinstance(length, int):
        raise TypeError(f"{attribute} is not a String(n) column")
    return length
