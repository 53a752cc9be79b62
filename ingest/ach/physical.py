"""A NACHA file's bytes before any field is read: `detect` from its first bytes, and the
stream cut into 94-character records (`physical_records`), which reader.py reads.

Line ends may be CRLF, LF or CR; a line may hold several records (blocked files) or the
whole file may have no line breaks at all; a UTF-8 byte order mark is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from core.digits import readable
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


def detect(head: bytes) -> Format | None:
    """Format.ACH for a NACHA file: a '101…094101' file header, or (header-less fragments
    such as returns extracted from a file) a valid batch header followed by an entry."""
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    text = head.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    lines = [line for line in text.split(b"\n") if line.strip()]
    if not lines:
        return None
    first = lines[0]
    if len(first) > RECORD_LENGTH and _starts_record(first[RECORD_LENGTH:]):
        lines = [first[:RECORD_LENGTH], first[RECORD_LENGTH:]] + lines[1:]  # no line breaks
        first = lines[0]
    if _is_file_header(first):
        return Format.ACH
    if _is_batch_header(first) and len(lines) > 1 and _is_entry(lines[1]):
        return Format.ACH
    return None


# --- physical records ---------------------------------------------------------------------

_CHUNK = 64 * 1024


def physical_records(source: BinaryIO, limits: ParseLimits) -> Iterator[tuple[int, str]]:
    """(line number, record text) per record; blank lines are skipped but counted.

    Reads fixed-size chunks (memory stays flat) and splits on LF, CRLF or CR. Bytes are
    decoded as latin-1 (one character per byte) so that any byte reaches the ASCII check
    in the reader, which says where it is. A line longer than the line limit is accepted
    only as a file without line breaks: a run of 94-character records.
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
            cut = len(buffer) if eof else len(buffer) - len(buffer) % RECORD_LENGTH
            for i in range(0, cut, RECORD_LENGTH):
                number += 1
                check_line_count(number, limits)
                record = buffer[i : i + RECORD_LENGTH]
                if record.strip():
                    yield number, record.decode("latin-1")
            buffer = buffer[cut:]
            continue
        lines = buffer.splitlines(keepends=True)
        buffer = b""
        # Keep back an unfinished line, or one ending in CR whose LF may open the next chunk.
        if lines and not eof and not lines[-1].endswith(b"\n"):
            buffer = lines.pop()
        for raw in lines:
            for piece in _split(raw.rstrip(b"\r\n").decode("latin-1")) or [None]:
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
    """The records of one text line: none (blank), one, or several (blocked files)."""
    if not body.strip() or body == "\x1a":  # blank line, DOS end-of-file mark
        return []
    if len(body) <= RECORD_LENGTH or not body[RECORD_LENGTH:].strip():
        return [body[:RECORD_LENGTH]]
    if len(body) % RECORD_LENGTH == 0:
        return [body[i : i + RECORD_LENGTH] for i in range(0, len(body), RECORD_LENGTH)]
    return [body]  # the reader reports its length
