"""BAI2 (BAI "Cash Management Balance Reporting Specifications", version 2) parser.

Streaming: physical lines are read one at a time, split into records, records joined with
their 88 continuations into logical records, and each logical record is turned into
records as soon as the next record starts. Memory stays flat in the file size.

Layout, in reading order: lines.py (physical lines, shared with ingest.lockbox), records.py
(records and their 88 continuations), fields.py (a record's fields and values), parser.py
(file, group and account levels, trailers), transactions.py (a 16's text: its Transaction).

Decisions (see also core/bai_codes/):
- Text: UTF-8 when the line is valid UTF-8, else Windows-1252; control characters (other
  than tab) are rejected, which is what stops binary junk and EBCDIC.
- Line ends: LF, CRLF and a lone CR all end a physical line.
- Several records on one physical line are split at a '/' followed by the code of a record
  that may legally come next (so "…/16,…" splits after a 16 but "12/03/66" never does),
  with a warning naming the first such line and its record codes (the spec puts one record on
  a line; a file that packs them does so throughout, so the warning is given once).
- A line that does not start with a record code ("NN," shape) continues the record before it
  as an 88 would (wrapped text; its line end is a field boundary), with a warning; the
  trailers do not count it as a record (moov-io/bai2 sample3's do not). A record code written
  "88:" or "88 ," (any record code) is read as "88,", with a warning. A line shaped like a
  record with an unknown code ("17,") is still rejected.
- The record terminator '/' is optional; one trailing '/' is dropped from every physical
  record (and so from 16 text: moov-io/bai2 does the same). Slashes and commas inside 16
  text are kept: the text is everything after the customer reference.
- 88 continuations extend the previous record's field list (03 summaries, 16 fixed fields
  split over lines, trailers). Once a 16's fixed fields are complete, each further 88 is one
  remittance line of its own.
- Empty fields at a summary boundary in 03 records are defaulted summaries and are skipped
  (both "…,,,/" and "USD,,,,,060" occur in real files).
- Currency: 03 currency, else 02 group currency; when neither is given the spec's default is
  the originator's country currency: a 9-digit ABA routing number as originator means USD
  (with a warning); otherwise None, and the file cannot be stored without a currency.
- Group status 4 ("test only"): every entry of the group is INFO, never cash.
- Statement id: "<group as-of date YYMMDD>-<account>"; one Statement per 03.
- Balances: status-level codes (001-099, 900-919) only, dated with the group as-of date;
  activity totals (100 total credits, 400 total debits, ...) are not balances.
- Entry dates: booking and value date = group as-of date; value date from funds type V.
- A file without a 99 trailer is rejected as truncated; a missing 49 or 98 is a warning.
  Trailer totals are checked level by level: 49 against the account's amounts, 98 against
  the 49s as sent, 99 against the 98s as sent (so one bad account gives one warning).
- Transaction: transaction_id = customer reference; remittance = the 16 text and each 88
  line, raw. Tags are read conservatively, only where a bank's convention is unambiguous:
  Goldman Sachs "EREF:" (end-to-end id), "DBNM:/DACT:/DABA:" (debtor) and "CRNM:/CACT:/
  CABA:" (creditor) — the counterparty is the debtor of a credit, the creditor of a debit —
  "CHKN:" (check number, on check codes only); Citi "BO:"/"BO1:" (by-order-of account and
  name). When none of those names anyone, JPMorgan / Bank of America tags anywhere in the
  text (transactions.py): "ORIG CO NAME:" (+ "ORIG ID:" as "ACH-CO:<id>") on any entry,
  "ORIG:"/"B/O:" on credits, "IND NAME:" on returned items (the entry was ours).
  Other tags (Citi PY/BI/OB/TRID, Goldman REMI/CREF/IDNM) stay in remittance only;
  references and invoices stay empty (no bank here tags invoice numbers).
- Integrity: per account, opening + booked credits - debits = closing (010/015, else 040/045;
  16 details, else 100/400 summaries), else a warning on its 03 (parser.check_balances).
- Returns (bai_codes.RETURN_CODES): reversal=True; reason_code is the NACHA R-code after
  "Reason:" when present, else the type code's description; Goldman's "Return of Client Ref
  ID:" is the original reference, its quoted "Return Reason:" the additional info.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from core.errors import ParseError
from core.limits import DEFAULT_LIMITS, ParseLimits
from core.records import Format, Record
from ingest.bai2.lines import BOM, physical_lines
from ingest.bai2.parser import Parser
from ingest.bai2.records import RECORD_CODES, logical_records

__all__ = ["RECORD_CODES", "detect", "iter_records", "physical_lines"]


def iter_records(source: BinaryIO, *, limits: ParseLimits = DEFAULT_LIMITS) -> Iterator[Record]:
    """Statements, entries and warnings of a BAI2 file, in file order."""
    parser = Parser()
    last_line = 0
    for record in logical_records(source, limits):
        last_line = record.segments[-1].line
        yield from record.repairs
        yield from parser.feed(record)
        yield from parser.drain()
    if parser.file is None:
        raise ParseError("empty file: no BAI2 records", line=1, field="content", value="")
    if not parser.file.closed:
        raise ParseError(
            "file ends without a 99 file trailer (truncated?)",
            line=last_line,
            record="99",
            field="record code",
            value=None,
        )


def detect(head: bytes) -> Format | None:
    """BAI2 when the first record is a 01 file header and a 02 group header follows."""
    text = head[len(BOM) :] if head.startswith(BOM) else head
    text = text.lstrip(b" \t\r\n")
    if not text.startswith(b"01,"):
        return None
    return Format.BAI2 if re.search(rb"(?:[\r\n]|/)[ ]*02,", text) else None
