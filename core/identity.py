"""When are two bank entries the same booking? (DESIGN.md §4, "stored once")

A camt.054 intraday notification and the evening camt.053 describe the same booking with
different file bytes. Two keys identify a booking within one account and direction:

- `ref_key`: the bank's own reference (camt AcctSvcrRef, BAI2 bank ref, ACH trace + date,
  OFX FITID, lockbox item) — the strongest identity;
- `e2e_key`: the end-to-end id with amount and date, for single-payment entries whose two
  reports carry different bank references.

An entry that has neither gets a `content_key` from what it says (date, amount, payer,
remittance). The ledger treats a match on any key against a booking *from another file* as
the same booking; inside one file, repeats are distinct bookings (a bank can report two
identical payments) and get an occurrence suffix so they stay distinct on re-ingest.
"""

from __future__ import annotations

import hashlib

from core.money import format_amount
from core.records import Entry, Kind


def _digest(*parts: object) -> str:
    text = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:40]


_sha256 = hashlib.sha256
_PLACEHOLDER_E2E = frozenset({"NOTPROVIDED", "NONREF"})


def account_scope(account: str | None) -> str:
    """The account part of every key (worked out once per statement)."""
    return (account or "").strip().upper()


def key_triple(scope: str, entry: Entry) -> tuple[str | None, str | None, str | None]:
    """(ref_key, e2e_key, content_key) of an entry in the account `scope` (account_scope()).

    The text hashed is `_digest(...)`'s: the parts joined by U+001F, None as "" (a 100k-entry
    file hashes this twice an entry, so it is laid out directly here).
    """
    day = entry.value_date or entry.booking_date
    day_text = "" if day is None else day.isoformat()
    base = f"{scope}\x1f{entry.direction.value}\x1f{entry.currency or ''}"

    ref_key = None
    reference = entry.bank_reference
    if reference:
        # ACH trace numbers repeat across days (ODFI routing + 7-digit sequence): scope by date.
        qualifier = day_text if entry.kind is Kind.ACH else ""
        text = f"ref\x1f{base}\x1f{reference.strip()}\x1f{qualifier}"
        ref_key = _sha256(text.encode()).hexdigest()[:40]

    transactions = entry.transactions
    amount: str | None = None
    e2e_key = None
    if len(transactions) == 1:
        e2e = transactions[0].end_to_end_id
        if e2e:
            e2e = e2e.strip()
            if e2e.upper() not in _PLACEHOLDER_E2E:
                amount = _amount_text(entry)
                text = f"e2e\x1f{base}\x1f{e2e}\x1f{amount}\x1f{day_text}"
                e2e_key = _sha256(text.encode()).hexdigest()[:40]

    content_key = None
    if ref_key is None and e2e_key is None:
        tx = transactions[0] if transactions else None
        content_key = _digest(
            "content",
            scope,
            entry.direction.value,
            entry.currency or "",
            _amount_text(entry) if amount is None else amount,
            day,
            tx.counterparty_account if tx else None,
            tx.counterparty_name if tx else None,
            "|".join(tx.remittance) if tx else None,
            entry.additional_info,
        )
    return ref_key, e2e_key, content_key


def _amount_text(entry: Entry) -> str:
    return "" if entry.amount is None else format_amount(entry.amount.normalize())  # type: ignore[return-value]
