"""The batched invoice import decides exactly as the row-by-row import it replaced.

Random books (renamed customers, accounts moving between customers, aliases, columns present
or absent, partial balances, bad values, repeated rows) are imported several times into one
database, with cash applied, discounts granted and applications reversed in between. The same
story runs twice on the same backend: once through the row-by-row reference
(tests/reconcile/rowwise_import.py, the import before it was batched) and once through
reconcile.invoice_import with a tiny chunk size (so rows that depend on each other land in
different chunks) — and after every step both databases must hold the same customers,
accounts, aliases and invoices, the same audit events in the same order, the same rows
touched, and both imports must report the same summary.
"""

from __future__ import annotations

import io
import random
import threading
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update
from stdnum.iso7064 import mod_97_10

from ledger.db import transaction
from ledger.models import (
    Application,
    AuditEvent,
    BankTransaction,
    Customer,
    CustomerAccount,
    CustomerAlias,
    Invoice,
)
from reconcile import invoice_import
from reconcile.invoice_rows import COLUMNS, REQUIRED, parse_book
from tests.factories import E, camt
from tests.reconcile import rowwise_import


def _iban(n: int) -> str:
    bban = f"37040044{n:010d}"
    return f"DE{mod_97_10.calc_check_digits(bban + 'DE')}{bban}"


NAMES = {
    "C1": ["Northwind Traders GmbH", "Northwind Traders AG"],
    "C2": ["Contoso Ltd"],
    "C3": ["Tailspin Toys Inc.", "TAILSPIN TOYS"],
    "C4": ["Fabrikam Intl Corp"],
}
ACCOUNTS = [_iban(n) for n in range(1, 6)] + ["091000019:000123-45", "DE00 3704 0044 0532 0130 00"]
ALIASES = ["NWT", "Contoso", "Fabrikam", "Tailspin"]
TERMS = ["net 30", "2/10 net 30", "", "when convenient", "1%15 net 45"]
CURRENCIES = ["EUR", "EUR", "USD", "JPY"]
OPTIONAL = [c for c in COLUMNS if c not in REQUIRED]


def _cell(value: str) -> str:
    return f'"{value}"' if ("," in value or '"' in value) else value


def _row(rng: random.Random, number: int) -> dict[str, str]:
    cid = rng.choice(list(NAMES))
    currency = rng.choice(CURRENCIES)
    scale = 1 if currency == "JPY" else 100
    cents = rng.choice([rng.randrange(100, 500_000), 125_000, 98_000])
    amount = f"{cents // scale}" if scale == 1 else f"{cents // 100}.{cents % 100:02d}"
    open_amount = rng.choice(["", amount, amount, "0" if scale == 1 else "0.00",
                              f"{cents // 2 // scale}" + ("" if scale == 1 else ".00")])
    row = {
        "invoice_number": f"INV-{number}", "customer_id": cid, "customer_name": rng.choice(NAMES[cid]),
        "currency": currency, "amount": amount, "open_amount": open_amount,
        "issue_date": f"2026-10-{rng.randint(1, 28):02d}",
        "due_date": rng.choice(["", "", "2026-12-31", "2026-09-01"]),  # 2026-09-01: before issue, an error
        "terms": rng.choice(TERMS), "po_number": rng.choice(["", "PO-1", "PO-2"]),
        "customer_accounts": ";".join(rng.sample(ACCOUNTS, rng.choice([0, 0, 1, 1, 2]))),
        "customer_aliases": ";".join(rng.sample(ALIASES, rng.choice([0, 0, 1]))),
        # a group company: another customer of the book, one only this column names (created
        # unnamed), or none (a customer naming itself is a row error: tests/reconcile/test_groups_db)
        "parent_customer_id": rng.choice(["", "", "C4" if cid == "C2" else "C2", "P9"]),
    }
    if rng.random() < 0.08:
        row["amount"] = "12.5x"
    if rng.random() < 0.05:
        row["issue_date"] = "2026-13-01"
    return row


def book_text(rng: random.Random) -> str:
    """A CSV book: some optional columns missing, rows over 15 invoice numbers, some repeated."""
    columns = [*REQUIRED, *(c for c in OPTIONAL if rng.random() < 0.75)]
    rows = [_row(rng, rng.randint(1, 15)) for _ in range(rng.randint(1, 14))]
    for _ in range(rng.choice([0, 0, 1])):
        rows.insert(rng.randrange(len(rows) + 1), dict(rng.choice(rows)))  # an exact repeat
    lines = [",".join(columns)] + [",".join(_cell(r[c]) for c in columns) for r in rows]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Step:
    book: str
    action: str  # between imports: apply | discount | reverse | none
    pick: int


@st.composite
def stories(draw: Any) -> tuple[list[Step], int]:
    rng = draw(st.randoms(use_true_random=False))
    steps = [Step(book_text(rng), rng.choice(["apply", "discount", "reverse", "none"]), rng.randrange(1000))
             for _ in range(draw(st.integers(1, 4)))]
    return steps, draw(st.sampled_from([1, 2, 3, 5000]))


def _act(rt: Any, step: Step, tx_id: int) -> None:
    """Cash applied, a discount granted, or applications reversed in remit (as matching would)."""
    with transaction(rt.engine) as s:
        invoices = list(s.scalars(select(Invoice).order_by(Invoice.number)))
        if not invoices or step.action == "none":
            return
        inv = invoices[step.pick % len(invoices)]
        if step.action == "apply":
            app = s.scalars(select(Application).where(Application.invoice_id == inv.id)).one_or_none()
            if app is None:
                s.add(Application(transaction_id=tx_id, invoice_id=inv.id, currency=inv.currency,
                                  applied_minor=inv.open_minor, discount_minor=0, write_off_minor=0,
                                  method="auto", actor="test", reasons=[]))
            else:
                app.status = "applied"
            inv.open_minor, inv.status = 0, "paid"
        elif step.action == "discount":
            inv.discount_minor = 1
        else:
            s.execute(update(Application).values(status="reversed"))


def _snapshot(rt: Any) -> dict[str, Any]:
    with transaction(rt.engine) as s:
        return {
            "customers": sorted(tuple(r) for r in s.execute(select(Customer.id, Customer.name, Customer.parent_id))),
            "accounts": sorted(tuple(r) for r in s.execute(select(
                CustomerAccount.customer_id, CustomerAccount.account, CustomerAccount.source))),
            "aliases": sorted(tuple(r) for r in s.execute(select(
                CustomerAlias.customer_id, CustomerAlias.alias, CustomerAlias.source))),
            "invoices": [tuple(row) for row in s.execute(select(
                Invoice.number, Invoice.customer_id, Invoice.currency, Invoice.amount_minor, Invoice.open_minor,
                Invoice.discount_minor, Invoice.written_off_minor, Invoice.issue_date, Invoice.due_date,
                Invoice.terms, Invoice.po_number, Invoice.status).order_by(Invoice.id))],  # creation order too
            "audit": [(e.actor, e.action, e.entity_type, e.entity_id, e.before, e.after)
                      for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))],
            "stamps": {**{f"customer {cid}": at for cid, at in s.execute(select(Customer.id, Customer.updated_at))},
                       **{f"invoice {n}": at for n, at in s.execute(select(Invoice.number, Invoice.updated_at))}},
        }


def _run(rt: Any, steps: list[Step], importer: Any) -> list[tuple[Any, ...]]:
    rt.ingestor().ingest_stream(io.BytesIO(camt("053", [E("1.00", ref="P1")])), name="p.xml", source="test")
    with transaction(rt.engine) as s:
        tx_id = s.scalars(select(BankTransaction.id)).one()
    seen, before = [], _snapshot(rt)
    for n, step in enumerate(steps):
        book = parse_book(step.book.encode(), f"book{n}.csv")
        with transaction(rt.engine) as s:
            result = importer(s, book, file=f"book{n}.csv", actor="test")
        after = _snapshot(rt)
        touched = sorted(k for k, at in after.pop("stamps").items() if before["stamps"].get(k) != at)
        seen.append((result.as_json(), after, touched))
        _act(rt, step, tx_id)
        before = _snapshot(rt)
    return seen


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(story=stories())
def test_the_batched_import_gives_what_the_row_by_row_import_gave(fresh_runtime, story, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    steps, chunk = story
    expected = _run(fresh_runtime(), steps, rowwise_import.import_book)
    with monkeypatch.context() as patch:
        patch.setattr(invoice_import, "CHUNK_ROWS", chunk)
        got = _run(fresh_runtime(), steps, invoice_import.import_book)
    for n, (want, have) in enumerate(zip(expected, got, strict=True)):
        assert have[0] == want[0], f"summary of import {n}"
        for table in want[1]:
            assert have[1][table] == want[1][table], f"{table} after import {n}"
        assert have[2] == want[2], f"rows touched by import {n}"


def test_the_stories_reach_every_outcome(fresh_runtime) -> None:  # type: ignore[no-untyped-def]
    """The generator is worth its name: across a few stories every kind of outcome occurs."""
    rng = random.Random(7)
    totals: dict[str, int] = {}
    rt = fresh_runtime()
    steps = [Step(book_text(rng), rng.choice(["apply", "discount", "reverse"]), rng.randrange(1000))
             for _ in range(12)]
    for result, _, _ in _run(rt, steps, invoice_import.import_book):
        for key in ("created", "updated", "unchanged", "rejected", "customers_created", "customers_renamed",
                    "accounts_added", "aliases_added"):
            totals[key] = totals.get(key, 0) + result[key]
        totals["held"] = totals.get("held", 0) + len(result["held"])
        totals["foreign account"] = totals.get("foreign account", 0) + sum(
            "belongs to customer" in e["message"] for e in result["errors"])
    assert all(totals[k] > 0 for k in totals), totals


@pytest.mark.parametrize("rows", [12_000])
def test_a_book_larger_than_a_chunk_imports_whole_and_reimports_unchanged(rt, rows) -> None:  # type: ignore[no-untyped-def]
    header = "invoice_number,customer_id,customer_name,currency,amount,issue_date,customer_accounts"
    lines = [header] + [f"SO-{n},K{n // 7},Kunde {n // 7} GmbH,EUR,{n}.50,2026-10-01,{_iban(1000 + n // 7)}"
                        for n in range(rows)]
    book = parse_book(("\n".join(lines) + "\n").encode(), "big.csv")
    with transaction(rt.engine) as s:
        first = invoice_import.import_book(s, book, file="big.csv", actor="test")
    assert (first.created, first.customers_created, first.accounts_added) == (rows, -(-rows // 7), -(-rows // 7))
    with transaction(rt.engine) as s:
        again = invoice_import.import_book(s, book, file="big.csv", actor="test")
        assert s.scalar(select(Invoice.open_minor).where(Invoice.number == f"SO-{rows - 1}")) == (rows - 1) * 100 + 50
    assert (again.created, again.unchanged, again.customers_created, again.accounts_added) == (0, rows, 0, 0)


def test_an_import_waits_for_a_concurrent_application_then_holds_the_row(rt) -> None:  # type: ignore[no-untyped-def]
    """Cash applied in a transaction still open when an import starts: the import waits for
    it (row lock; SQLite: the write lock), then sees the application and holds the row."""
    header = "invoice_number,customer_id,customer_name,currency,amount,open_amount,issue_date"
    with transaction(rt.engine) as s:
        invoice_import.import_book(s, parse_book(f"{header}\nINV-1,C1,Acme,EUR,100.00,,2026-10-01\n".encode(), "a.csv"),
                                   file="a.csv", actor="test")
    rt.ingestor().ingest_stream(io.BytesIO(camt("053", [E("100.00", ref="P1")])), name="p.xml", source="test")
    reopened = parse_book(f"{header}\nINV-1,C1,Acme,EUR,100.00,100.00,2026-10-01\n".encode(), "b.csv")
    outcome: dict[str, Any] = {}

    def import_meanwhile() -> None:
        with transaction(rt.engine) as s:
            outcome["result"] = invoice_import.import_book(s, reopened, file="b.csv", actor="test")

    with transaction(rt.engine) as s:  # a matching run, mid-way: invoice locked, cash applied
        inv = s.scalars(select(Invoice).where(Invoice.number == "INV-1").with_for_update()).one()
        s.add(Application(transaction_id=s.scalars(select(BankTransaction.id)).one(), invoice_id=inv.id,
                          currency="EUR", applied_minor=10000, discount_minor=0, write_off_minor=0,
                          method="auto", actor="test", reasons=[]))
        inv.open_minor, inv.status = 0, "paid"
        s.flush()
        other = threading.Thread(target=import_meanwhile)
        other.start()
        other.join(1.0)
        assert other.is_alive()  # waiting for the run to commit
    other.join(30)
    result = outcome["result"]
    assert [h.invoice_number for h in result.held] == ["INV-1"] and result.updated == 0
    with transaction(rt.engine) as s:
        assert s.scalars(select(Invoice.open_minor).where(Invoice.number == "INV-1")).one() == 0
