"""BAI physical lines: read in chunks, decoded, checked for binary content.

Shared by the BAI2 parser and ingest.lockbox (both BAI formats are line based).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from core.digits import readable
from core.errors import ParseError
from core.limits import ParseLimits, check_line_count, line_too_long

BOM = b"\xef\xbb\xbf"
_CHUNK = 64 * 1024
_EOL = re.compile(rb"\r\n|\r|\n")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def physical_lines(source: BinaryIO, limits: ParseLimits) -> Iterator[tuple[int, str]]:
    """(1-based line number, decoded text) for each physical line; blank lines included."""
    number = 0
    buffer = b""
    eof = False
    while not eof:
        chunk = source.read(_CHUNK)
        eof = not chunk
        buffer += chunk
        start = 0
        while True:
            match = _EOL.search(buffer, start)
            # A CR at the very end of the buffer may be the first half of a CRLF.
            if match is None or (match.group() == b"\r" and match.end() == len(buffer) and not eof):
                break
            number += 1
            yield number, _decode(buffer[start : match.start()], number, limits)
            start = match.end()
        buffer = buffer[start:]
        if len(buffer) > limits.max_line_bytes:
            raise line_too_long(number + 1, str(len(buffer)), limits)
    if buffer:
        yield number + 1, _decode(buffer, number + 1, limits)


def _decode(raw: bytes, number: int, limits: ParseLimits) -> str:
    check_line_count(number, limits)
    if len(raw) > limits.max_line_bytes:
        raise line_too_long(number, str(len(raw)), limits)
    if number == 1 and raw.startswith(BOM):
        raw = raw[len(BOM) :]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            raise ParseError(
                "bytes that are neither UTF-8 nor Windows-1252 text (binary data?)",
                line=number,
                field="content",
                value=readable(raw, 40),
            ) from None
    bad = _CONTROL.search(text)
    if bad:
        raise ParseError(
            f"control character U+{ord(bad.group()):04X} in a text file (binary data?)",
            line=number,
            field="content",
            value=text[:40],
        )
    return text
