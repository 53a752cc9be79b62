"""Format detection from content, and one entry point to every parser.

Each parser module exposes the same small API:
    detect(head: bytes) -> Format | None          # from the first bytes, never the file name
    iter_records(source: BinaryIO, *, limits) -> Iterator[Statement | Entry | ParseWarning]
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Protocol

from core.digits import readable
from core.errors import LimitExceeded, ParseError, ParseWarning
from core.limits import DEFAULT_LIMITS, ParseLimits, too_many
from core.records import Entry, Format, ParsedFile, Record, Statement, collect

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
    Format.PAIN002: "iso20022.pain002",
    Format.OFX: "ingest.ofx",
    Format.ACH: "ingest.ach",
    Format.LOCKBOX: "ingest.lockbox",
    Format.BAI2: "ingest.bai2",
    Format.X12_820: "ingest.advice",  # remittance advices: stored, not booked (ingest/advice_store.py)
    Format.ADVICE_CSV: "ingest.advice",
}


def _parser(fmt: Format) -> Parser:
    # Imported on first use, so that one format's parser never stops another from working.
    return importlib.import_module(_MODULES[fmt])  # type: ignore[return-value]


def _parsers() -> dict[Format, Parser]:
    return {fmt: _parser(fmt) for fmt in _MODULES}


def detect_format(head: bytes) -> Format:
    """The format of a file from its first bytes; ParseError when nothing recognises it."""
    seen: set[int] = set()
    for fmt in _MODULES:  # imported in turn: a camt file needs no other parser loaded
        parser = _parser(fmt)
        if id(parser) in seen:
            continue
        seen.add(id(parser))
        found = parser.detect(head)
        if found is not None:
            return found
    # A file that looks like NACHA but is not read as one: say which line and field (issue 13).
    if (why := _parser(Format.ACH).explain(head)) is not None:
        raise why
    sample = readable(head, 40)
    raise ParseError(
        "not a recognised bank file (camt.052/053/054, NACHA ACH, BAI2, BAI lockbox, OFX)"
        " or remittance advice (X12 820, advice CSV)",
        line=1,
        field="content",
        value=sample,
    )


def iter_records(
    fmt: Format, source: BinaryIO, *, limits: ParseLimits = DEFAULT_LIMITS
) -> Iterator[Record]:
    """The parser's records, held to the per-file limits every format shares (entries,
    statements, warnings kept)."""
    return _bounded(_parser(fmt).iter_records(source, limits=limits), limits)


def _bounded(records: Iterator[Record], limits: ParseLimits) -> Iterator[Record]:
    """Count what a parser yields: too many entries or statements end the file (the parser's
    own state, such as the statement ids it keeps unique, grows with them); warnings past
    `max_warnings` are counted, not kept, and summed up in one last warning — except those the
    ingest layer acts on (`integrity`: a statement that does not add up; `hold`: a lockbox
    batch out of balance), which are always kept: dropping one would store a file that
    REMIT_STATEMENT_INTEGRITY=reject refuses, or apply a batch that must go to review. They
    are few (at most one per statement or batch, both bounded)."""
    entries = statements = warnings = dropped = 0
    max_entries, max_statements = limits.max_entries, limits.max_statements
    max_warnings = limits.max_warnings
    for record in records:
        kind = type(record)
        if kind is Entry:
            entries += 1
            if entries > max_entries:
                raise too_many("entries", entries, max_entries)
        elif kind is Statement:
            statements += 1
            if statements > max_statements:
                raise too_many("statements", statements, max_statements)
        else:
            warnings += 1
            acted_on = record.integrity or record.hold  # type: ignore[union-attr]
            if warnings > max_warnings and not acted_on:
                dropped += 1
                continue
        yield record
    if dropped:
        yield ParseWarning(
            f"{dropped} more warnings not shown (the limit is {max_warnings}"
            " per file)",
            field="warnings",
            value=str(warnings),
        )


def _checked_size(path: Path, limits: ParseLimits) -> None:
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise LimitExceeded(
            f"file is {size} bytes, over the limit of {limits.max_file_bytes}",
            field="size",
            value=str(size),
        )


def _named(records: Iterator[Record], name: str) -> Iterator[Record]:
    try:
        yield from records
    except ParseError as error:
        raise error.with_file(name) from None


@contextmanager
def path_records(
    path: Path, fmt: Format | None = None, *, limits: ParseLimits = DEFAULT_LIMITS
) -> Iterator[tuple[Format, Iterator[Record]]]:
    """(format, record stream) of a file, read as the stream is consumed (flat memory).
    Every ParseError, raised here or while iterating, names the file."""
    try:
        _checked_size(path, limits)
        with path.open("rb") as source:
            if fmt is None:
                fmt = detect_format(source.read(HEAD_BYTES))
                source.seek(0)
            yield fmt, _named(iter_records(fmt, source, limits=limits), path.name)
    except ParseError as error:
        raise error.with_file(path.name) from None


def parse_path(
    path: Path, fmt: Format | None = None, *, limits: ParseLimits = DEFAULT_LIMITS
) -> ParsedFile:
    """Parse a whole file into memory. Raises ParseError naming the file."""
    with path_records(path, fmt, limits=limits) as (found, records):
        return collect(found, records)
