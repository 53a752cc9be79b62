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
from dataclasses import dataclass

from core.money import format_amount
from core.records import Entry, Kind


@dataclass(frozen=True, slots=True)
class EntryKeys:
    ref_key: str | None
    e2e_key: str | None
    content_key: str | None

    def all(self) -> tuple[str, ...]:
        return tuple(k for k in (self.ref_key, self.e2e_key, self.content_key) if k)


def _digest(*parts: object) -> str:
    text = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:40]


def entry_keys(account: str | None, entry: Entry) -> EntryKeys:
    """The identity keys of an entry in an account (pure, deterministic)."""
    scope = (account or "").strip().upper()
    day = entry.value_date or entry.booking_date
    amount = format_amount(entry.amount.normalize()) if entry.amount is not None else None
    base = (scope, entry.direction.value, entry.currency or "")

    ref_key = None
    if entry.bank_reference:
        # ACH trace numbers repeat across days (ODFI routing + 7-digit sequence): scope by date.
        qualifier = day.isoformat() if entry.kind is Kind.ACH and day else ""
        ref_key = _digest("ref", *base, entry.bank_reference.strip(), qualifier)

    e2e_key = None
    if len(entry.transactions) == 1:
        e2e = entry.transactions[0].end_to_end_id
        if e2e and e2e.strip().upper() not in {"NOTPROVIDED", "NONREF"}:
            e2e_key = _digest("e2e", *base, e2e.strip(), amount, day)

    content_key = None
    if ref_key is None and e2e_key is None:
        tx = entry.transactions[0] if entry.transactions else None
        content_key = _digest(
            "content",
            *base,
            amount,
            day,
            tx.counterparty_account if tx else None,
            tx.counterparty_name if tx else None,
            "|".join(tx.remittance) if tx else None,
            entry.additional_info,
        )
    return EntryKeys(ref_key, e2e_key, content_key)
