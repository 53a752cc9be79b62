"""A NACHA file's bytes before any field is read: `detect` from its first bytes, and the
stream cut into 94-character records (`physical_records`), which reader.py reads.

Line ends may be CRLF, LF or CR; a line may hold several records (blocked files) or the
whole file may have no line breaks at all; a UTF-8 byte order mark is skipped.

Record boundaries when a name or an addenda holds a non-ASCII character. Windows software
writes such files in cp1252 (one byte per character: records stay 94 bytes) or in UTF-8,
and a UTF-8 writer pads either by bytes (a 94-byte record holding fewer characters: NACHA's
columns stay byte positions) or by characters (94 characters, 95+ bytes). So a record is
cut by bytes first; by UTF-8 characters only when the bytes overflow and the characters fit:
a line of more than 94 bytes that is valid UTF-8 and holds at most 94 characters (or a
multiple of 94 on a blocked line), or in a file without line breaks the cut after 94
characters when the cut after 94 bytes does not land on the start of a record and that one
does. Records cut by characters are `Utf8Record`s, so the reader knows which bytes a
column held.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import BinaryIO

from core.digits import readable
from core.errors import ParseError
from core.limits import ParseLimits, check_line_count, line_too_long
from core.records import Format
from ingest.ach import codes
from ingest.ach.records import RECORD_LENGTH

# --- detection ----------------------------------------------------------------------------


def _is_file_header(line: bytes) -> bool:
    # '1' + priority '01', then record size 094, blocking factor 10, format code 1 (35-40).
    return line.startswith(b"101") and len(line) >= 40 and line[34:40] == b"094101"


def _is_batch_header(line: bytes) -> bool:
    return (
        line[:1] == b"5"
        and line[1:4].isdigit()
        and int(line[1:4]) in codes.SERVICE_CLASS_CODES
        and line[50:53].decode("ascii", "replace") in codes.SEC_CODES
    )


def _is_entry(line: bytes) -> bool:
    code = line[1:3]
    return (
        line[:1] == b"6"
        and code.isdigit()
        and (int(code) in codes.TRANSACTION_CODES or int(code) in codes.ADV_TRANSACTION_CODES)
        and line[3:11].isdigit()
    )


def _starts_record(rest: bytes) -> bool:
    """Whether what follows a first record of 94 bytes is a next record (no line breaks)."""
    return rest[:1] in (b"5", b"6", b"9")


def _head_lines(head: bytes) -> list[bytes]:
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    text = head.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    lines = [line for line in text.split(b"\n") if line.strip()]
    if lines and len(lines[0]) > RECORD_LENGTH and _starts_record(lines[0][RECORD_LENGTH:]):
        first = lines[0]  # no line breaks: cut the first records
        cut = [first[i : i + RECORD_LENGTH] for i in range(0, min(len(first), 10 * 94), 94)]
        lines = cut + lines[1:]
    return lines


def detect(head: bytes) -> Format | None:
    """Format.ACH for a NACHA file: a '101…094101' file header; a record starting '1' whose
    next record is a valid batch header (a file header with a bad field, which the reader
    names); or (header-less fragments such as returns extracted from a file) a valid batch
    header followed by an entry."""
    lines = _head_lines(head)
    if not lines:
        return None
    first = lines[0]
    if _is_file_header(first):
        return Format.ACH
    if first[:1] == b"1" and len(lines) > 1 and _is_batch_header(lines[1]):
        return Format.ACH
    if _is_batch_header(first) and len(lines) > 1 and _is_entry(lines[1]):
        return Format.ACH
    return None


def _looks_like_nacha(lines: list[bytes]) -> bool:
    """Records of about 94 characters, the first a file or batch header, most of the next
    ones NACHA record types: a NACHA file whose headers detect() cannot accept."""
    if len(lines) < 2 or lines[0][:1] not in (b"1", b"5"):
        return False
    sample = lines[:10]
    sized = sum(RECORD_LENGTH - 14 <= len(line.rstrip()) <= RECORD_LENGTH for line in sample)
    typed = sum(line[:1] in (b"1", b"5", b"6", b"7", b"8", b"9") for line in sample)
    return sized * 2 > len(sample) and typed * 4 >= len(sample) * 3


def explain(head: bytes) -> ParseError | None:
    """Why a file that looks like NACHA is not detected: a ParseError naming the line, the
    record and the field of the first header that does not follow the layout; None when the
    bytes do not look like NACHA at all (or detect() accepts them).

    For the format detector (ingest/formats.py): ask it when no parser recognises a file,
    and raise what it returns instead of the generic "not a recognised bank file"."""
    from ingest.ach.records import batch_header_problems, file_header_problems

    lines = _head_lines(head)
    if detect(head) is not None:
        return None
    if lines and _is_entry(lines[0]) and _looks_like_nacha([b"5" + lines[0][1:], *lines[1:]]):
        # Entries cut out of a file without their batch header (moov-io/ach
        # return-no-batch-header.ach): what they are is known, what they belong to is not.
        return ParseError(
            "an entry detail record (type 6) with no batch header (type 5) before it: without "
            "one there is no SEC code, company or effective date to read it by",
            line=1, record="entry (type 6)", field="record type code", value="6")
    if not _looks_like_nacha(lines):
        return None
    first = lines[0].decode("latin-1")
    if first[:1] == "1":
        problems = file_header_problems(first)
        if problems:
            field, value, message = problems[0]
            return ParseError(f"{message} (NACHA file header not recognised)", line=1,
                              record="file header (type 1)", field=field, value=value)
        second = lines[1].decode("latin-1")
        if second[:1] != "5":
            return ParseError("a NACHA file header must be followed by a batch header "
                              "(type 5)", line=2, record=f"with type code {second[:1]!r}",
                              field="record type code", value=second[:1])
        where, line_no = second, 2
    else:
        where, line_no = first, 1
    problems = batch_header_problems(where)
    if problems:
        field, value, message = problems[0]
        return ParseError(f"{message} (NACHA batch header not recognised)", line=line_no,
                          record="batch 1 header (type 5)", field=field, value=value)
    if line_no == 1:
        entry = lines[1].decode("latin-1")
        return ParseError("a NACHA batch header without a file header must be followed by an "
                          "entry detail record (type 6) with a valid transaction code",
                          line=2, record="batch 1 entry 1 (type 6)", field="transaction code",
                          value=entry[1:3])
    return None


# --- physical records ---------------------------------------------------------------------

_CHUNK = 64 * 1024
# A record of 94 UTF-8 characters is at most 4 * 94 bytes; one more byte shows what follows.
_LOOKAHEAD = 4 * RECORD_LENGTH + RECORD_LENGTH + 1


class Utf8Record(str):
    """A record cut by UTF-8 characters (94 characters, more bytes): its columns are
    characters, and its text fields are re-encoded as UTF-8 to show the bytes."""

    __slots__ = ()


def _plausible(record: bytes) -> bool:
    """Whether bytes look like the start of a NACHA record (the type's leading digits)."""
    kind = record[:1]
    if kind == b"1":
        return record[1:3].isdigit()
    if kind == b"5":
        return record[1:4].isdigit() and int(record[1:4]) in codes.SERVICE_CLASS_CODES
    if kind == b"6":
        return record[1:11].isdigit()
    if kind == b"7":
        return record[1:3].decode("latin-1") in {"02", "05", "98", "99",
                                                  *(str(n) for n in range(10, 19))}
    if kind in (b"8", b"9"):
        return record[1:10].isdigit()
    return False


def _char_end(data: bytes, start: int) -> int | None:
    """The byte offset after 94 UTF-8 characters from `start`; None when not UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        chars = decoder.decode(data[start : start + 4 * RECORD_LENGTH], final=False)
    except UnicodeDecodeError:
        return None
    if len(chars) < RECORD_LENGTH and start + 4 * RECORD_LENGTH < len(data):
        return None
    return start + len(chars[:RECORD_LENGTH].encode("utf-8"))


def _cut_run(data: bytes, final: bool) -> tuple[list[str], int]:
    """Records of a run without line breaks: (records, bytes consumed). Blank records are
    returned as '' (they are counted, not read)."""
    out: list[str] = []
    i, n = 0, len(data)
    while i < n:
        if not final and n - i < _LOOKAHEAD:
            break
        end = min(i + RECORD_LENGTH, n)
        piece = data[i:end]
        record: str = piece.decode("latin-1")
        if not piece.isascii() and end < n and not _plausible(data[end:end + 11]):
            chars = _char_end(data, i)
            if chars is not None and chars != end and (
                chars >= n or _plausible(data[chars:chars + 11])
            ):
                end = chars
                record = Utf8Record(data[i:end].decode("utf-8"))
        out.append(record if record.strip() else "")
        i = end
    return out, i


def _records_of_line(body: bytes) -> list[str]:
    """The records of one text line: none (blank), one, or several (blocked files)."""
    if not body.strip() or body == b"\x1a":  # blank line, DOS end-of-file mark
        return []
    if len(body) > RECORD_LENGTH and not body.isascii():
        try:
            chars = body.decode("utf-8")
        except UnicodeDecodeError:
            chars = None
        if chars is not None and len(chars) != len(body):
            if len(chars) <= RECORD_LENGTH or not chars[RECORD_LENGTH:].strip():
                return [Utf8Record(chars[:RECORD_LENGTH])]
            records, _ = _cut_run(body, final=True)
            if all(r == "" or _plausible(r.encode("utf-8")[:11]) for r in records):
                return [r for r in records if r]
    return _split(body.decode("latin-1"))


def physical_records(source: BinaryIO, limits: ParseLimits) -> Iterator[tuple[int, str]]:
    """(line number, record text) per record; blank lines are skipped but counted.

    Reads fixed-size chunks (memory stays flat) and splits on LF, CRLF or CR. Bytes are
    decoded as latin-1 (one character per byte) so that any byte reaches the reader, which
    repairs text fields and says where a byte is that it cannot take; records cut by
    UTF-8 characters (see the module docstring) are `Utf8Record`s. A line longer than the
    line limit is accepted only as a file without line breaks: a run of 94-character records.
    """
    number = 0
    buffer = b""
    unbroken = False
    started = False
    eof = False
    while not eof:
        chunk = source.read(_CHUNK)
        eof = not chunk
        buffer += chunk
        if not started:
            if len(buffer) < 3 and not eof:
                continue
            started = True
            if buffer.startswith(b"\xef\xbb\xbf"):  # UTF-8 byte order mark
                buffer = buffer[3:]
        if unbroken:
            buffer = buffer.replace(b"\r", b"").replace(b"\n", b"")
            records, used = _cut_run(buffer, final=eof)
            for record in records:
                number += 1
                check_line_count(number, limits)
                if record:
                    yield number, record
            buffer = buffer[used:]
            continue
        lines = buffer.splitlines(keepends=True)
        buffer = b""
        # Keep back an unfinished line, or one ending in CR whose LF may open the next chunk.
        if lines and not eof and not lines[-1].endswith(b"\n"):
            buffer = lines.pop()
        for raw in lines:
            for piece in _records_of_line(raw.rstrip(b"\r\n")) or [None]:
                number += 1
                check_line_count(number, limits)
                if piece is not None:
                    yield number, piece
        if len(buffer) > limits.max_line_bytes:
            if buffer[:1] in (b"1", b"5") and _starts_record(buffer[RECORD_LENGTH:]):
                unbroken = True
                continue
            raise line_too_long(number + 1, readable(buffer, 40), limits)


def _split(body: str) -> list[str]:
    """The records of one text line (one character per byte)."""
    if len(body) <= RECORD_LENGTH or not body[RECORD_LENGTH:].strip():
        return [body[:RECORD_LENGTH]]
    records = [body[i : i + RECORD_LENGTH] for i in range(0, len(body), RECORD_LENGTH)]
    if len(body) % RECORD_LENGTH == 0:
        return records
    # Records without line breaks whose last one is short (unpadded, like a file control or
    # block fill cut at 55: jm81/ach return_fixedlength.txt): cut when every piece starts
    # like a record; the reader takes a short last record as it takes a short line.
    if all(_plausible(record[:11].encode("latin-1")) for record in records):
        return records
    return [body]  # the reader reports its length
