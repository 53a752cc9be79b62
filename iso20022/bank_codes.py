"""Bank transaction codes (BkTxCd) → `Kind`, and the code string we keep on an Entry.

`bank_code` is "Domn/Fmly/SubFmly" (ISO codes, e.g. "PMNT/RCDT/ESCT"), the proprietary code as
"Cd:Issr" (or just "Cd"), or both joined by "; " ("PMNT/RCDT/ESCT; N654:ABNAMRO").

Kind rules, first match wins (ISO External Bank Transaction Domain/Family/SubFamily codes):

| # | condition                                                             | kind    |
|---|-----------------------------------------------------------------------|---------|
| 1 | family LBOX (lockbox)                                                 | lockbox |
| 2 | family RCHQ/ICHQ, or a cheque subfamily (CCHQ, BCHQ, CRCQ, URCQ, ...) | check   |
| 3 | family CCRD/MCRD (customer/merchant card)                             | card    |
| 4 | SEPA subfamily ESCT, ESDD, BBDD                                       | sepa    |
| 5 | US ACH subfamily ACDT, ADBT, ACOR, APAC, ASET, ARET, AREV, ATXN, ...  | ach     |
| 6 | family RCDT/ICDT with subfamily XBCT, DMCT, SDVA, PRCT, FICT          | wire    |
| 7 | proprietary issuer NACHA                                              | ach     |
| 8 | proprietary issuer BAI: the BAI2 type code's rail, as for BAI2 files  | by code |
|   | (ACH 142/165/451/455..., wire 195/208/495..., check 475..., lockbox   |         |
|   | 115..., card 146/147; table in core/bai_codes/)                      |         |
| 9 | words in the proprietary code: ACH, WIRE/FEDWIRE/SWIFT, CHECK/CHEQUE, | by word |
|   | LOCKBOX, CARD, SEPA (e.g. Goldman Sachs "ACH Credit Receipt")         |         |
|10 | direct-debit family RDDT/IDDT otherwise: EUR → sepa, USD → ach        | by ccy  |
|11 | anything else                                                         | other   |
"""

from __future__ import annotations

from functools import lru_cache

from core import bai_codes
from core.records import Kind

_CHEQUE_FAMILIES = frozenset({"RCHQ", "ICHQ"})
_CHEQUE_SUBFAMILIES = frozenset(
    {"CCHQ", "CCCH", "BCHQ", "CRCQ", "CQRV", "URCQ", "UPCQ", "OPCQ", "ORCQ", "XBCQ", "CDIS", "ARPD"}
)
_CARD_FAMILIES = frozenset({"CCRD", "MCRD"})
_SEPA_SUBFAMILIES = frozenset({"ESCT", "ESDD", "BBDD"})
_ACH_SUBFAMILIES = frozenset(
    {"ACCC", "ACDT", "ACON", "ACOR", "ADBT", "APAC", "ARET", "AREV", "ASET", "ATXN"}
)
_CREDIT_TRANSFER_FAMILIES = frozenset({"RCDT", "ICDT"})
_WIRE_SUBFAMILIES = frozenset({"XBCT", "DMCT", "SDVA", "PRCT", "FICT"})
_DIRECT_DEBIT_FAMILIES = frozenset({"RDDT", "IDDT"})

_WORD_KINDS: dict[str, Kind] = {
    "ACH": Kind.ACH,
    "NACHA": Kind.ACH,
    "WIRE": Kind.WIRE,
    "FEDWIRE": Kind.WIRE,
    "SWIFT": Kind.WIRE,
    "CHECK": Kind.CHECK,
    "CHEQUE": Kind.CHECK,
    "LOCKBOX": Kind.LOCKBOX,
    "CARD": Kind.CARD,
    "SEPA": Kind.SEPA,
}
_DIRECT_DEBIT_BY_CURRENCY = {"EUR": Kind.SEPA, "USD": Kind.ACH}


def bank_code(
    domain: str | None,
    family: str | None,
    subfamily: str | None,
    proprietary: str | None,
    issuer: str | None,
) -> str | None:
    parts = []
    if domain or family or subfamily:
        parts.append("/".join(p or "" for p in (domain, family, subfamily)))
    if proprietary:
        parts.append(f"{proprietary}:{issuer}" if issuer else proprietary)
    return "; ".join(parts) or None


@lru_cache(maxsize=4096)  # a file has few distinct codes; entries repeat them
def kind_of(
    family: str | None,
    subfamily: str | None,
    proprietary: str | None,
    issuer: str | None,
    currency: str | None,
) -> Kind:
    """The payment kind of an entry from its bank transaction code (see the module table)."""
    if family == "LBOX":
        return Kind.LOCKBOX
    if family in _CHEQUE_FAMILIES or subfamily in _CHEQUE_SUBFAMILIES:
        return Kind.CHECK
    if family in _CARD_FAMILIES:
        return Kind.CARD
    if subfamily in _SEPA_SUBFAMILIES:
        return Kind.SEPA
    if subfamily in _ACH_SUBFAMILIES:
        return Kind.ACH
    if family in _CREDIT_TRANSFER_FAMILIES and subfamily in _WIRE_SUBFAMILIES:
        return Kind.WIRE
    by_proprietary = _proprietary_kind(proprietary, issuer)
    if by_proprietary is not None:
        return by_proprietary
    if family in _DIRECT_DEBIT_FAMILIES:
        return _DIRECT_DEBIT_BY_CURRENCY.get((currency or "").upper(), Kind.OTHER)
    return Kind.OTHER


def _proprietary_kind(code: str | None, issuer: str | None) -> Kind | None:
    issuer_key = (issuer or "").strip().upper()
    if issuer_key == "NACHA":
        return Kind.ACH
    if issuer_key == "BAI" and code:
        return bai_codes.KIND_OF.get(code.strip())
    if not code:
        return None
    words = "".join(ch if ch.isalnum() else " " for ch in code.upper()).split()
    for word in words:
        kind = _WORD_KINDS.get(word)
        if kind is not None:
            return kind
    return None
