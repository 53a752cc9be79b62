"""OFX bank and credit-card statements: OFX 1.x (SGML) and 2.x (XML), read through ofxparse.

Read whole, transactions apart. The file is read into memory (at most `limits.max_ofx_bytes`)
and every record is built before the first one is yielded: a file is either rejected with a
`ParseError` or read completely, never half-way. The statements' STMTTRNs (nearly all of a
bank download) are read by the scanner, in one pass, and never enter ofxparse's BeautifulSoup
tree (~1 KB per element); the tree holds the rest, at most `scanner.MAX_TREE_ELEMENTS` elements.
A 20,000-transaction file peaks at ~61 MB of RSS (229 MB through the tree), 50,000 at ~107 MB.

Steps, each in a module of this package (values.py reads dates and amounts for 2 and 3):

1. `_read`, `decoding.decode`: a bounded read; bytes decoded by what they are (byte-order mark,
   UTF-16's NUL bytes, a strict UTF-8 trial), the OFX 1.x ENCODING/CHARSET header or the XML
   declaration choosing only among single-byte readings, windows-1252 when nothing else fits;
   a warning names the declared and the used encoding when they differ; control characters
   are rejected as binary content.
2. `scanner.Scanner`: one pass over the text before any third-party code sees it. It rejects what
   html.parser would silently repair and ofxparse would crash on: DTD declarations
   (`<!DOCTYPE`, `<!ENTITY`), truncated structure (the file must end with `</OFX>`), nesting
   deeper than `limits.max_xml_depth`, more than `limits.max_ofx_elements` elements, text
   longer than `limits.max_text_bytes`, malformed dates and amounts, status aggregates without
   a numeric CODE, transaction fields (TRNTYPE, DTPOSTED, TRNAMT, FITID) in a BANKTRANLIST
   outside any STMTTRN (a transaction that cannot be delimited). It repairs, with a warning
   naming the line and the element, what a lenient SGML reader would: the OFX vocabulary of
   bank statements (`_CHILDREN`) says which names are aggregates and leaves whatever the file
   closes, an aggregate opened where the open one cannot hold it ends that one (an unclosed
   STMTTRN before the next, a missing </BANKTRANLIST> before <LEDGERBAL>), a closing tag ends
   the elements left open inside it, and a stray closing tag is ignored. It reads each STMTTRN
   of a STMTRS/CCSTMTRS into a `reader.Txn` and writes the text the tree is built from
   without them: OFX 1.x leaf elements closed, header, comments and processing instructions
   blanked (line numbers are kept), CDATA turned into escaped text, bare `&` escaped
   (html.parser would read "&not" as "¬"), empty elements dropped (ofxparse raises on them).
3. `reader.read_statements`: BeautifulSoup's html.parser (ofxparse's parser, which never expands
   DTD entities) builds the tree, and ofxparse's statement reader (`OfxParser.parseStmtrs`)
   reads each STMTRS/CCSTMTRS, with three hooks replaced in `reader._OfxParser`: dates keep the
   calendar date the bank wrote (ofxparse shifts `[+10:AEST]` times to UTC, which can move the
   date a day), amounts are parsed strictly (ofxparse's `toDecimal` accepts NaN, Infinity and
   exponents), and STMTTRNs are not in the tree (the scanner's `Txn`s: ofxparse drops DTAVAIL,
   REFNUM and CURRENCY, and discards a transaction whose NAME or FITID is empty).
   `OfxParser.parse()` itself is not used: its preprocessor looks every opening tag up in a
   list of all closing tags (quadratic: a 6 MB, 50,000-transaction file took six minutes), it
   decodes as ASCII unless an OFX 1.x header says otherwise (the XML declaration is ignored),
   it crashes on header lines with two colons or an unknown CHARSET, and it keeps the status of
   the first statement response only. Steps 1 and 2 do that work instead. Anything else
   ofxparse or BeautifulSoup raises becomes a `ParseError`.
4. `mapping.to_records`: ofxparse's accounts and the scanner's transactions mapped to remit
   records, with the integrity checks OFX allows (a FITID repeated within a statement,
   DTSTART after DTEND; LEDGERBAL cannot be checked: OFX has no opening balance). The account
   id is read from
   BANKACCTFROM/CCACCTFROM itself: ofxparse takes the first ACCTID anywhere in the statement.

Mapping decisions:

- One `Statement` per STMTRS (bank) or CCSTMTRS (credit card), in file order. INVSTMTRS
  (investment) and ACCTINFORS (account list) are skipped with a warning.
- `Statement.account` is ACCTID exactly as written ("1452687~7"); BANKID is not prefixed
  (it is not always a routing number: "SUNCORP", "NPBS").
- `Statement.id` is "<ACCTID>-<DTSTART>-<DTEND>" (dates as YYYYMMDD); without a transaction
  list "<ACCTID>-<LEDGERBAL DTASOF>"; "-2", "-3"... when a file repeats an id.
- Balances: LEDGERBAL gives `Balance("LEDGER")` and the closing balance, AVAILBAL gives
  `Balance("AVAIL")`, with DTASOF as written. OFX has no opening balance.
- A file whose sign-on or statement response carries an error status and no statement (the
  bank answered "General Server Error") is rejected: "bank returned error 2000 (ERROR): ...".
  A treasury user must see that no data arrived rather than an empty, successful import. When
  other responses in the file do carry statements, the error becomes a warning.
- One `Entry` and one `Transaction` per STMTTRN: amount = |TRNAMT|, direction from its sign
  (a warning when TRNTYPE says otherwise; TRNTYPE only decides for a zero amount), booking
  date DTPOSTED, value date DTAVAIL else DTPOSTED, bank reference and transaction id FITID,
  bank code TRNTYPE. Currency: the STMTTRN's CURRENCY/CURSYM when present, else CURDEF.
- kind: CHECK -> check, DIRECTDEP/DIRECTDEBIT -> ach, POS/ATM -> card, everything on a
  credit-card statement -> card, else other. XFER is not "wire": OFX uses it for transfers
  between one's own accounts as well.
- counterparty_name = NAME (or PAYEE/NAME); remittance = MEMO, then NAME unless MEMO already
  contains it; references = REFNUM; check_number = CHECKNUM unless it is all zeros;
  counterparty_account from BANKACCTTO/CCACCTTO ("ABA:<routing>:<account>" for a valid ABA
  routing number).
- TRNAMT "null" (some banks' rate-change notices, accepted by ofxparse) gives a zero entry
  with status info and a warning.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from core.errors import LimitExceeded, ParseError, ParseWarning
from core.limits import DEFAULT_LIMITS, ParseLimits
from core.records import Entry, Format, Statement
from ingest.ofx.decoding import BOMS, SGML_HEADER, decode, utf16_pattern
from ingest.ofx.mapping import to_records
from ingest.ofx.reader import read_statements
from ingest.ofx.scanner import Scanner

__all__ = ["detect", "iter_records"]


# --- detection ---------------------------------------------------------------------------

# OFX 2.x: optional XML declaration, comments and other PIs, then <?OFX ...?> or the <OFX> root.
_XML_START = re.compile(
    r"\s*(?:(?:<\?(?!ofx\b)[^>]*>|<!--.*?-->)\s*)*(?:<\?OFX\b|<OFX[\s>])", re.I | re.S
)


def detect(head: bytes) -> Format | None:
    """Format.OFX for an OFX 1.x header, an OFX 2.x `<?OFX ...?>` header or an `<OFX>` root."""
    text = _head_text(head)
    if SGML_HEADER.match(text) or _XML_START.match(text):
        return Format.OFX
    return None


def _head_text(head: bytes) -> str:
    for bom, encoding in BOMS:
        if head.startswith(bom):
            return head[len(bom) :].decode(encoding, "replace").lstrip("\ufeff")
    wide = utf16_pattern(head)  # UTF-16 without a byte-order mark
    if wide:
        return head.decode(wide, "replace")
    return head.decode("latin-1")  # every byte maps; only ASCII matters here


# --- entry point -------------------------------------------------------------------------


def iter_records(
    source: BinaryIO, *, limits: ParseLimits = DEFAULT_LIMITS
) -> Iterator[Statement | Entry | ParseWarning]:
    """Statements, entries and warnings of one OFX file (built in memory, then yielded)."""
    text, warnings = decode(_read(source, limits))
    scan = Scanner(text, limits).run()
    statements, skipped = read_statements(scan.text)
    if len(statements) != len(scan.transactions):  # one account per STMTRS/CCSTMTRS tag
        raise ParseError(
            f"{len(scan.transactions)} statements (STMTRS, CCSTMTRS) in the file but ofxparse"
            f" read {len(statements)}"
        )
    yield from warnings
    yield from scan.warnings
    yield from to_records(statements, skipped, scan.responses, scan.transactions)


# OFX is held to its own limits however large limits.max_file_bytes (sized for streamed camt)
# is: `max_ofx_bytes` of file and `max_ofx_elements` elements, counted by the scanner; the
# BeautifulSoup tree (~1 KB of memory per element; html.parser ~2 s per MB) holds only the
# elements outside the statements' transactions, at most scanner.MAX_TREE_ELEMENTS.


def _read(source: BinaryIO, limits: ParseLimits) -> bytes:
    cap = min(limits.max_file_bytes, limits.max_ofx_bytes)
    data = source.read(cap + 1)
    if len(data) > cap:
        raise LimitExceeded(
            f"file is over the limit of {cap} bytes for OFX, which is parsed in memory",
            field="size",
        )
    return data
