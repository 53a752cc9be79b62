"""The structural scan (step 2 of the package's docstring): one pass over the text before any
third-party code sees it, which also writes the text the tree is built from.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from core.digits import is_ascii_digits
from core.errors import LimitExceeded, ParseError, ParseWarning
from core.limits import ParseLimits
from ingest.ofx.reader import Txn
from ingest.ofx.values import NULL_AMOUNTS, ofx_amount, ofx_date

_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9_.]*)(?:\s[^<>]*)?(/?)>")
_CLOSING_TAG = re.compile(r"</([A-Za-z][A-Za-z0-9_.]*)\s*>")
_BARE_AMP = re.compile(r"&(?!(?:lt|gt|amp|apos|quot|#[0-9]+|#[xX][0-9a-fA-F]+);)")
_EMPTY_ELEMENT = re.compile(r"<([A-Z][A-Z0-9_.]*)>(\s*)</\1>")
_DATE_FIELDS = frozenset({"DTSTART", "DTEND", "DTPOSTED", "DTUSER", "DTAVAIL", "DTASOF"})
_AMOUNT_FIELDS = frozenset({"TRNAMT", "BALAMT"})
_STATUS_FIELDS = frozenset({"CODE", "SEVERITY", "MESSAGE"})
_STATEMENT_TAGS = frozenset({"STMTRS", "CCSTMTRS"})

# The OFX vocabulary of bank and credit-card statements (OFX 2.1.1, chapters 3, 5 and 11):
# what each aggregate may contain. A known leaf is always a leaf and a known aggregate always
# an aggregate, whether or not the file closes them; an aggregate opened where its parent
# cannot hold it ends the elements left open (an SGML reader's implied end tags).
_CHILDREN: dict[str, frozenset[str]] = {
    name: frozenset(children.split())
    for name, children in {
        "STMTTRN": "TRNTYPE DTPOSTED DTUSER DTAVAIL TRNAMT FITID CORRECTFITID CORRECTACTION"
        " SRVRTID CHECKNUM REFNUM SIC PAYEEID NAME EXTDNAME PAYEE BANKACCTTO CCACCTTO MEMO"
        " IMAGEDATA CURRENCY ORIGCURRENCY INV401KSOURCE",
        "BANKTRANLIST": "DTSTART DTEND STMTTRN",
        "LEDGERBAL": "BALAMT DTASOF",
        "AVAILBAL": "BALAMT DTASOF",
        "BANKACCTFROM": "BANKID BRANCHID ACCTID ACCTTYPE ACCTKEY",
        "BANKACCTTO": "BANKID BRANCHID ACCTID ACCTTYPE ACCTKEY",
        "CCACCTFROM": "ACCTID ACCTKEY",
        "CCACCTTO": "ACCTID ACCTKEY",
        "PAYEE": "NAME ADDR1 ADDR2 ADDR3 CITY STATE POSTALCODE COUNTRY PHONE",
        "CURRENCY": "CURRATE CURSYM",
        "ORIGCURRENCY": "CURRATE CURSYM",
        "STATUS": "CODE SEVERITY MESSAGE",
        "FI": "ORG FID",
        "STMTRS": "CURDEF BANKACCTFROM BANKTRANLIST BANKTRANLISTP LEDGERBAL AVAILBAL"
        " CASHADVBALAMT INTRATE BALLIST MKTGINFO",
        "CCSTMTRS": "CURDEF CCACCTFROM BANKTRANLIST BANKTRANLISTP LEDGERBAL AVAILBAL"
        " CASHADVBALAMT INTRATEPURCH INTRATECASH INTRATEXFER REWARDINFO BALLIST MKTGINFO",
    }.items()
}
_AGGREGATES = frozenset(_CHILDREN) | frozenset(
    "OFX SIGNONMSGSRSV1 SONRS BANKMSGSRSV1 STMTTRNRS CREDITCARDMSGSRSV1 CCSTMTTRNRS"
    " BALLIST BAL BANKTRANLISTP".split()
)
_LEAVES = (
    frozenset().union(*_CHILDREN.values())
    | frozenset("DTSERVER LANGUAGE DTPROFUP DTACCTUP TRNUID CLTCOOKIE SESSCOOKIE".split())
) - _AGGREGATES
# What only a transaction holds: met in a BANKTRANLIST outside any STMTTRN, it means a
# transaction whose start cannot be found.
_TRANSACTION_LEAVES = frozenset({"TRNTYPE", "DTPOSTED", "TRNAMT", "FITID"})
# Elements the BeautifulSoup tree may hold (~1 KB of memory each): all but those of the
# statements' STMTTRNs, which the scanner reads itself (a few hundred bytes per transaction,
# only OFX names kept). `limits.max_ofx_elements` bounds all elements read.
MAX_TREE_ELEMENTS = 100_000


@dataclass(slots=True)
class _Frame:
    """An open aggregate (an element with a closing tag somewhere in the file)."""

    name: str
    pos: int
    line: int
    status: dict[str, str] = field(default_factory=dict)  # CODE/SEVERITY/MESSAGE of a STATUS
    has_status: bool = False
    has_statement: bool = False
    statement: int = -1  # STMTRS/CCSTMTRS: its index in the file


@dataclass(frozen=True, slots=True)
class Response:
    """A sign-on or statement response (SONRS, STMTTRNRS, ...) and its status."""

    name: str
    line: int
    code: int
    severity: str
    message: str
    has_statement: bool


@dataclass(slots=True)
class _Transaction:
    """A STMTTRN being read: its values, not its markup, which never enters the tree."""

    line: int
    pos: int
    statement: int
    texts: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Scan:
    text: str  # what the tree is built from: the file without the STMTTRNs of statements
    responses: tuple[Response, ...]
    transactions: tuple[list[Txn], ...]  # per STMTRS/CCSTMTRS, in file order
    warnings: tuple[ParseWarning, ...]


class Scanner:
    """Checks the document's structure, repairs what an SGML reader would (with a warning) and
    writes the text the tree is built from; reads the statements' transactions itself."""

    def __init__(self, text: str, limits: ParseLimits) -> None:
        self.text = text
        self.limits = limits
        # As in ofxparse: an element with a closing tag anywhere is an aggregate (or a closed
        # OFX 2.x leaf); one without is an OFX 1.x leaf, which the next tag ends. Known OFX
        # names are what the specification says they are (_AGGREGATES, _LEAVES).
        self.closed = {m.group(1).upper() for m in _CLOSING_TAG.finditer(text)}
        self.stack: list[_Frame] = []
        self.leaf: str | None = None  # open OFX 1.x leaf element
        self.leaf_text: list[str] = []  # its text, escaped (as the tree would read it)
        self.root_done = False
        self.out: list[str] = []
        self.responses: list[Response] = []
        self.warnings: list[ParseWarning] = []
        self.statements: list[list[Txn]] = []
        self.txn: _Transaction | None = None
        self.elements = 0
        self.tree_elements = 0
        self._position = 0  # where the markup being handled starts
        self._line_at = (0, 1)  # (position, its line): lines are counted on from the last one

    def run(self) -> Scan:
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
        return Scan(
            _drop_empty_elements("".join(self.out)),
            tuple(self.responses),
            tuple(self.statements),
            tuple(self.warnings),
        )

    def _emit(self, markup: str) -> None:
        if self.txn is None:  # a transaction's markup stays out of the tree
            self.out.append(markup)

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
                    self._emit("\n" * inner.count("\n"))
                return end + len(closer)
        if text.startswith("<!", lt):
            raise ParseError(
                "DTD declarations (<!DOCTYPE, <!ENTITY) are not allowed in OFX files",
                line=self._line(lt),
                field="declaration",
                value=text[lt : lt + 40],
            )
        tag = _TAG.match(text, lt)
        self._position = lt
        if tag is None:  # a lone '<' in a value is text, as html.parser reads it
            self._text("<", lt, escape=True)
            return lt + 1
        closing, name, empty = tag.group(1) == "/", tag.group(2).upper(), tag.group(3) == "/"
        if closing:
            self._close(name, lt)
        elif not empty:
            self._open(name, lt)
        return tag.end()

    def _is_aggregate(self, name: str) -> bool:
        if name in _AGGREGATES:
            return True
        return name not in _LEAVES and name in self.closed

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
        aggregate = self._is_aggregate(name)
        if aggregate and name in _AGGREGATES:
            self._imply_end_tags(name, pos)
        elif name in _TRANSACTION_LEAVES and self.stack and self.stack[-1].name == "BANKTRANLIST":
            raise ParseError(
                f"<{name}> in BANKTRANLIST outside any <STMTTRN>: a transaction cannot be"
                " delimited (its <STMTTRN> is missing or was closed early)",
                line=self._line(pos),
                record="BANKTRANLIST",
                field=name,
            )
        if self.txn is None and not (name == "STMTTRN" and self._statement() >= 0):
            self._count_tree_element(pos)
        if not aggregate:
            self._emit(f"<{name}>")
            self.leaf = name
            return
        if len(self.stack) >= self.limits.max_xml_depth:
            raise LimitExceeded(
                f"elements nested deeper than {self.limits.max_xml_depth}",
                line=self._line(pos),
                field=name,
            )
        frame = _Frame(name, pos, self._line(pos))
        if name in _STATEMENT_TAGS:
            for parent in reversed(self.stack):
                if parent.name.endswith("TRNRS"):
                    parent.has_statement = True
                    break
            frame.statement = len(self.statements)
            self.statements.append([])
        self._emit(f"<{name}>")
        if name == "STMTTRN" and self.txn is None:
            statement = self._statement()
            if statement >= 0:  # a bank or credit-card statement's (not an investment's)
                self.out.pop()
                self.txn = _Transaction(frame.line, pos, statement)
        self.stack.append(frame)

    def _statement(self) -> int:
        """The index of the open STMTRS/CCSTMTRS, or -1."""
        return next((f.statement for f in reversed(self.stack) if f.statement >= 0), -1)

    def _count_tree_element(self, pos: int) -> None:
        self.tree_elements += 1
        limit = min(self.limits.max_ofx_elements, MAX_TREE_ELEMENTS)
        if self.tree_elements > limit:
            raise LimitExceeded(
                f"more than {limit} elements outside the statements' transactions: too large"
                " an OFX file to read in memory",
                line=self._line(pos),
                field="elements",
                value=str(self.tree_elements),
            )

    def _imply_end_tags(self, name: str, pos: int) -> None:
        """End the open aggregates that cannot hold `name`, as an SGML reader would."""
        while self.stack:
            top = self.stack[-1]
            allowed = _CHILDREN.get(top.name)
            if allowed is None or name in allowed:
                return
            self._warn(
                f"<{top.name}> of line {top.line} is not closed before <{name}>, which it"
                " cannot contain: ended there",
                pos,
                top.name,
            )
            self._pop()

    def _close(self, name: str, pos: int) -> None:
        if self.leaf == name:  # an OFX 2.x leaf, or one an OFX 1.x file closes
            self._end_leaf()
            return
        self._end_leaf()
        if name in _LEAVES or not any(frame.name == name for frame in self.stack):
            self._warn(f"closing tag </{name}> without a matching <{name}>: ignored", pos, name)
            return
        while self.stack[-1].name != name:  # leniently end elements left open inside it
            frame = self.stack[-1]
            if frame.name in _AGGREGATES:  # unknown elements are OFX 2.x leaves, often unclosed
                self._warn(
                    f"<{frame.name}> of line {frame.line} is not closed before </{name}>:"
                    " ended there",
                    pos,
                    frame.name,
                )
            self._pop()
        self._pop()
        self.root_done = not self.stack

    def _pop(self) -> None:
        frame = self.stack.pop()
        self._finish(frame)
        self._emit(f"</{frame.name}>")
        txn = self.txn
        if txn is not None and frame.name == "STMTTRN" and frame.pos == txn.pos:
            self.txn = None
            self.statements[txn.statement].append(Txn.from_texts(txn.line, txn.texts))
            self.out.append("\n" * self.text.count("\n", txn.pos, self._position))

    def _end_leaf(self) -> None:
        if self.leaf is None:
            return
        self._emit(f"</{self.leaf}>")
        if self.txn is not None and self.leaf_text and self.leaf in _LEAVES:
            value = html.unescape("".join(self.leaf_text)).strip()
            if value:
                texts = self.txn.texts
                name = self.leaf.lower()
                texts.setdefault(name, value)
                texts.setdefault(f"{self.stack[-1].name.lower()}/{name}", value)
        self.leaf, self.leaf_text = None, []

    def _warn(self, message: str, pos: int, name: str) -> None:
        self.warnings.append(ParseWarning(message, line=self._line(pos), field=name))

    def _finish(self, frame: _Frame) -> None:
        if frame.name == "STATUS" and self.stack:
            self.stack[-1].status, self.stack[-1].has_status = frame.status, True
        elif frame.name == "SONRS" or frame.name.endswith("TRNRS"):
            self.responses.append(self._response(frame))

    def _response(self, frame: _Frame) -> Response:
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
        return Response(frame.name, line, int(code), severity, message, frame.has_statement)

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
        self._emit(escaped)
        if self.txn is not None and self.leaf is not None:
            self.leaf_text.append(escaped)
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
                ofx_date(value)
            elif owner in _AMOUNT_FIELDS and value.lower() not in NULL_AMOUNTS:
                ofx_amount(value)
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
