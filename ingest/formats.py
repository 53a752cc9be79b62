"""Format detection from content, and one entry point to every parser.

Each parser module exposes the same small API:
    detect(head: bytes) -> Format | None          # from the first bytes, never the file name
    iter_records(source: BinaryIO, *, limits) -> Iterator[Statement | Entry | ParseWarning]
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

from core.digits import readable
from core.errors import LimitExceeded, ParseError
from core.limits import DEFAULT_LIMITS, ParseLimits
from core.records import Format, ParsedFile, Record, collect

HEAD_BYTES = 4096


class Parser(Protocol):
    def detect(self, head: bytes) -> Format | None: ...

    def iter_records(
        self, source: BinaryIO, *, limits: ParseLimits = DEFAULT_LIMITS
    ) -> Iterator[Record]: ...


# Format -> module holding its parser; detection asks them in this order.
_MODULES: dict[Format, str] = {
    Format.CAMT052: "iso20022.camt",
    Format.CAMT053: "iso20022.camt",
    Format.CAMT054: "iso20022.camt",
    Format.OFX: "ingest.ofx",
    Format.ACH: "ingest.ach",
    Format.LOCKBOX: "ingest.lockbox",
    Format.BAI2: "ingest.bai2",
}


def _parser(fmt: Format) -> Parser:
    # Imported on first use, so that one format's parser never stops another from working.
    return importlib.import_module(_MODULES[fmt])  # type: ignore[return-value]


def _parsers() -> dict[Format, Parser]:
    return {fmt: _parser(fmt) for fmt in _MODULES}


def detect_format(head: bytes) -> Format:
    """The format of a file from its first bytes; ParseError when nothing recognises it."""
    seen: set[int] = set()
    for parser in _parsers().values():
        if id(parser) in seen:
            continue
        seen.add(id(parser))
        found = parser.detect(head)
        if found is not None:
            return found
    sample = readable(head, 40)
    raise ParseError(
        "not a recognised bank file (camt.052/053/054, NACHA ACH, BAI2, BAI lockbox, OFX)",
        line=1,
        field="content",
        value=sample,
    )


def iter_records(
    fmt: Format, source: BinaryIO, *, limits: ParseLimits = DEFAULT_LIMITS
) -> Iterator[Record]:
    return _parser(fmt).iter_records(source, limits=limits)


def parse_path(
    path: Path, fmt: Format | None = None, *, limits: ParseLimits = DEFAULT_LIMITS
) -> ParsedFile:
    """Parse a whole file into memory. Raises ParseError naming the file."""
    size = path.stat().st_size
    try:
        if size > limits.max_file_bytes:
            raise LimitExceeded(
                f"file is {size} bytes, over the limit of {limits.max_file_bytes}",
                field="size",
                value=str(size),
            )
        with path.open("rb") as source:
            if fmt is None:
                fmt = detect_format(source.read(HEAD_BYTES))
                source.seek(0)
            return collect(fmt, iter_records(fmt, source, limits=limits))
    except ParseError as error:
        raise error.with_file(path.name) from None
