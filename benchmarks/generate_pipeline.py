"""Inputs of the end-to-end pipeline benchmark (`bench_pipeline.py`): an invoice book as the
AR system exports it (CSV) and a camt.053 whose payments pay it.

    python -m benchmarks.generate_pipeline --payments 2000 [--seed 1]
    python -m benchmarks.generate_pipeline --book-only 100000 [--seed 1]

The day (M payments) is the labelled accuracy day (`accuracy_data.generate`, M/5 customers):
exact references, references in free text, typos, name variants, payer accounts without a
reference, multi-invoice payments with and without references, discounts in and after the
window, bank-fee short-pays, partial and over-payments, third-party payers, PO numbers,
unknown payers, decoys, duplicates of paid invoices and debits. On top of it:

  * returns: 0.5 % of the day's exact-reference payments come back in the same file (a debit
    entry with RtrInf AC04 and the original's end-to-end id), as a nightly file carries them;
  * a background book: more customers with open invoices nobody pays today, so the book
    holds ~5×M open invoices. Their customer names are made of syllables (never a word of the
    day's customer names), their invoice numbers are 10-digit `SO-8…` numbers (no number key
    of the day's invoices, POs or typos has 10 digits starting with 8), and their amounts are
    never a payment's or an open invoice's amount of the day — so the background adds volume
    without changing what a correct engine decides for the day's payments.

`book_only(n)` is a background book alone (for timing `remit invoices import`).

Deterministic for a seed; files are cached in `benchmarks/out/` under names carrying the
size, seed and GENERATOR_VERSION. Money is built from integer cents, never floats.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from benchmarks import OUT

GENERATOR_VERSION = 2
E2E_PREFIX = "E2EP"  # end-to-end ids of the day's payments: E2EP + the payment id in letters
OPEN_PER_PAYMENT = 5  # open invoices in the book per payment of the day
RETURN_SHARE = 0.005  # of the day's exact-reference payments, returned in the same file
OUR_ACCOUNTS = {"EUR": "DE89370400440532013000", "USD": "US-OPERATING-4471"}
HEADER = ("invoice_number", "customer_id", "customer_name", "currency", "amount", "open_amount",
          "issue_date", "due_date", "terms", "po_number", "customer_accounts", "customer_aliases")

_CONSONANTS = "bdfgklmnprstvz"
_VOWELS = "aeiou"
_LEGAL = ("GmbH", "AG", "BV", "SA", "Ltd", "Inc", "LLC", "Corp")
_TERMS = ("net 30", "net 30", "2/10 net 30", "1%15 net 45", "net 30 EOM", "net 60")
_INVOICES_PER_CUSTOMER = (1, 2, 3, 5, 8, 8, 12, 20, 40)
_AS_OF = date(2026, 3, 16)  # accuracy_data.AS_OF: the bank day of the payments


@dataclass(frozen=True, slots=True)
class PipelineInput:
    book: Path
    statement: Path
    payments: int  # credit and debit transactions of the day (returns not counted)
    returns: int
    invoices: int  # rows of the book
    open_invoices: int
    matchable: int  # payments a correct engine may auto-apply (accuracy_data labels)


# --- background book ------------------------------------------------------------------------


def _syllables(rng: random.Random) -> str:
    return "".join(rng.choice(_CONSONANTS) + rng.choice(_VOWELS) for _ in range(rng.randint(2, 3))).capitalize()


def _iban(index: int) -> str:
    from stdnum.iso7064 import mod_97_10

    bban = f"99{index:016d}"  # German BBAN starting 99: unique per index, apart from the day's
    return f"DE{mod_97_10.calc_check_digits(bban + 'DE')}{bban}"


def background_rows(
    n_open: int, rng: random.Random, *, avoid_cents: set[int] | None = None, first_customer: int = 1
) -> Iterator[list[str]]:
    """CSV rows of `n_open` open invoices (a few partly paid) of syllable-named customers."""
    avoid = avoid_cents or set()
    made, customer, serial = 0, first_customer, 0
    while made < n_open:
        cid = f"B{customer:07d}"
        name = f"{_syllables(rng)} {_syllables(rng)} {rng.choice(_LEGAL)}"
        accounts = _iban(customer) if rng.random() < 0.6 else ""
        currency = "EUR" if rng.random() < 0.7 else "USD"
        for _ in range(min(rng.choice(_INVOICES_PER_CUSTOMER), n_open - made)):
            serial += 1
            cents = rng.randrange(5_000, 3_000_000)
            while cents in avoid:
                cents += 1
            open_cents = cents if rng.random() < 0.95 else cents - rng.randrange(cents // 5, cents // 2)
            issue = _AS_OF - timedelta(days=rng.randint(1, 90))
            yield [f"SO-{8_000_000_000 + serial}", cid, name, currency, _money(cents), _money(open_cents),
                   issue.isoformat(), "", rng.choice(_TERMS),
                   f"PO-{rng.randrange(10**6):06d}" if rng.random() < 0.4 else "", accounts, ""]
            made += 1
        customer += 1


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def book_only(n: int, seed: int = 1) -> Path:
    """A background book of n open invoices (cached)."""
    path = OUT / f"pipeline-book-{n}-s{seed}-v{GENERATOR_VERSION}.csv"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        part = path.with_suffix(".part")
        with part.open("w", newline="", encoding="utf-8") as f:
            out = csv.writer(f)
            out.writerow(HEADER)
            out.writerows(background_rows(n, random.Random(seed)))
        part.rename(path)
    return path


# --- the day: book and statement ------------------------------------------------------------


def _cents(amount: Decimal) -> int:
    return int(amount * 100)


def pipeline_inputs(m: int, seed: int = 1) -> PipelineInput:
    """The book and statement for M payments (cached in benchmarks/out/)."""
    stem = OUT / f"pipeline-{m}-s{seed}-v{GENERATOR_VERSION}"
    book, statement, sizes = (stem.with_suffix(s) for s in (".csv", ".camt053.xml", ".sizes"))
    if not sizes.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        counts = _write_day(m, seed, book, statement)
        sizes.write_text(" ".join(str(c) for c in counts))
    payments, returns, invoices, open_invoices, matchable = (int(x) for x in sizes.read_text().split())
    return PipelineInput(book, statement, payments, returns, invoices, open_invoices, matchable)


def _write_day(m: int, seed: int, book: Path, statement: Path) -> tuple[int, int, int, int, int]:
    from benchmarks.accuracy_data import generate

    data = generate(seed, max(8, m // 5), m)
    rng = random.Random(seed + 1)
    customers = {c.id: c for c in data.customers}
    day_open = sum(1 for i in data.invoices if i.open_amount > 0)
    avoid = {_cents(p.amount) for p in data.payments} | {_cents(i.open_amount) for i in data.invoices}
    background = max(0, OPEN_PER_PAYMENT * m - day_open)
    with book.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(HEADER)
        for inv in data.invoices:
            cust = customers[inv.customer_id]
            out.writerow([
                inv.number, cust.id, cust.name, inv.currency, str(inv.amount), str(inv.open_amount),
                inv.issue_date.isoformat(), inv.due_date.isoformat() if inv.due_date else "",
                inv.terms.text if inv.terms else "", inv.po_number or "", ";".join(cust.accounts), "",
            ])
        out.writerows(background_rows(background, rng, avoid_cents=avoid))
    returns = _write_statement(data, rng, statement)
    matchable = sum(1 for label in data.labels if label.matchable)
    return len(data.payments), returns, len(data.invoices) + background, day_open + background, matchable


def _write_statement(data: object, rng: random.Random, path: Path) -> int:
    from benchmarks.accuracy_data import letters_id
    from core.money import D
    from core.records import Direction, Entry, EntryStatus, ReturnInfo, Statement, Transaction
    from iso20022.writer import write_camt053_to

    day = data.as_of  # type: ignore[attr-defined]
    by_currency: dict[str, list[Entry]] = {}
    exact = []
    for p, label in zip(data.payments, data.labels):  # type: ignore[attr-defined]
        tx = Transaction(amount=p.amount, currency=p.currency, end_to_end_id=letters_id(E2E_PREFIX, p.id),
                         counterparty_name=p.payer_name, counterparty_account=p.payer_account,
                         remittance=p.remittance, references=p.references, invoices=p.invoices)
        by_currency.setdefault(p.currency, []).append(Entry(
            amount=p.amount, currency=p.currency, direction=p.direction, status=EntryStatus.BOOKED,
            booking_date=day, value_date=p.value_date, bank_reference=p.bank_reference, kind=p.kind,
            transactions=(tx,)))
        if label.scenario == "exact_ref" and p.direction is Direction.CREDIT:
            exact.append(p)
    returned = rng.sample(exact, max(1, round(RETURN_SHARE * len(exact)))) if exact else []
    for n, p in enumerate(returned, start=1):
        tx = Transaction(amount=p.amount, currency=p.currency, end_to_end_id=letters_id(E2E_PREFIX, p.id),
                         counterparty_name=p.payer_name, counterparty_account=p.payer_account,
                         return_info=ReturnInfo("AC04", additional_info="account closed"))
        by_currency[p.currency].append(Entry(
            amount=p.amount, currency=p.currency, direction=Direction.DEBIT, booking_date=day, value_date=day,
            bank_reference=f"RET{day:%y%m%d}{n:06d}", kind=p.kind, transactions=(tx,)))
    statements = []
    for currency, entries in sorted(by_currency.items()):
        opening = D("250000.00")  # balances are mandatory in camt.053: closing really is opening + entries
        closing = opening + sum((e.amount if e.direction is Direction.CREDIT else -e.amount for e in entries), D(0))
        statements.append(Statement(id=f"PIPE-{currency}-{day:%Y%m%d}", account=OUR_ACCOUNTS[currency],
                                    currency=currency, opening_balance=opening, closing_balance=closing,
                                    from_date=day, to_date=day, entries=tuple(entries)))
    part = path.with_suffix(".part")
    with part.open("wb") as f:
        write_camt053_to(f, statements, created=datetime(2026, 3, 16, 22, 0, 0))
    part.rename(path)
    return len(returned)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.generate_pipeline")
    parser.add_argument("--payments", type=int)
    parser.add_argument("--book-only", type=int)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.book_only:
        print(book_only(args.book_only, args.seed))
    elif args.payments:
        print(pipeline_inputs(args.payments, args.seed))
    else:
        parser.error("--payments or --book-only")
    return 0


if __name__ == "__main__":
    sys.exit(main())
