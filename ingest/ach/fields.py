"""The columns of a 94-character NACHA record: reading a field, writing one, naming one.

Readers raise FieldError naming the field and the value (the reader adds the line number
and the record); writers raise ValueError for a value that does not fit its field.
Columns are NACHA's: 1-based and inclusive.
"""

from __future__ import annotations

import unicodedata

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


def padded_number(line: str, start: int, end: int, field: str,
                  repaired: list[tuple[str, str]]) -> int:
    """A control total (count, hash, amount) that some writers pad with spaces instead of
    zeros: '   1234567', '1234567   ' or all blanks (0). Accepted, and (field, raw) added to
    `repaired` for a warning; anything else that is not all digits raises FieldError."""
    raw = cut(line, start, end)
    if raw.isascii() and raw.isdigit():
        return int(raw)
    core = raw.strip(" ")
    if len(raw) == end - start + 1 and (core == "" or (core.isascii() and core.isdigit())):
        repaired.append((field, raw))
        return int(core or "0")
    raise FieldError(field, raw, f"{field} must be {end - start + 1} digits")


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
    "6IAT": ((13, 16, "number of addenda records"), (17, 29, "reserved"),
             (40, 74, "foreign receiver's account number"), (75, 76, "reserved"),
             (77, 77, "gateway operator OFAC screening indicator"),
             (78, 78, "secondary OFAC screening indicator")),
    "799D": ((4, 6, "dishonored return reason code"), (7, 21, "original entry trace number"),
             (22, 27, "reserved"), (28, 35, "original receiving DFI"), (36, 38, "reserved"),
             (39, 53, "return trace number"), (54, 56, "return settlement date"),
             (57, 58, "return reason code"), (59, 79, "addenda information"),
             (80, 94, "trace number")),
    "799C": ((4, 6, "contested dishonored return reason code"),
             (7, 21, "original entry trace number"), (22, 27, "date original entry returned"),
             (28, 35, "original receiving DFI"), (36, 38, "original settlement date"),
             (39, 53, "return trace number"), (54, 56, "return settlement date"),
             (57, 58, "return reason code"), (59, 73, "dishonored return trace number"),
             (74, 76, "dishonored return settlement date"),
             (77, 78, "dishonored return reason code"), (79, 79, "reserved"),
             (80, 94, "trace number")),
    "798R": ((4, 6, "refused change code"), (7, 21, "original entry trace number"),
             (22, 27, "reserved"), (28, 35, "original receiving DFI"),
             (36, 64, "corrected data"), (65, 67, "change code"),
             (68, 74, "trace sequence number"), (75, 79, "reserved"), (80, 94, "trace number")),
    "799": ((4, 6, "return reason code"), (7, 21, "original entry trace number"),
            (22, 27, "date of death"), (28, 35, "original receiving DFI"),
            (36, 79, "addenda information"), (80, 94, "trace number")),
    "798": ((4, 6, "change code"), (7, 21, "original entry trace number"),
            (22, 27, "reserved"), (28, 35, "original receiving DFI"),
            (36, 64, "corrected data"), (65, 79, "reserved"), (80, 94, "trace number")),
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
    elif kind == "6" and sec == "IAT":
        tables.insert(0, _FIELDS["6IAT"])
    elif kind == "7" and record[1:3] in ("98", "99"):
        code = record[3:6]
        if code in codes.DISHONORED_RETURN_CODES:
            tables = [_FIELDS["799D"]]
        elif code in codes.CONTESTED_RETURN_CODES:
            tables = [_FIELDS["799C"]]
        elif code in codes.REFUSED_CHANGE_CODES:
            tables = [_FIELDS["798R"]]
        else:
            tables = [_FIELDS["7" + record[1:3]]]
    if column == 1:
        return "record type code", 1, 1
    for table in tables:
        for first, last, name in table:
            if first <= column <= last:
                return name, first, last
    return "filler", column, column


# --- text that is not printable ASCII --------------------------------------------------------

# Free-text fields: a character that is not printable ASCII in one of these is replaced (with
# a warning) instead of refusing the file. Codes, numbers, dates, routing and account numbers,
# trace numbers and the company identification are never guessed: the reader refuses them.
TEXT_FIELDS = frozenset({
    "immediate destination name", "immediate origin name", "reference code",
    "company name", "company discretionary data", "company entry description",
    "company descriptive date", "identification number", "individual identification number",
    "individual name", "receiving company name", "discretionary data",
    "payment related information", "addenda information", "message authentication code",
    "filler", "reserved",
})

# What has a plain ASCII spelling beyond what Unicode decomposition gives (é -> e).
_SPELLED = {
    "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O", "ł": "l",
    "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH", "ı": "i",
    "\u2018": "'", "\u2019": "'", "\u201a": ",", "\u201c": '"', "\u201d": '"', "\u201e": '"',
    "«": '"', "»": '"', "\u2013": "-", "\u2014": "-", "\u2026": "...", "¦": "|", "•": "*",
    "€": "EUR", "£": "GBP", "×": "x", "\u00a0": " ",
}


def decode_field(raw: bytes) -> tuple[str, str]:
    """(text, encoding) of a field's bytes: UTF-8 where they are, else Windows-1252 (bytes
    that cp1252 leaves undefined read as Latin-1)."""
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        return "".join(
            bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in raw
        ), "Windows-1252"


def to_ascii(value: str) -> str:
    """Printable ASCII spelling of text: accents dropped, control characters as blanks,
    what has no spelling as '?'."""
    out = []
    for char in value:
        if " " <= char <= "~":
            out.append(char)
        elif char in _SPELLED:
            out.append(_SPELLED[char])
        elif unicodedata.category(char) in ("Cc", "Cf", "Zs", "Zl", "Zp"):
            out.append(" ")
        else:
            plain = "".join(c for c in unicodedata.normalize("NFKD", char)
                            if " " <= c <= "~")
            out.append(plain or "?")
    return "".join(out)
