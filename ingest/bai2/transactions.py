"""A 16 detail's Transaction: its text read for the tag conventions of real BAI2 files."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from core import bai_codes as codes
from core.records import Direction, Kind, ReturnInfo, Transaction

# "EREF: 1111" (Goldman Sachs) or "BO:11111111 BO1:DOE JO" (Citi): a tag at line start.
_LINE_TAG = re.compile(r"([A-Z]{2,4}[0-9]?):\s?(.*)")
# Citi packs numbered sub-tags ("OB3:", "BO1:") into one line.
_SUB_TAG = re.compile(r"\s+(?=[A-Z]{2}[0-9]:)")
_REASON = re.compile(r"\bReason:\s*\"?(R[0-9][0-9])\b")
_REASON_TEXT = re.compile(r"\bReturn Reason:\s*\"([^\"]*)\"")
_ORIGINAL_REF = re.compile(r"\bReturn of Client Ref ID:\s*([^,\s]+)")
_CHECK_PAID_CODES = frozenset({"474", "475"})  # customer reference = check serial number

# JPMorgan / Bank of America text: "ORIG CO NAME:ACME CORP ORIG ID:1234567890 DESC DATE:230101
# CO ENTRY DESCR:PAYMENT SEC:CCD TRACE#:... IND ID:INV1001 IND NAME:US INC" (ACH) and
# "ORIG:ACME CORP ID:123 SND BK:..." / "B/O: ACME CORP" (wires), tags anywhere in the text.
# A value runs to the next known tag; every tag below ends the value before it, only the
# payer tags are read.
_INLINE_TAGS = (
    "ORIG CO NAME", "ORIG ID", "DESC DATE", "CO ENTRY DESCR", "ENTRY DESCR", "SEC", "TRACE#",
    "EED", "IND ID", "IND NAME", "ORIG", "B/O", "BY ORDER OF", "ID", "TRN", "IMAD", "OMAD",
    "SND BK", "ORIG BK", "BNF", "BNF BK", "BBK", "BBI", "OBI", "RFB", "PMT DET", "REF",
    "ADDENDA", "CO ID", "CO NAME", "WIRE TYPE", "DATE", "TIME", "SEQ",
)
_INLINE = re.compile(
    r"(?:(?<=^)|(?<=\s))(?P<tag>"
    + "|".join(re.escape(t).replace(r"\ ", r"\s+") for t in sorted(_INLINE_TAGS, key=len, reverse=True))
    + r")\s*:"
)
_COMPANY_ID = re.compile(r"[A-Za-z0-9]{1,10}")  # the NACHA company identification (10)


def _tags(lines: list[str]) -> dict[str, str]:
    """First value of each "TAG:" found at the start of a line (or of a Citi sub-tag)."""
    found: dict[str, str] = {}
    for line in lines:
        for part in _SUB_TAG.split(line):
            match = _LINE_TAG.fullmatch(part.strip())
            if match and match.group(2).strip():
                found.setdefault(match.group(1), match.group(2).strip())
    return found


def _inline_tags(lines: list[str]) -> dict[str, str]:
    """First non-empty value of each JPMorgan / Bank of America tag, read across the lines."""
    text = " ".join(lines)
    if ":" not in text:
        return {}
    found: dict[str, str] = {}
    marks = list(_INLINE.finditer(text.upper()))
    for mark, following in zip(marks, [*marks[1:], None]):
        tag = " ".join(mark.group("tag").split())
        value = " ".join(text[mark.end() : following.start() if following else len(text)].split())
        if value:
            found.setdefault(tag, value)
    return found


def _account(routing: str | None, account: str | None) -> str | None:
    if routing and account:
        return f"ABA:{routing}:{account}"
    return account or None


@dataclass(frozen=True, slots=True)
class _Party:
    name: str | None
    account: str | None


def _counterparty(tags: dict[str, str], inline: dict[str, str], direction: Direction,
                 returned: bool) -> _Party:
    """The other side: the debtor of a credit, the creditor of a debit.

    Goldman Sachs: DBNM/DACT/DABA (debtor name/account/ABA), CRNM/CACT/CABA (creditor).
    Citi: BO = "by order of" account, BO1 = its name (credits only).
    JPMorgan / Bank of America, when neither of those names anyone: on an ACH entry
    "ORIG CO NAME:" is the originating company — the payer of a credit, the payee of a
    debit — and "ORIG ID:" its company id, as "ACH-CO:<id>" (as ingest.ach names an
    originator); on a wire credit "ORIG:" or "B/O:" names the payer (on a debit they name
    us). On a returned item the entry was ours: "IND NAME:", the receiver, is the other side.
    """
    if direction is Direction.CREDIT:
        name = tags.get("DBNM") or tags.get("BO1")
        account = _account(tags.get("DABA"), tags.get("DACT")) or tags.get("BO")
    else:
        name = tags.get("CRNM")
        account = _account(tags.get("CABA"), tags.get("CACT"))
    if name or account or not inline:
        return _Party(name, account)
    if returned:
        return _Party(inline.get("IND NAME"), None)
    company = inline.get("ORIG CO NAME")
    if company:
        company_id = inline.get("ORIG ID", "")
        return _Party(company, f"ACH-CO:{company_id}" if _COMPANY_ID.fullmatch(company_id) else None)
    if direction is Direction.CREDIT:
        return _Party(inline.get("ORIG") or inline.get("B/O") or inline.get("BY ORDER OF"), None)
    return _Party(None, None)


def _return_info(code: str, text: str, original: str | None) -> ReturnInfo:
    reason = _REASON.search(text)
    reason_text = _REASON_TEXT.search(text)
    return ReturnInfo(
        reason_code=reason.group(1) if reason else codes.description(code),
        original_reference=original,
        additional_info=reason_text.group(1) if reason_text else None,
    )


def transaction(code: str, amount: Decimal, currency: str | None, direction: Direction,
                customer_ref: str | None, lines: list[str]) -> Transaction:
    tags = _tags(lines)
    party = _counterparty(tags, _inline_tags(lines), direction, code in codes.RETURN_CODES)
    text = "\n".join(lines)
    original = _ORIGINAL_REF.search(text)
    check = None
    if codes.kind_of(code) is Kind.CHECK:  # Goldman also puts CHKN on wires: not a check
        check = tags.get("CHKN") or (customer_ref if code in _CHECK_PAID_CODES else None)
    return Transaction(
        amount=amount,
        currency=currency,
        end_to_end_id=tags.get("EREF"),
        transaction_id=customer_ref,
        check_number=check,
        counterparty_name=party.name,
        counterparty_account=party.account,
        remittance=tuple(lines),
        return_info=_return_info(code, text, original.group(1) if original else None)
        if code in codes.RETURN_CODES
        else None,
    )
