"""Text in a NACHA record that is not printable ASCII: repaired in free-text fields (a warning
per field), refused anywhere else with the field named (issue 13: names and addenda written by
Windows software in cp1252 or UTF-8 must not cost the file)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from core.digits import readable
from core.errors import ParseError
from ingest.ach.fields import TEXT_FIELDS, decode_field, to_ascii
from ingest.ach.physical import Utf8Record
from ingest.ach.records import RECORD_LENGTH, field_at

Warn = Callable[..., None]  # (message, line, record, field, value)


def repaired(line: int, record: str, text: str, sec: str | None, warn: Warn) -> str:
    """The record with its free-text fields made printable ASCII (a warning per field);
    a ParseError for a byte in any other field (codes, numbers, identifiers)."""
    utf8 = isinstance(text, Utf8Record)
    if len(text) > RECORD_LENGTH:
        raise unreadable(line, record, text, sec)
    padded = text.ljust(RECORD_LENGTH)
    fields: list[tuple[str, int, int]] = []
    for column, char in enumerate(padded, start=1):
        if " " <= char <= "~":
            continue
        where = field_at(padded, column, sec)
        if where[0] not in TEXT_FIELDS or column == 1:
            raise unreadable(line, record, text, sec)
        if not fields or fields[-1] != where:
            fields.append(where)
    for name, first, last in fields:
        original = padded[first - 1 : last]
        if utf8:
            shown, encoding = original, "UTF-8"
        else:
            shown, encoding = decode_field(original.encode("latin-1"))
        plain = to_ascii(shown)
        width = last - first + 1
        fixed = plain.ljust(width)[:width]
        binary = any(unicodedata.category(c) == "Cc" for c in shown)
        what = "control characters" if binary else f"non-ASCII text (read as {encoding})"
        visible = "".join(c if c.isprintable() else f"\\x{ord(c):02x}"
                          for c in shown.strip())
        warn(f"{what} in the {name} replaced: '{visible}' is read as "
                  f"'{fixed.strip()}'", line, record, name, shown.strip())
        padded = padded[: first - 1] + fixed + padded[last:]
    return padded

def unreadable(line: int, record: str, text: str, sec: str | None) -> ParseError:
    """A byte that is not printable ASCII: name its field and show that field as text."""
    column = next(i for i, c in enumerate(text) if not " " <= c <= "~")
    bad = text[column]
    what = "binary data" if bad < " " or bad == "\x7f" else "non-ASCII text"
    name, first, last = field_at(text, column + 1, sec)
    if isinstance(text, Utf8Record):  # cut by characters: show the characters
        return ParseError(
            f"{what} (character {bad!r}, U+{ord(bad):04X}, in column {column + 1}): "
            "NACHA files are printable ASCII",
            line=line, record=record, field=name,
            value=text[min(first - 1, column) : max(last, column + 1)],
        )
    raw = text.encode("latin-1")  # the reader decodes one character per byte
    end = max(last, column + 1)
    while end < len(raw) and 0x80 <= raw[end] < 0xC0:  # the rest of a UTF-8 character
        end += 1
    return ParseError(
        f"{what} (byte 0x{ord(bad):02x} in column {column + 1}): "
        "NACHA files are printable ASCII",
        line=line, record=record, field=name,
        value=readable(raw[min(first - 1, column) : end]),
    )
