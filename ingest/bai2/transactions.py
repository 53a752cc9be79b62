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


def _tags(lines: list[str]) -> dict[str, str]:
    """First value of each "TAG:" found at the start of a line (or of a Citi sub-tag)."""
    found: dict[str, str] = {}
    for line in lines:
        for part in _SUB_TAG.split(line):
            match = _LINE_TAG.fullmatch(part.strip())
            if match and match.group(2).strip():
                found.setdefault(match.group(1), match.group(2).strip())
    return found


def _account(routing: str | None, account: str | None) -> str | None:
    if routing and account:
        return f"ABA:{routing}:{account}"
    return account or None


@dataclass(frozen=True, slots=True)
class _Party:
    name: str | None
    account: str | None


def _counterparty(tags: dict[str, str], direction: Direction) -> _Party:
    """The other side: the debtor of a credit, the creditor of a debit.

    Goldman Sachs: DBNM/DACT/DABA (debtor name/account/ABA), CRNM/CACT/CABA (creditor).
    Citi: BO = "by order of" account, BO1 = its name (credits only).
    """
    if direction is Direction.CREDIT:
        name = tags.get("DBNM") or tags.get("BO1")
        account = _account(tags.get("DABA"), tags.get("DACT")) or tags.get("BO")
    else:
        name = tags.get("CRNM")
        account = _account(tags.get("CABA"), tags.get("CACT"))
    return _Party(name, account)


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
    party = _counterparty(tags, direction)
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
