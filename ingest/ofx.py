"""OFX bank and credit-card statements: OFX 1.x (SGML) and 2.x (XML), read through ofxparse.

Not streamed. ofxparse builds a BeautifulSoup tree of the whole document, so the file is read
into memory (at most `limits.max_file_bytes`) and every record is built before the first one is
yielded: a file is either rejected with a `ParseError` or read completely, never half-way.

Steps, each a function below:

1. `_read`, `_decode`: a bounded read; bytes decoded by the byte-order mark, the OFX 1.x
   ENCODING/CHARSET header or the XML declaration (UTF-8 when nothing says otherwise), strictly,
   so a wrong encoding is an error naming the line and the byte; control characters are
   rejected as binary content.
2. `_Scanner`: one pass over the text before any third-party code sees it. It rejects what
   html.parser would silently repair and ofxparse would crash on: DTD declarations
   (`<!DOCTYPE`, `<!ENTITY`), unbalanced or truncated structure (the file must end with
   `</OFX>`), nesting deeper than `limits.max_xml_depth`, text longer than
   `limits.max_text_bytes`, malformed dates and amounts, status aggregates without a numeric
   CODE. It also writes the text the tree is built from: OFX 1.x leaf elements closed, header,
   comments and processing instructions blanked (line numbers are kept), CDATA turned into
   escaped text, bare `&` escaped (html.parser would read "&not" as "¬"), empty elements
   dropped (ofxparse raises on them).
3. `_read_statements`: BeautifulSoup's html.parser (ofxparse's parser, which never expands
   DTD entities) builds the tree, and ofxparse's statement reader (`OfxParser.parseStmtrs`)
   reads each STMTRS/CCSTMTRS, with three hooks replaced in `_OfxParser`: dates keep the
   calendar date the bank wrote (ofxparse shifts `[+10:AEST]` times to UTC, which can move the
   date a day), amounts are parsed strictly (ofxparse's `toDecimal` accepts NaN, Infinity and
   exponents), and each STMTTRN is read by `_Txn.from_tag` (ofxparse drops DTAVAIL, REFNUM and
   CURRENCY, and discards a transaction whose NAME or FITID is empty).
   `OfxParser.parse()` itself is not used: its preprocessor looks every opening tag up in a
   list of all closing tags (quadratic: a 6 MB, 50,000-transaction file took six minutes), it
   decodes as ASCII unless an OFX 1.x header says otherwise (the XML declaration is ignored),
   it crashes on header lines with two colons or an unknown CHARSET, and it keeps the status of
   the first statement response only. Steps 1 and 2 do that work instead. Anything else
   ofxparse or BeautifulSoup raises becomes a `ParseError`.
4. `_records`: ofxparse's accounts mapped to remit records. The account id is read from
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

import codecs
import html
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, BinaryIO

from bs4 import BeautifulSoup
from bs4.element import Tag
from ofxparse import OfxParser
from ofxparse.ofxparse import Account, AccountType
from stdnum.us import rtn

from core.digits import is_ascii_digits, readable
from core.errors import LimitExceeded, ParseError, ParseWarning
from core.limits import DEFAULT_LIMITS, ParseLimits
from core.money import ZERO, D
from core.records import (
    Balance,
    Direction,
    Entry,
    EntryStatus,
    Format,
    Kind,
    Record,
    Statement,
    Transaction,
)

# --- detection ---------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_SGML_HEADER = re.compile(r"\s*OFXHEADER\s*:", re.I)
# OFX 2.x: optional XML declaration, comments and other PIs, then <?OFX ...?> or the <OFX> root.
_XML_START = re.compile(
    r"\s*(?:(?:<\?(?!ofx\b)[^>]*>|<!--.*?-->)\s*)*(?:<\?OFX\b|<OFX[\s>])", re.I | re.S
)


def detect(head: bytes) -> Format | None:
    """Format.OFX for an OFX 1.x header, an OFX 2.x `<?OFX ...?>` header or an `<OFX>` root."""
    text = _head_text(head)
    if _SGML_HEADER.match(text) or _XML_START.match(text):
        return Format.OFX
    return None


def _head_text(head: bytes) -> str:
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return head[len(bom) :].decode(encoding, "replace")
    return head.decode("latin-1")  # every byte maps; only ASCII matters here


# --- entry point -------------------------------------------------------------------------


def iter_records(
    source: BinaryIO, *, limits: ParseLimits = DEFAULT_LIMITS
) -> Iterator[Statement | Entry | ParseWarning]:
    """Statements, entries and warnings of one OFX file (built in memory, then yielded)."""
    text = _decode(_read(source, limits))
    scan = _Scanner(text, limits).run()
    statements, skipped = _read_statements(scan.text)
    yield from _records(statements, skipped, scan.responses)


# The BeautifulSoup tree takes ~1 KB of memory per element (and html.parser ~2 s per MB; a
# 2 MiB file of one-character leaves took 23 s and 600 MB), so OFX is held to its own limits
# however large limits.max_file_bytes (sized for streamed camt) is: `max_ofx_bytes` of file,
# and `max_ofx_elements` elements, counted by the scanner before any tree is built.
# 100,000 elements is some 12,000 transactions; real OFX downloads are far smaller.


def _read(source: BinaryIO, limits: ParseLimits) -> bytes:
    cap = min(limits.max_file_bytes, limits.max_ofx_bytes)
    data = source.read(cap + 1)
    if len(data) > cap:
        raise LimitExceeded(
            f"file is over the limit of {cap} bytes for OFX, which is parsed in memory",
            field="size",
        )
    return data


# --- decoding ----------------------------------------------------------------------------

_HEADER_LINE = re.compile(r"^\s*([A-Za-z]+)\s*:\s*(.*?)\s*$", re.M)
_XML_ENCODING = re.compile(r"""^\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([^"']+)["']""", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _decode(data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = _strict_decode(data[len(bom) :], encoding, "byte-order mark")
            break
    else:
        encoding, declared_by = _declared_encoding(data)
        text = _strict_decode(data, encoding, declared_by)
    bad = _CONTROL.search(text)
    if bad:
        raise ParseError(
            f"binary content: control character U+{ord(bad.group()):04X}; not an OFX text file",
            line=text.count("\n", 0, bad.start()) + 1,
            field="content",
            value=text[max(0, bad.start() - 20) : bad.start()],
        )
    return text


def _declared_encoding(data: bytes) -> tuple[str, str]:
    """(codec, what declared it) from the OFX 1.x header or the XML declaration."""
    head = data[:4096].decode("latin-1")
    if _SGML_HEADER.match(head):
        prefix = head.split("<", 1)[0]
        headers = {k.upper(): v.upper() for k, v in _HEADER_LINE.findall(prefix)}
        return _sgml_encoding(headers.get("ENCODING"), headers.get("CHARSET")), "OFX header"
    declaration = _XML_ENCODING.match(head)
    if declaration:
        return _codec(declaration.group(1), "encoding"), "XML declaration"
    return "utf-8", "default"


def _sgml_encoding(encoding: str | None, charset: str | None) -> str:
    if encoding in (None, "UTF-8", "UNICODE"):
        return "utf-8"
    if encoding != "USASCII":
        raise ParseError(
            "unsupported OFX header ENCODING (USASCII or UTF-8 expected)",
            field="ENCODING",
            value=readable(encoding.encode("latin-1", "replace")),
        )
    if charset in (None, "", "NONE", "1252", "8859-1", "ISO-8859-1"):
        # ISO-8859-1 labels mean windows-1252 in practice (as in WHATWG's encoding standard).
        return "cp1252"
    return _codec(f"cp{charset}" if is_ascii_digits(charset) else charset, "CHARSET")


def _codec(name: str, field_name: str) -> str:
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):  # ValueError: a name with a NUL byte in it
        shown = readable(name.encode("latin-1", "replace"))  # the head was read as Latin-1
        raise ParseError("unknown character encoding", field=field_name, value=shown) from None


def _strict_decode(data: bytes, encoding: str, declared_by: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise ParseError(
            f"bytes are not valid {encoding} ({declared_by}): wrong encoding or not a text file",
            line=data.count(b"\n", 0, error.start) + 1,
            field="encoding",
            value="0x" + data[error.start : error.end].hex().upper(),
        ) from None


# --- structural scan ---------------------------------------------------------------------

_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9_.]*)(?:\s[^<>]*)?(/?)>")
_CLOSING_TAG = re.compile(r"</([A-Za-z][A-Za-z0-9_.]*)\s*>")
_BARE_AMP = re.compile(r"&(?!(?:lt|gt|amp|apos|quot|#[0-9]+|#[xX][0-9a-fA-F]+);)")
_EMPTY_ELEMENT = re.compile(r"<([A-Z][A-Z0-9_.]*)>(\s*)</\1>")
_DATE_FIELDS = frozenset({"DTSTART", "DTEND", "DTPOSTED", "DTUSER", "DTAVAIL", "DTASOF"})
_AMOUNT_FIELDS = frozenset({"TRNAMT", "BALAMT"})
_STATUS_FIELDS = frozenset({"CODE", "SEVERITY", "MESSAGE"})
_STATEMENT_TAGS = frozenset({"STMTRS", "CCSTMTRS"})


@dataclass(slots=True)
class _Frame:
    """An open aggregate (an element with a closing tag somewhere in the file)."""

    name: str
    pos: int
    line: int
    status: dict[str, str] = field(default_factory=dict)  # CODE/SEVERITY/MESSAGE of a STATUS
    has_status: bool = False
    has_statement: bool = False


@dataclass(frozen=True, slots=True)
class _Response:
    """A sign-on or statement response (SONRS, STMTTRNRS, ...) and its status."""

    name: str
    line: int
    code: int
    severity: str
    message: str
    has_statement: bool


@dataclass(frozen=True, slots=True)
class _Scan:
    text: str  # what the tree is built from
    responses: tuple[_Response, ...]


class _Scanner:
    """Checks the document's structure and writes the text the tree is built from."""

    def __init__(self, text: str, limits: ParseLimits) -> None:
        self.text = text
        self.limits = limits
        # As in ofxparse: an element with a closing tag anywhere is an aggregate (or a closed
        # OFX 2.x leaf); one without is an OFX 1.x leaf, which the next tag ends.
        self.closed = {name.upper() for name in _CLOSING_TAG.findall(text)}
        self.stack: list[_Frame] = []
        self.leaf: str | None = None  # open OFX 1.x leaf element
        self.root_done = False
        self.out: list[str] = []
        self.responses: list[_Response] = []
        self.elements = 0
        self._line_at = (0, 1)  # (position, its line): lines are counted on from the last one

    def run(self) -> _Scan:
        text, pos = self.text, 0
        if "OFX" not in self.closed:
            raise ParseError(
                "no </OFX>: the file is truncated or is not OFX",
                line=text.count("\n") + 1,
                field="OFX",
            )
        while True:
            lt = text.find("<", pos)
            if lt < 0:
                self._text(text[pos:], pos)
                break
            if lt > pos:
                self._text(text[pos:lt], pos)
            pos = self._markup(lt)
        if self.stack:
            frame = self.stack[-1]
            raise ParseError(
                f"file is truncated: <{frame.name}> is never closed (no </OFX> at the end)",
                line=self._line(frame.pos),
                field=frame.name,
            )
        if not self.root_done:
            raise ParseError("no <OFX> element: not an OFX file", line=1, field="OFX")
        return _Scan(_drop_empty_elements("".join(self.out)), tuple(self.responses))

    def _markup(self, lt: int) -> int:
        """Handle the markup starting at `lt`; return where scanning continues."""
        text = self.text
        for opener, closer in (("<!--", "-->"), ("<![CDATA[", "]]>"), ("<?", "?>")):
            if text.startswith(opener, lt):
                end = text.find(closer, lt + len(opener))
                if end < 0:
                    raise ParseError(
                        f"unterminated {opener} (no {closer})", line=self._line(lt), field=opener
                    )
                inner = text[lt + len(opener) : end]
                if opener == "<![CDATA[":
                    self._text(inner, lt, escape=True)
                elif self.stack:  # comments and PIs (<?xml?>, <?OFX?>) carry nothing we read
                    self.out.append("\n" * inner.count("\n"))
                return end + len(closer)
        if text.startswith("<!", lt):
            raise ParseError(
                "DTD declarations (<!DOCTYPE, <!ENTITY) are not allowed in OFX files",
                line=self._line(lt),
                field="declaration",
                value=text[lt : lt + 40],
            )
        tag = _TAG.match(text, lt)
        if tag is None:  # a lone '<' in a value is text, as html.parser reads it
            self._text("<", lt, escape=True)
            return lt + 1
        closing, name, empty = tag.group(1) == "/", tag.group(2).upper(), tag.group(3) == "/"
        if closing:
            self._close(name, lt)
        elif not empty:
            self._open(name, lt)
        return tag.end()

    def _open(self, name: str, pos: int) -> None:
        self.elements += 1
        if self.elements > self.limits.max_ofx_elements:
            raise LimitExceeded(
                f"more than {self.limits.max_ofx_elements} elements: too large an OFX file"
                " to read in memory",
                line=self._line(pos),
                field="elements",
                value=str(self.elements),
            )
        if self.root_done or (not self.stack and name != "OFX"):
            where = "after </OFX>" if self.root_done else "before <OFX>"
            raise ParseError(f"unexpected <{name}> {where}", line=self._line(pos), field=name)
        if not self.stack:  # the root: what precedes it (the header) only keeps its lines
            self.out.append("\n" * self.text.count("\n", 0, pos))
        self._end_leaf()
        self.out.append(f"<{name}>")
        if name not in self.closed:
            self.leaf = name
            return
        if len(self.stack) >= self.limits.max_xml_depth:
            raise LimitExceeded(
                f"elements nested deeper than {self.limits.max_xml_depth}",
                line=self._line(pos),
                field=name,
            )
        if name in _STATEMENT_TAGS:
            for frame in reversed(self.stack):
                if frame.name.endswith("TRNRS"):
                    frame.has_statement = True
                    break
        self.stack.append(_Frame(name, pos, self._line(pos)))

    def _close(self, name: str, pos: int) -> None:
        self._end_leaf()
        if not any(frame.name == name for frame in self.stack):
            raise ParseError(
                f"closing tag </{name}> without a matching <{name}>",
                line=self._line(pos),
                field=name,
            )
        while True:  # leniently end elements left open inside it, as html.parser does
            frame = self.stack.pop()
            self._finish(frame)
            if frame.name == name:
                break
        self.out.append(f"</{name}>")
        self.root_done = not self.stack

    def _end_leaf(self) -> None:
        if self.leaf is not None:
            self.out.append(f"</{self.leaf}>")
            self.leaf = None

    def _finish(self, frame: _Frame) -> None:
        if frame.name == "STATUS" and self.stack:
            self.stack[-1].status, self.stack[-1].has_status = frame.status, True
        elif frame.name == "SONRS" or frame.name.endswith("TRNRS"):
            self.responses.append(self._response(frame))

    def _response(self, frame: _Frame) -> _Response:
        line = frame.line
        code = frame.status.get("CODE", "0" if not frame.has_status else "")
        if not is_ascii_digits(code, 9):  # without it, we cannot tell whether the bank reported an error
            raise ParseError(
                "STATUS without a numeric CODE",
                line=line,
                record=frame.name,
                field="CODE",
                value=code,
            )
        severity = frame.status.get("SEVERITY", "INFO")
        message = frame.status.get("MESSAGE", "")
        return _Response(frame.name, line, int(code), severity, message, frame.has_statement)

    def _text(self, value: str, pos: int, *, escape: bool = False) -> None:
        owner = self.leaf or (self.stack[-1].name if self.stack else None)
        self._check_size(value, owner, pos)
        if not self.stack:  # the OFX 1.x header before the root, or what follows it
            if self.root_done and value.strip():
                start = pos + len(value) - len(value.lstrip())
                raise ParseError(
                    "unexpected text after </OFX>", line=self._line(start), value=value.strip()
                )
            return
        escaped = html.escape(value, quote=False) if escape else _BARE_AMP.sub("&amp;", value)
        self.out.append(escaped)
        stripped = value.strip()
        if not stripped or owner is None:
            return
        self._check_value(owner, stripped, pos)
        parent = self.stack[-1] if self.leaf else (self.stack[-2] if len(self.stack) > 1 else None)
        if parent is not None and parent.name == "STATUS" and owner in _STATUS_FIELDS:
            parent.status[owner] = parent.status.get(owner, "") + stripped

    def _check_size(self, value: str, owner: str | None, pos: int) -> None:
        limit = self.limits.max_text_bytes
        if len(value) * 4 > limit and len(value.encode("utf-8")) > limit:
            raise LimitExceeded(
                f"text is {len(value.encode('utf-8'))} bytes, over the limit of {limit}",
                line=self._line(pos),
                field=owner,
                value=value[:100],  # the message shortens it further
            )

    def _check_value(self, owner: str, value: str, pos: int) -> None:
        try:
            if owner in _DATE_FIELDS:
                _ofx_date(value)
            elif owner in _AMOUNT_FIELDS and value.lower() not in _NULL_AMOUNTS:
                _ofx_amount(value)
        except ValueError as error:
            raise ParseError(str(error), line=self._line(pos), field=owner, value=value) from None

    def _line(self, pos: int) -> int:
        known, line = self._line_at
        if pos < known:  # only for an error message, once
            return self.text.count("\n", 0, pos) + 1
        line += self.text.count("\n", known, pos)
        self._line_at = (pos, line)
        return line


def _drop_empty_elements(text: str) -> str:
    """`<X></X>` and `<X> </X>` go (keeping their newlines): ofxparse raises on empty values."""
    return _EMPTY_ELEMENT.sub(lambda m: "\n" * m.group(2).count("\n"), text)


# --- values ------------------------------------------------------------------------------

_DATETIME = re.compile(
    r"([0-9]{4})([0-9]{2})([0-9]{2})"  # the date, which is all remit keeps (ASCII digits only)
    r"(?:[0-9]{2}(?:[0-9]{2}(?:[0-9]{2})?)?(?:[.:][0-9]{1,6})?)?"  # HH[MM[SS]][.XXX]
    r"\s*(?:\[\s*[+-]?[0-9]{1,2}(?:\.[0-9]+)?(?::[^\]]*)?\])?"  # [offset:TZ]
)
# Plain digits with '.' or ',' as the decimal mark (the OFX rule; so "1,234" is 1.234), or
# digits in groups of three with a separator and the other mark as decimal mark.
_AMOUNT = re.compile(
    r"(?P<sign>[+-]?)\s*(?:"
    r"(?P<int>[0-9]{0,18})(?:[.,](?P<frac>[0-9]{0,18}))?"
    r"|(?P<groups>[0-9]{1,3}(?P<sep>[,. '\u00a0])[0-9]{3}(?:(?P=sep)[0-9]{3}){0,4})"
    r"(?:(?!(?P=sep))[.,](?P<gfrac>[0-9]{0,18}))?"
    r")"
)
_NULL_AMOUNTS = ("null", "-null")


def _ofx_date(value: str) -> date | None:
    """The calendar date written in an OFX date-time; the offset is deliberately ignored."""
    match = _DATETIME.fullmatch(value.strip())
    if match is None:
        raise ValueError("not an OFX date-time (YYYYMMDD[HHMMSS[.XXX]][[offset:TZ]])")
    year, month, day = (int(part) for part in match.groups())
    if (year, month, day) == (0, 0, 0):  # "00000000": some banks' way of saying none
        return None
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError("not a calendar date") from None


def _ofx_amount(value: str) -> Decimal:
    match = _AMOUNT.fullmatch(value.strip())
    if match is None:
        raise ValueError("not an amount")
    integer = match["int"] if match["groups"] is None else re.sub(r"[^0-9]", "", match["groups"])
    fraction = (match["frac"] if match["groups"] is None else match["gfrac"]) or ""
    if not integer and not fraction:
        raise ValueError("not an amount")
    number = f"{integer or 0}.{fraction}" if fraction else integer  # keep the written precision
    return D(f"{match['sign']}{number}")


# --- ofxparse ----------------------------------------------------------------------------


class _OfxParser(OfxParser):
    """ofxparse's statement reader with remit's rules for dates, amounts and transactions."""

    fail_fast = True  # set by OfxParser.parse(), which is not used
    custom_date_format = None

    @classmethod
    def parseOfxDateTime(cls, ofxDateTime: str) -> datetime | None:
        try:
            day = _ofx_date(ofxDateTime)
        except ValueError as error:
            raise ParseError(str(error), field="date-time", value=ofxDateTime) from None
        return None if day is None else datetime(day.year, day.month, day.day)

    @classmethod
    def toDecimal(cls, tag: Tag) -> Decimal:
        value = tag.get_text().strip()
        try:
            return _ofx_amount(value)
        except ValueError as error:
            raise ParseError(
                str(error), line=tag.sourceline, field=tag.name.upper(), value=value
            ) from None

    @classmethod
    def parseTransaction(cls, txn_ofx: Tag) -> _Txn:
        return _Txn.from_tag(txn_ofx)


def _read_statements(text: str) -> tuple[list[tuple[Account, Tag]], int]:
    """ofxparse's reading of each STMTRS and CCSTMTRS in file order, with its tag; and the
    number of investment statements and account lists left aside."""
    try:
        soup = BeautifulSoup(text, "html.parser")
        statements = []
        for tag in soup.find_all(["stmtrs", "ccstmtrs"]):
            kind = AccountType.CreditCard if tag.name == "ccstmtrs" else AccountType.Bank
            statements.extend((account, tag) for account in _OfxParser.parseStmtrs([tag], kind))
        skipped = len(soup.find_all(["invstmtrs", "acctinfors"]))
    except (ParseError, MemoryError):
        raise
    except Exception as error:  # a third-party parser on untrusted input
        raise ParseError(
            f"ofxparse could not read a statement ({type(error).__name__}: {error})"
        ) from None
    return statements, skipped


def _leaf(tag: Tag | None, name: str) -> str | None:
    """Stripped text of the first `name` element under `tag`, or None when absent or empty."""
    found = tag.find(name.lower()) if tag is not None else None
    text = found.get_text().strip() if found is not None else ""
    return text or None


@dataclass(frozen=True, slots=True)
class _Txn:
    """One STMTTRN, its values as written."""

    line: int | None
    trntype: str | None
    amount: Decimal | None  # None: the bank wrote "null"
    posted: date
    available: date | None
    fitid: str | None
    checknum: str | None
    refnum: str | None
    name: str | None
    memo: str | None
    currency: str | None  # CURRENCY/CURSYM: the amount's currency when it is not CURDEF
    counterparty_account: str | None
    correction: str | None  # "<CORRECTACTION> of FITID <CORRECTFITID>"

    @classmethod
    def from_tag(cls, tag: Tag) -> _Txn:
        text = _texts(tag).get
        line = tag.sourceline
        amount, available = text("trnamt"), text("dtavail")
        posted = _ofx_date(text("dtposted") or "00000000")
        for name, missing in (("TRNAMT", amount is None), ("DTPOSTED", posted is None)):
            if missing:
                raise ParseError(f"STMTTRN without {name}", line=line, record="STMTTRN", field=name)
        corrected = text("correctfitid")
        return cls(
            line=line,
            trntype=(text("trntype") or "").upper() or None,
            amount=None if amount.lower() in _NULL_AMOUNTS else _ofx_amount(amount),
            posted=posted,
            available=_ofx_date(available) if available else None,
            fitid=text("fitid"),
            checknum=text("checknum"),
            refnum=text("refnum"),
            name=text("name"),  # STMTTRN/NAME or STMTTRN/PAYEE/NAME
            memo=text("memo"),
            currency=(text("currency/cursym") or "").upper() or None,
            counterparty_account=_account_to(
                text("bankacctto/acctid") or text("ccacctto/acctid"), text("bankacctto/bankid")
            ),
            correction=f"{text('correctaction') or 'correction'} of FITID {corrected}"
            if corrected
            else None,
        )


def _texts(tag: Tag) -> dict[str, str]:
    """The first non-empty text of each element under `tag`, by name ("name") and by parent and
    name ("payee/name"): one walk of the tree instead of a bs4 search per field."""
    texts: dict[str, str] = {}
    for element in tag.descendants:
        if isinstance(element, Tag):
            value = element.get_text().strip()
            if value:
                texts.setdefault(element.name, value)
                texts.setdefault(f"{element.parent.name}/{element.name}", value)
    return texts


def _account_to(account: str | None, bank: str | None) -> str | None:
    """BANKACCTTO/CCACCTTO: the other side of a transfer."""
    if account and bank and rtn.is_valid(bank):
        return f"ABA:{bank}:{account}"
    return account


# --- mapping -----------------------------------------------------------------------------

_KINDS = {
    "CHECK": Kind.CHECK,
    "DIRECTDEP": Kind.ACH,
    "DIRECTDEBIT": Kind.ACH,
    "POS": Kind.CARD,
    "ATM": Kind.CARD,
}
# Only the types whose name fixes the direction; INT, FEE, XFER, POS... go both ways.
_TYPE_DIRECTIONS = {
    **dict.fromkeys(("CREDIT", "DEP", "DIRECTDEP", "DIV"), Direction.CREDIT),
    **dict.fromkeys(("DEBIT", "DIRECTDEBIT", "CHECK", "SRVCHG"), Direction.DEBIT),
}
_TRNTYPES = frozenset(
    "CREDIT DEBIT INT DIV FEE SRVCHG DEP ATM POS XFER CHECK PAYMENT CASH DIRECTDEP DIRECTDEBIT"
    " REPEATPMT HOLD OTHER".split()
)
_Warn = Callable[[str, str, str | None], None]


def _records(
    statements: list[tuple[Account, Tag]], skipped: int, responses: tuple[_Response, ...]
) -> list[Record]:
    if not statements:
        raise _no_statement(skipped, responses)
    records: list[Record] = [_status_warning(r) for r in responses if r.code != 0]
    if skipped:
        records.append(
            ParseWarning(
                f"{skipped} investment statement(s) or account list(s) skipped: "
                "only bank and credit-card statements are read"
            )
        )
    used_ids: set[str] = set()
    for account, tag in statements:
        records.extend(_statement_records(account, tag, used_ids))
    return records


def _no_statement(skipped: int, responses: tuple[_Response, ...]) -> ParseError:
    for response in responses:  # the sign-on comes first, as in the file
        if response.code != 0:
            detail = f": {response.message}" if response.message else ""
            return ParseError(
                f"bank returned error {response.code} ({response.severity}){detail}; "
                "the file holds no statement",
                line=response.line,
                record=response.name,
                field="STATUS",
                value=str(response.code),
            )
    if skipped:
        return ParseError(
            "no bank or credit-card statement (STMTRS, CCSTMTRS): investment statements and "
            "account lists are not supported"
        )
    return ParseError("no bank or credit-card statement (STMTRS, CCSTMTRS) in the file")


def _status_warning(response: _Response) -> ParseWarning:
    detail = f": {response.message}" if response.message else ""
    missing = "; no statement in this response" if not response.has_statement else ""
    return ParseWarning(
        f"bank returned status {response.code} ({response.severity}){detail}{missing}",
        line=response.line,
        record=response.name,
        field="STATUS",
        value=str(response.code),
    )


def _statement_records(account: Account, tag: Tag, used_ids: set[str]) -> list[Record]:
    stmt = account.statement
    # Not ofxparse's account_id: it takes the first ACCTID anywhere, a transfer's BANKACCTTO
    # included when BANKACCTFROM is missing.
    account_id = _leaf(tag.find(["bankacctfrom", "ccacctfrom"], recursive=False), "ACCTID")
    currency = (account.curdef or "").upper() or None
    start, end = _day(stmt.start_date), _day(stmt.end_date)
    balances = _balances(stmt, tag, currency)
    as_of = _day(getattr(stmt, "balance_date", None))
    statement = Statement(
        id=_statement_id(account_id, start, end, as_of, used_ids),
        account=account_id,
        currency=currency,
        opening_balance=None,
        closing_balance=getattr(stmt, "balance", None),
        from_date=start,
        to_date=end,
        balances=balances,
    )
    records: list[Record] = [statement]
    where = {"line": tag.sourceline, "record": tag.name.upper()}
    if account_id is None:
        records.append(ParseWarning("statement without ACCTID", field="ACCTID", **where))
    if currency is None:
        records.append(ParseWarning("statement without CURDEF", field="CURDEF", **where))
    credit_card = account.type == AccountType.CreditCard
    for txn in stmt.transactions:
        entry, warnings = _entry(txn, currency, credit_card)
        records.append(entry)
        records.extend(warnings)
    return records


def _day(value: object) -> date | None:
    return value.date() if isinstance(value, datetime) else None  # ofxparse's "no date" is ''


def _balances(stmt: Any, tag: Tag, currency: str | None) -> tuple[Balance, ...]:
    balances = []
    for kind, attribute, element in (
        ("LEDGER", "balance", "ledgerbal"),
        ("AVAIL", "available_balance", "availbal"),
    ):
        amount = getattr(stmt, attribute, None)
        if amount is not None:
            as_of = _leaf(tag.find(element), "DTASOF")
            balances.append(Balance(kind, amount, currency, as_of))
    return tuple(balances)


def _statement_id(
    account: str | None, start: date | None, end: date | None, as_of: date | None, used: set[str]
) -> str:
    base = account or "unknown"
    if start and end:
        base = f"{base}-{start:%Y%m%d}-{end:%Y%m%d}"
    elif as_of:
        base = f"{base}-{as_of:%Y%m%d}"
    statement_id, n = base, 1
    while statement_id in used:
        n += 1
        statement_id = f"{base}-{n}"
    used.add(statement_id)
    return statement_id


def _entry(txn: _Txn, curdef: str | None, credit_card: bool) -> tuple[Entry, list[ParseWarning]]:
    warnings: list[ParseWarning] = []

    def warn(message: str, field_name: str, value: str | None) -> None:
        warnings.append(ParseWarning(message, txn.line, "STMTTRN", field_name, value))

    currency = txn.currency or curdef
    if currency is None:
        raise ParseError(
            "no currency: CURDEF is empty and the STMTTRN has no CURRENCY",
            line=txn.line,
            record="STMTTRN",
            field="CURDEF",
        )
    status = EntryStatus.BOOKED
    amount = txn.amount
    if amount is None:
        warn("TRNAMT is 'null': kept as a zero, information-only entry", "TRNAMT", "null")
        amount, status = ZERO, EntryStatus.INFO
    direction = _direction(amount, txn.trntype, warn)
    if txn.trntype not in _TRNTYPES:
        warn("unknown TRNTYPE", "TRNTYPE", txn.trntype)
    if txn.fitid is None:
        warn("STMTTRN without FITID: repeated downloads cannot be de-duplicated", "FITID", None)
    if txn.correction:
        warn(f"{txn.correction} is not applied: check the earlier entry", "CORRECTFITID", None)
    kind = _KINDS.get(txn.trntype or "", Kind.CARD if credit_card else Kind.OTHER)
    transaction = Transaction(
        amount=abs(amount),
        currency=currency,
        transaction_id=txn.fitid,
        check_number=txn.checknum if txn.checknum and txn.checknum.strip("0") else None,
        counterparty_name=txn.name,
        counterparty_account=txn.counterparty_account,
        remittance=_remittance(txn.memo, txn.name),
        references=(txn.refnum,) if txn.refnum else (),
    )
    entry = Entry(
        amount=abs(amount),
        currency=currency,
        direction=direction,
        status=status,
        booking_date=txn.posted,
        value_date=txn.available or txn.posted,
        bank_reference=txn.fitid,
        kind=kind,
        bank_code=txn.trntype,
        transactions=(transaction,),
    )
    return entry, warnings


def _direction(amount: Decimal, trntype: str | None, warn: _Warn) -> Direction:
    hint = _TYPE_DIRECTIONS.get(trntype or "")
    if amount == 0:
        return hint or Direction.CREDIT
    direction = Direction.DEBIT if amount < 0 else Direction.CREDIT
    if hint is not None and hint != direction:
        message = f"TRNTYPE {trntype} says {hint.value} but TRNAMT is a {direction.value}"
        warn(f"{message}; the sign of TRNAMT is used", "TRNTYPE", trntype)
    return direction


def _remittance(memo: str | None, name: str | None) -> tuple[str, ...]:
    """MEMO, then NAME unless MEMO already holds it (OFX 1.x NAME is often MEMO cut to 32)."""
    lines = [memo] if memo else []
    if name and (memo is None or _squash(name) not in _squash(memo)):
        lines.append(name)
    return tuple(lines)


def _squash(text: str) -> str:
    return " ".join(text.split()).casefold()
