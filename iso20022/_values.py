"""Element names and leaf values (text, amounts, dates, codes) of camt documents.

These run for every entry of files with hundreds of thousands of entries, so they stay small
and avoid per-call work that can be done once (Clark names are built once per namespace;
dates are cached; amounts are checked with one precompiled pattern).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from functools import lru_cache

from lxml import etree

from core.errors import ParseError
from core.money import D
from core.records import Direction

_LOCAL_NAMES = """
    Acct AcctSvcrRef AddtlInf AddtlNtryInf AddtlRtrRsnInf AddtlTxInf Agt Amt AmtDtls Bal BBAN
    BkTxCd BookgDt Btch Ccy Cd CdtrRef CdOrPrtry CdtDbtInd Cdtr CdtrAcct CdtrRefInf ChqNb Chrgs Dbtr DbtrAcct Domn Dt DtTm
    DuePyblAmt ElctrncSeqNb EndToEndId FinInstnId Fmly FrDtTm FrToDt IBAN Id InstdAmt InstrId Issr LglSeqNb MndtId Nb
    NbOfNtries NbOfTxs Nm Ntry NtryDtls NtryRef Othr Prtry PrtryAcct Pty Rcrd Ref Refs RfrdDocAmt
    RfrdDocInf RfrdDocNb RltdPties RmtInf RmtdAmt Rsn RtrInf RtrRsn UPIC RvslInd Strd Sts SubFmlyCd ToDtTm Tp TtlAmt
    TtlChrgsAndTaxAmt TtlNtries TxAmt TxDtls TxId TxsSummry UETR UltmtCdtr UltmtDbtr Ustrd ValDt
""".split()


class Names:
    """Clark names ("{namespace}Local") of the elements we read, for one namespace.

    Comparing `child.tag` with these strings is how children are told apart; no XPath, no
    `find` (whose path parsing costs more than the comparison).
    """

    __slots__ = (
        "namespace", *_LOCAL_NAMES,
        "entry_children", "tx_children", "ref_children", "remittance_children", "debtor_side",
        "creditor_side",
    )  # fmt: skip

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        prefix = "{%s}" % namespace if namespace else ""
        for local in _LOCAL_NAMES:
            setattr(self, local, prefix + local)
        # Groups unpacked into locals by the per-entry loops (one lookup, not a dozen).
        self.entry_children = (
            self.Amt, self.CdtDbtInd, self.Sts, self.BookgDt, self.ValDt, self.AcctSvcrRef,
            self.NtryRef, self.BkTxCd, self.NtryDtls, self.RvslInd, self.Chrgs, self.AddtlNtryInf,
        )  # fmt: skip
        self.tx_children = (
            self.Refs, self.Amt, self.CdtDbtInd, self.AmtDtls, self.RltdPties, self.RmtInf,
            self.RtrInf, self.AddtlTxInf, self.Chrgs,
        )  # fmt: skip
        self.ref_children = (
            self.EndToEndId, self.InstrId, self.TxId, self.UETR, self.MndtId, self.ChqNb
        )  # fmt: skip
        self.remittance_children = (
            self.Ustrd, self.Strd, self.RfrdDocInf, self.RfrdDocAmt, self.CdtrRefInf
        )  # fmt: skip
        self.debtor_side = (self.Dbtr, self.DbtrAcct, self.UltmtDbtr)
        self.creditor_side = (self.Cdtr, self.CdtrAcct, self.UltmtCdtr)


def split_tag(tag: str) -> tuple[str, str]:
    """("namespace", "Local") of a Clark name; ("", tag) without a namespace."""
    if tag[:1] == "{":
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def text(element: etree._Element) -> str | None:
    """Identifiers and codes: surrounding white space dropped; empty means absent."""
    value = element.text
    if value is None:
        return None
    return value.strip() or None


def free_text(element: etree._Element) -> str | None:
    """Names and remittance text: line breaks and indentation inside are layout, not data."""
    value = element.text
    if value is None:
        return None
    value = value.strip()
    # Every white space but a single " " is non-printable: only then pay for split and join.
    if "  " in value or not value.isprintable():
        value = " ".join(value.split())
    return value or None


def child(element: etree._Element, tag: str) -> etree._Element | None:
    for item in element:
        if item.tag == tag:
            return item
    return None


def fail(
    message: str, element: etree._Element, record: str, field: str, value: str | None
) -> ParseError:
    return ParseError(message, line=element.sourceline, record=record, field=field, value=value)


# xs:decimal without a minus sign; ASCII digits only (Python's \d would take any script's).
# At most 18 digits before the point (ISO 20022 allows 18 in all): more cannot be stored.
_UNSIGNED = re.compile(r"\+?(?:[0-9]{1,18}(?:\.[0-9]{0,18})?|\.[0-9]{1,18})")


# Amounts and dates by their exact text, as read before: an entry's amount is usually its
# detail's and its invoice's too, and a file has a handful of dates. Decimal and date are
# immutable; the caches are bounded (cleared when full).
_AMOUNTS: dict[str, Decimal] = {}
_DAYS: dict[str, date] = {}
_CACHED = 1024


def amount(element: etree._Element, record: str, field: str) -> Decimal:
    """A mandatory ISO amount: an unsigned decimal (the sign is in CdtDbtInd)."""
    given = element.text
    found = _AMOUNTS.get(given)  # type: ignore[arg-type]  # None is never a key
    if found is not None:
        return found
    raw = given.strip() if given is not None else ""
    if _UNSIGNED.fullmatch(raw) is not None:
        found = D(raw)
        if len(_AMOUNTS) >= _CACHED:
            _AMOUNTS.clear()
        _AMOUNTS[given] = found  # type: ignore[index]
        return found
    if not raw:
        raise fail("missing amount", element, record, field, raw)
    if raw[0] == "-" and raw[1:2] != "+" and _UNSIGNED.fullmatch(raw[1:]) is not None:
        if D(raw[1:]):
            raise fail(
                "negative amount (ISO 20022 amounts are unsigned; CdtDbtInd gives the sign)",
                element,
                record,
                field,
                raw,
            )
        return D(raw[1:])  # "-0.00" is zero
    raise fail(
        "not a decimal amount (at most 18 ASCII digits 0-9 before the point)",
        element, record, field, raw,
    )


def optional_amount(element: etree._Element, record: str, field: str) -> Decimal | None:
    """An amount that may be left empty (treated as absent); malformed is still an error."""
    raw = element.text
    if raw is None or not raw.strip():
        return None
    return amount(element, record, field)


_DIRECTIONS = {"CRDT": Direction.CREDIT, "DBIT": Direction.DEBIT}


def direction(element: etree._Element, record: str, field: str) -> Direction:
    raw = (element.text or "").strip()
    found = _DIRECTIONS.get(raw)
    if found is None:
        raise fail("CdtDbtInd must be CRDT or DBIT", element, record, field, raw)
    return found


_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


def boolean(element: etree._Element, record: str, field: str) -> bool:
    raw = (element.text or "").strip()
    found = _BOOLEANS.get(raw)
    if found is None:
        raise fail("not a boolean (true/false)", element, record, field, raw)
    return found


@lru_cache(maxsize=4096)  # a file repeats a handful of dates
def _iso_date(raw: str) -> date:
    if not raw.isascii():  # fromisoformat's digits are ASCII today; say so here for good
        raise ValueError(raw)
    day = date.fromisoformat(raw[:10])
    rest = raw[10:]
    # A Dt may carry a zone ("2017-04-01+02:00"), a DtTm a time; anything else is not a date.
    if rest and rest[0] not in "T+-Z":
        raise ValueError(raw)
    return day


def iso_date(element: etree._Element, record: str, field: str) -> date | None:
    given = element.text
    found = _DAYS.get(given)  # type: ignore[arg-type]  # None is never a key
    if found is not None:
        return found
    raw = (given or "").strip()
    if not raw:
        return None
    try:
        found = _iso_date(raw)
    except ValueError:
        raise fail("not an ISO 8601 date", element, record, field, raw) from None
    if len(_DAYS) >= _CACHED:
        _DAYS.clear()
    _DAYS[given] = found  # type: ignore[index]
    return found


def date_choice(element: etree._Element, n: Names, record: str, field: str) -> date | None:
    """BookgDt/ValDt: a Dt or a DtTm child; a DtTm gives its (local) date."""
    DT, DTTM = n.Dt, n.DtTm
    for item in element:
        tag = item.tag
        if tag == DT or tag == DTTM:
            found = _DAYS.get(item.text)  # type: ignore[arg-type]
            if found is not None:
                return found
            return iso_date(item, record, field + ("/Dt" if tag == DT else "/DtTm"))
    return None


def date_text(element: etree._Element, n: Names) -> str | None:
    """Bal/Dt as the bank wrote it (a date, or a date-time)."""
    for item in element:
        if item.tag == n.Dt or item.tag == n.DtTm:
            return text(item)
    return None


def code(element: etree._Element, n: Names) -> str | None:
    """A code choice: Cd, else Prtry, else the element's own text (v02/v04 `Sts`)."""
    proprietary = None
    for item in element:
        if item.tag == n.Cd:
            return text(item)
        if item.tag == n.Prtry:
            proprietary = text(item)
    return proprietary if proprietary is not None else text(element)


def account_id(account: etree._Element, n: Names) -> str | None:
    """Acct/DbtrAcct/CdtrAcct: Id/IBAN, else Id/Othr/Id; in .001.01 also Id/BBAN, Id/UPIC
    and Id/PrtryAcct/Id (the 2006 AccountIdentification3Choice)."""
    ID = n.Id
    for ident in account:  # the first Id
        if ident.tag == ID:
            break
    else:
        return None
    IBAN, OTHR = n.IBAN, n.Othr
    for choice in ident:
        tag = choice.tag
        if tag == IBAN:
            return text(choice)
        if tag == OTHR or tag == n.PrtryAcct:
            other = child(choice, ID)
            return None if other is None else text(other)
        if tag == n.BBAN or tag == n.UPIC:
            return text(choice)
    return None


def party_name(party: etree._Element, n: Names) -> str | None:
    """Dbtr/Nm (v02-v04), Dbtr/Pty/Nm (v08+), or an agent's FinInstnId/Nm: the first child
    that is a name, or the first that holds one (looked into in turn)."""
    NM, PTY, AGT, INSTN = n.Nm, n.Pty, n.Agt, n.FinInstnId
    node = party
    while True:
        for item in node:
            tag = item.tag
            if tag == NM:
                return free_text(item)
            if tag == PTY or tag == AGT or tag == INSTN:
                node = item
                break
        else:
            return None
