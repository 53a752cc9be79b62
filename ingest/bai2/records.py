"""BAI2 records: physical lines split into records, 88 continuations joined to theirs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from core.errors import LimitExceeded, ParseError, ParseWarning
from core.limits import ParseLimits, too_many
from ingest.bai2.lines import physical_lines

RECORD_CODES = ("01", "02", "03", "16", "88", "49", "98", "99")

# Which record codes may follow each record: used only to split several records that
# share one physical line, so that a '/' inside 16 text is not mistaken for a boundary.
_SUCCESSORS: dict[str, frozenset[str]] = {
    "01": frozenset({"02", "88"}),
    "02": frozenset({"03", "98", "88"}),
    "03": frozenset({"16", "49", "88"}),
    "16": frozenset({"16", "49", "88"}),
    "49": frozenset({"03", "98", "88"}),
    "98": frozenset({"02", "99", "88"}),
    "99": frozenset({"01", "88"}),
}
_BOUNDARY = re.compile(r"/[ ]*([0-9][0-9]),")
# A record code written "88:" or "88 ," (seen in Goldman Sachs files: moov-io/bai2 issue 113).
_ODD_CODE = re.compile(r"([0-9][0-9])(?:[ ]*:|[ ]+,)")
# What a record looks like: two digits and a comma (or the odd forms above). A line that does
# not start like this is wrapped text of the record before it.
_RECORD_START = re.compile(r"[0-9][0-9][ ]*[,:]")


@dataclass(slots=True)
class Segment:
    line: int
    text: str  # after "NN," with trailing blanks and one trailing '/' removed
    wrapped: bool = False  # a physical line with no record code: not a record of its own


@dataclass(slots=True)
class Logical:
    code: str
    segments: list[Segment]
    size: int
    repairs: list[ParseWarning] = field(default_factory=list)  # what was read leniently

    @property
    def line(self) -> int:
        return self.segments[0].line

    @property
    def count(self) -> int:
        """Records as the trailers count them: the record and its 88s, not wrapped lines."""
        return sum(not s.wrapped for s in self.segments)


def _clean(text: str) -> str:
    text = text.rstrip()
    return text[:-1] if text.endswith("/") else text


def _split_line(text: str, open_code: str | None) -> list[str]:
    """Split one physical line into records (usually exactly one)."""
    pieces: list[str] = []
    start = 0
    code = text[:2]
    effective = open_code if code == "88" and open_code else code
    for match in _BOUNDARY.finditer(text, 3):
        nxt = match.group(1)
        if match.start() < start + 3 or nxt not in _SUCCESSORS.get(effective, frozenset()):
            continue
        pieces.append(text[start : match.start() + 1])
        start = match.start(1)
        code = nxt
        effective = effective if code == "88" else code
    pieces.append(text[start:])
    return pieces


def _packed_line(pieces: list[str], line: int, code: str) -> ParseWarning:
    """The warning of the first physical line that holds several records (BAI2 puts one on
    each line); it goes with the line's second record (the first took the line's own repair).
    Only the first is warned of: a file written that way does it on every line, and a warning
    per line would crowd out the ones that matter (trailer and balance checks)."""
    codes = ",".join(piece[:2] for piece in pieces)
    warning = ParseWarning(
        f"{len(pieces)} records on one physical line (codes {codes}); split at each '/' before "
        f"a record code and read as separate records (later such lines are read the same way, "
        f"without a warning of their own)",
        line=line, record=code, field="record separator", value=pieces[1][:20])
    return warning


def _record_code(piece: str, line: int) -> str:
    code = piece[:2]
    if code not in RECORD_CODES or (len(piece) > 2 and piece[2] != ","):
        shown = piece.split(",", 1)[0][:20]
        raise ParseError(
            "not a BAI2 record (record codes are 01, 02, 03, 16, 88, 49, 98, 99)",
            line=line,
            record=shown,
            field="record code",
            value=shown,
        )
    return code


def logical_records(source: BinaryIO, limits: ParseLimits) -> Iterator[Logical]:
    pending: Logical | None = None
    packed = False  # a line holding several records was seen (and warned of) already
    for number, text in physical_lines(source, limits):
        text = text.strip()
        if not text:
            continue
        repair: ParseWarning | None = None
        wrapped = False
        odd = _ODD_CODE.match(text)
        if odd and odd.group(1) in RECORD_CODES:
            repair = ParseWarning(
                f"record code written {text[:odd.end()]!r}; read as '{odd.group(1)},'",
                line=number, record=odd.group(1), field="record code", value=text[:odd.end()])
            text = f"{odd.group(1)},{text[odd.end():]}"
        elif pending is not None and not _RECORD_START.match(text):
            repair = ParseWarning(
                f"line starts with no record code: read as wrapped text of the {pending.code} "
                f"record on line {pending.line} (a continuation without '88,')",
                line=number, record=pending.code, field="record code", value=text[:20])
            text = "88," + text
            wrapped = True
        pieces = _split_line(text, pending.code if pending else None)
        for index, piece in enumerate(pieces):
            code = _record_code(piece, number)
            if index == 1 and not packed:  # several records on one line: said once (issue 13)
                repair = _packed_line(pieces, number, code)
                packed = True
            segment = Segment(number, _clean(piece[3:]), wrapped)
            wrapped = False  # only the line's first piece is the wrapped text
            if code != "88":
                if pending is not None:
                    yield pending
                pending = Logical(code, [segment], len(segment.text))
                if repair is not None:
                    pending.repairs.append(repair)
                    repair = None
                continue
            if pending is None:
                raise ParseError(
                    "88 continuation with no record before it", line=number, record="88",
                    field="record code", value="88",
                )
            pending.segments.append(segment)
            pending.size += len(segment.text)
            if repair is not None:
                pending.repairs.append(repair)
                repair = None
            if len(pending.segments) > limits.max_entry_items:  # empty 88s add no length
                raise too_many("88 continuation records of one record", len(pending.segments),
                               limits.max_entry_items, line=pending.line, record=pending.code)
            if pending.size > limits.max_text_bytes:
                raise LimitExceeded(
                    f"record {pending.code} with its continuations is longer than "
                    f"{limits.max_text_bytes} bytes",
                    line=pending.line,
                    record=pending.code,
                    field="record length",
                    value=str(pending.size),
                )
    if pending is not None:
        yield pending
