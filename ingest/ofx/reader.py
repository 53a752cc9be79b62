"""The tree and ofxparse's statement reader (step 3 of the package's docstring), with remit's
rules for dates, amounts and transactions: each STMTTRN is read as written (`Txn`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from bs4 import BeautifulSoup
from bs4.element import Tag
from ofxparse import OfxParser
from ofxparse.ofxparse import Account, AccountType
from stdnum.us import rtn

from core.errors import ParseError
from ingest.ofx.values import NULL_AMOUNTS, ofx_amount, ofx_date


class _OfxParser(OfxParser):
    """ofxparse's statement reader with remit's rules for dates, amounts and transactions."""

    fail_fast = True  # set by OfxParser.parse(), which is not used
    custom_date_format = None

    @classmethod
    def parseOfxDateTime(cls, ofxDateTime: str) -> datetime | None:
        try:
            day = ofx_date(ofxDateTime)
        except ValueError as error:
            raise ParseError(str(error), field="date-time", value=ofxDateTime) from None
        return None if day is None else datetime(day.year, day.month, day.day)

    @classmethod
    def toDecimal(cls, tag: Tag) -> Decimal:
        value = tag.get_text().strip()
        try:
            return ofx_amount(value)
        except ValueError as error:
            raise ParseError(
                str(error), line=tag.sourceline, field=tag.name.upper(), value=value
            ) from None

    @classmethod
    def parseTransaction(cls, txn_ofx: Tag) -> Txn:
        return Txn.from_tag(txn_ofx)  # not reached: the scanner keeps STMTTRNs out of the tree


def read_statements(text: str) -> tuple[list[tuple[Account, Tag]], int]:
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


def leaf(tag: Tag | None, name: str) -> str | None:
    """Stripped text of the first `name` element under `tag`, or None when absent or empty."""
    found = tag.find(name.lower()) if tag is not None else None
    text = found.get_text().strip() if found is not None else ""
    return text or None


@dataclass(frozen=True, slots=True)
class Txn:
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
    def from_tag(cls, tag: Tag) -> Txn:
        return cls.from_texts(tag.sourceline, _texts(tag))

    @classmethod
    def from_texts(cls, line: int | None, texts: dict[str, str]) -> Txn:
        """From the first non-empty text of each element by name ("name") and by parent and
        name ("payee/name"), in lower case."""
        text = texts.get
        amount, available = text("trnamt"), text("dtavail")
        posted = ofx_date(text("dtposted") or "00000000")
        for name, missing in (("TRNAMT", amount is None), ("DTPOSTED", posted is None)):
            if missing:
                raise ParseError(f"STMTTRN without {name}", line=line, record="STMTTRN", field=name)
        corrected = text("correctfitid")
        return cls(
            line=line,
            trntype=(text("trntype") or "").upper() or None,
            amount=None if amount.lower() in NULL_AMOUNTS else ofx_amount(amount),
            posted=posted,
            available=ofx_date(available) if available else None,
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
