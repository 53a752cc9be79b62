"""The columns of a 94-character NACHA record: reading a field, writing one, naming one.

Readers raise FieldError naming the field and the value (the reader adds the line number
and the record); writers raise ValueError for a value that does not fit its field.
Columns are NACHA's: 1-based and inclusive.
"""

from __future__ import annotations

from ingest.ach import codes

RECORD_LENGTH = 94


class FieldError(ValueError):
    """A field whose content cannot be read. `field` and `value` name it for the error."""

    def __init__(self, field: str, value: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.value = value
        self.message = message


# --- reading -------------------------------------------------------------------------------


def cut(line: str, start: int, end: int) -> str:
    return line[start - 1 : end]


def text(line: str, start: int, end: int) -> str:
    return cut(line, start, end).strip()


def number(line: str, start: int, end: int, field: str) -> int:
    """A zero-filled numeric field. Blanks are refused: they hide truncated lines."""
    raw = cut(line, start, end)
    if not (raw.isascii() and raw.isdigit()):
        raise FieldError(field, raw, f"{field} must be {end - start + 1} digits")
    return int(raw)


def digits(line: str, start: int, end: int, field: str) -> str:
    """A numeric identifier kept as text (leading zeros matter: routing and trace numbers)."""
    raw = cut(line, start, end)
    if not (raw.isascii() and raw.isdigit()):
        raise FieldError(field, raw, f"{field} must be {end - start + 1} digits")
    return raw


def optional_number(line: str, start: int, end: int) -> int | None:
    raw = cut(line, start, end).strip()
    return int(raw) if raw.isascii() and raw.isdigit() else None


# --- writing -------------------------------------------------------------------------------


def alpha(value: str, width: int, field: str) -> str:
    if len(value) > width:
        raise ValueError(f"{field} {value!r} is longer than {width} characters")
    if not value.isascii() or not value.isprintable():
        raise ValueError(f"{field} {value!r} must be printable ASCII")
    return value.ljust(width)


def right(value: str, width: int, field: str) -> str:
    """Right-justified text: the header's routing numbers are written as ' 123456789'."""
    alpha(value, width, field)
    return value.rjust(width)


def num(value: int, width: int, field: str) -> str:
    if value < 0 or value >= 10**width:
        raise ValueError(f"{field} {value} does not fit {width} digits")
    return str(value).zfill(width)


def fixed_digits(value: str, width: int, field: str) -> str:
    if len(value) != width or not (value.isascii() and value.isdigit()):
        raise ValueError(f"{field} {value!r} must be exactly {width} digits")
    return value


def check(line: str) -> str:
    if len(line) != RECORD_LENGTH:  # a programming error in a to_line(), never user data
        raise AssertionError(f"record is {len(line)} characters: {line!r}")
    return line


# --- where a column is ----------------------------------------------------------------------

# NACHA's field names by record type (1-based inclusive columns), for messages about a column
# that cannot be read (a non-ASCII byte): the message names the field, not "content".
_FIELDS: dict[str, tuple[tuple[int, int, str], ...]] = {
    "1": ((2, 3, "priority code"), (4, 13, "immediate destination"),
          (14, 23, "immediate origin"), (24, 29, "file creation date"),
          (30, 33, "file creation time"), (34, 34, "file ID modifier"), (35, 37, "record size"),
          (38, 39, "blocking factor"), (40, 40, "format code"),
          (41, 63, "immediate destination name"), (64, 86, "immediate origin name"),
          (87, 94, "reference code")),
    "5": ((2, 4, "service class code"), (5, 20, "company name"),
          (21, 40, "company discretionary data"), (41, 50, "company identification"),
          (51, 53, "standard entry class code"), (54, 63, "company entry description"),
          (64, 69, "company descriptive date"), (70, 75, "effective entry date"),
          (76, 78, "settlement date"), (79, 79, "originator status code"),
          (80, 87, "originating DFI identification"), (88, 94, "batch number")),
    "6": ((2, 3, "transaction code"), (4, 11, "receiving DFI identification"),
          (12, 12, "check digit"), (13, 29, "DFI account number"), (30, 39, "amount"),
          (40, 54, "identification number"), (55, 76, "individual name"),
          (77, 78, "discretionary data"), (79, 79, "addenda record indicator"),
          (80, 94, "trace number")),
    "6CTX": ((55, 58, "number of addenda records"), (59, 74, "receiving company name")),
    "6CIE": ((40, 54, "individual name"), (55, 76, "individual identification number")),
    "7": ((2, 3, "addenda type code"), (4, 83, "payment related information"),
          (84, 87, "addenda sequence number"), (88, 94, "entry detail sequence number")),
    "799": ((4, 6, "return reason code"), (7, 21, "original entry trace number"),
            (22, 27, "date of death"), (28, 35, "original receiving DFI"),
            (36, 79, "addenda information"), (80, 94, "trace number")),
    "798": ((4, 6, "change code"), (7, 21, "original entry trace number"),
            (28, 35, "original receiving DFI"), (36, 64, "corrected data"),
            (80, 94, "trace number")),
    "8": ((2, 4, "service class code"), (5, 10, "entry/addenda count"), (11, 20, "entry hash"),
          (21, 32, "total debit"), (33, 44, "total credit"), (45, 54, "company identification"),
          (55, 73, "message authentication code"), (80, 87, "originating DFI identification"),
          (88, 94, "batch number")),
    "9": ((2, 7, "batch count"), (8, 13, "block count"), (14, 21, "entry/addenda count"),
          (22, 31, "entry hash"), (32, 43, "total debit"), (44, 55, "total credit")),
}


def field_at(record: str, column: int, sec: str | None = None) -> tuple[str, int, int]:
    """(name, first, last) of the field holding 1-based `column` of a record (its text)."""
    kind = record[:1]
    tables = [_FIELDS.get(kind, ())]
    if kind == "6" and sec in codes.CATX_SEC_CODES:
        tables.insert(0, _FIELDS["6CTX"])
    elif kind == "6" and sec == "CIE":
        tables.insert(0, _FIELDS["6CIE"])
    elif kind == "7" and record[1:3] in ("98", "99"):
        tables.insert(0, _FIELDS["7" + record[1:3]])
    if column == 1:
        return "record type code", 1, 1
    for table in tables:
        for first, last, name in table:
            if first <= column <= last:
                return name, first, last
    return "filler", column, column
