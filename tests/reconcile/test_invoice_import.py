"""Importing the invoice book into the ledger (SQLite and PostgreSQL) and `remit invoices import`."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

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
from ledger.repositories import invoices as repo
from ledger.types import utc_now
from reconcile.invoice_import import ImportResult, import_book
from reconcile.invoice_rows import parse_book
from tests.factories import E, camt
from tests.support import FIXTURES

HEADER = ("invoice_number,customer_id,customer_name,currency,amount,open_amount,issue_date,due_date,terms,"
          "po_number,customer_accounts,customer_aliases")
NORTHWIND_IBAN = "DE89 3704 0044 0532 0130 00"
ROWS = [
    f"INV-1,C1,Northwind Traders GmbH,EUR,1250.00,,2026-10-21,,net 30,PO-1,{NORTHWIND_IBAN},Northwind Traders",
    f"INV-2,C1,Northwind Traders GmbH,EUR,980.00,480.00,2026-10-22,2026-11-21,2/10 net 30,,{NORTHWIND_IBAN},",
    "INV-3,C2,Contoso Ltd,USD,310.25,,2026-11-01,,1%15 net 45,,091000019:000123-45,",
]
REMIT = [sys.executable, "-m", "cli"]


def book_of(*rows: str, name: str = "book.csv"):  # type: ignore[no-untyped-def]
    return parse_book(("\n".join((HEADER, *rows)) + "\n").encode(), name)


def run_import(rt, *rows: str, name: str = "book.csv") -> ImportResult:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as session:
        return import_book(session, book_of(*rows, name=name), file=name, actor="test")


def count(rt, model) -> int:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def invoice(rt, number: str) -> Invoice:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as session:
        return session.scalars(select(Invoice).where(Invoice.number == number)).one()


def audit_events(rt) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


# --------------------------------------------------------------------------- imports


def test_a_good_csv_creates_customers_accounts_aliases_and_invoices(rt) -> None:  # type: ignore[no-untyped-def]
    result = run_import(rt, *ROWS)
    assert (result.created, result.updated, result.unchanged, result.skipped, result.errors) == (3, 0, 0, 0, [])
    assert (result.customers_created, result.accounts_added, result.aliases_added) == (2, 2, 1)
    inv1, inv2, inv3 = (invoice(rt, n) for n in ("INV-1", "INV-2", "INV-3"))
    assert (inv1.customer_id, inv1.currency, inv1.amount_minor, inv1.open_minor, inv1.status) == ("C1", "EUR", 125000, 125000, "open")
    assert (inv1.due_date, inv1.terms, inv1.po_number) == (date(2026, 11, 20), "net 30", "PO-1")  # due from terms
    assert (inv2.open_minor, inv2.due_date) == (48000, date(2026, 11, 21))
    assert (inv3.currency, inv3.amount_minor) == ("USD", 31025)
    with transaction(rt.engine) as session:
        keys = repo.customers_with_accounts_and_aliases(session)
    assert [(k.id, k.name, k.accounts, k.aliases) for k in keys] == [
        ("C1", "Northwind Traders GmbH", ("DE89370400440532013000",), ("Northwind Traders",)),
        ("C2", "Contoso Ltd", ("ABA:091000019:12345",), ()),
    ]


def test_json_lines_import(rt) -> None:  # type: ignore[no-untyped-def]
    lines = [
        {"invoice_number": "INV-1", "customer_id": "C1", "customer_name": "Acme", "currency": "JPY",
         "amount": 125000, "issue_date": "2026-10-01", "customer_accounts": [NORTHWIND_IBAN],
         "customer_aliases": ["ACME KK"]},
        {"invoice_number": "INV-2", "customer_id": "C1", "customer_name": "Acme", "currency": "EUR",
         "amount": "99.99", "open_amount": "0", "issue_date": "2026-10-01"},
    ]
    book = parse_book("\n".join(json.dumps(x) for x in lines).encode(), "book.jsonl")
    with transaction(rt.engine) as session:
        result = import_book(session, book, file="book.jsonl", actor="test")
    assert (result.format, result.created, result.errors) == ("jsonl", 2, [])
    assert invoice(rt, "INV-1").amount_minor == 125000  # yen: no minor unit
    assert (invoice(rt, "INV-2").open_minor, invoice(rt, "INV-2").status) == (0, "paid")


def test_a_second_import_updates_what_changed_and_counts_the_rest_unchanged(rt) -> None:  # type: ignore[no-untyped-def]
    run_import(rt, *ROWS)
    events_before = len(audit_events(rt))
    again = run_import(rt, *ROWS)
    assert (again.created, again.updated, again.unchanged, again.customers_created, again.accounts_added) == (0, 0, 3, 0, 0)
    assert len(audit_events(rt)) == events_before  # nothing changed, nothing audited

    changed = [
        ROWS[0].replace("1250.00,,", "1250.00,1000.00,").replace("Northwind Traders GmbH", "Northwind Traders AG"),
        ROWS[1].replace("Northwind Traders GmbH", "Northwind Traders AG"),  # a new name, not a change to INV-2
        ROWS[2].replace("2026-11-01,,", "2026-11-01,2026-12-31,"),
        "INV-4,C2,Contoso Ltd,USD,5.00,,2026-11-02,,,,,",
    ]
    result = run_import(rt, *changed)
    assert (result.created, result.updated, result.unchanged, result.customers_renamed) == (1, 2, 1, 1)
    assert invoice(rt, "INV-1").open_minor == 100000
    assert invoice(rt, "INV-3").due_date == date(2026, 12, 31)
    with transaction(rt.engine) as session:
        assert session.get(Customer, "C1").name == "Northwind Traders AG"  # type: ignore[union-attr]
    new = audit_events(rt)[events_before:]
    by_action = {(e.action, e.entity_id): e for e in new}
    assert set(by_action) == {("customer.renamed", "C1"), ("invoice.updated", "INV-1"), ("invoice.updated", "INV-3"),
                              ("invoice.created", "INV-4")}
    renamed = by_action[("customer.renamed", "C1")]
    assert (renamed.before, renamed.after) == ({"name": "Northwind Traders GmbH"}, {"name": "Northwind Traders AG"})
    updated = by_action[("invoice.updated", "INV-1")]
    assert (updated.before, updated.after) == ({"open_amount": "1250.00"}, {"open_amount": "1000.00"})
    assert all(e.actor == "test" for e in new)


def test_a_column_the_file_lacks_keeps_the_stored_value_an_empty_one_clears_it(rt) -> None:  # type: ignore[no-untyped-def]
    run_import(rt, *ROWS)  # INV-2: 980.00, open 480.00 (500.00 settled in the AR system), terms, due date
    minimal = "invoice_number,customer_id,customer_name,currency,amount,issue_date"
    with transaction(rt.engine) as session:
        result = import_book(session, parse_book(
            f"{minimal}\nINV-1,C1,Northwind Traders GmbH,EUR,1250.00,2026-10-21\n"
            f"INV-2,C1,Northwind Traders GmbH,EUR,1000.00,2026-10-22\n".encode(), "minimal.csv"),
            file="minimal.csv", actor="test")
    assert (result.updated, result.unchanged, result.errors) == (1, 1, [])
    inv1, inv2 = invoice(rt, "INV-1"), invoice(rt, "INV-2")
    assert (inv1.po_number, inv1.terms, inv1.due_date) == ("PO-1", "net 30", date(2026, 11, 20))  # kept
    assert (inv2.amount_minor, inv2.open_minor, inv2.terms) == (100000, 50000, "2/10 net 30")  # 500.00 still settled

    lowered = run_import(rt, ROWS[0].replace(",PO-1,", ",,"))  # the column is there, empty: cleared
    assert lowered.updated == 1 and invoice(rt, "INV-1").po_number is None

    with transaction(rt.engine) as session:
        result = import_book(session, parse_book(
            f"{minimal}\nINV-2,C1,Northwind Traders GmbH,EUR,400.00,2026-10-22\n".encode(), "m.csv"),
            file="m.csv", actor="test")
    (error,) = result.errors
    assert (error.row, error.column, error.value) == (2, "amount", "400.00")
    assert "below the 500.00 EUR already settled" in error.message
    assert invoice(rt, "INV-2").amount_minor == 100000


def test_a_customer_named_two_ways_in_one_file_is_renamed_once_to_the_last_name(rt) -> None:  # type: ignore[no-untyped-def]
    run_import(rt, *ROWS)
    result = run_import(rt, ROWS[0], ROWS[1].replace("Northwind Traders GmbH", "Northwind AG"))
    assert (result.customers_renamed, result.unchanged) == (1, 2)
    assert any("customer C1 has 2 names" in w for w in result.warnings)
    renames = [(e.before, e.after) for e in audit_events(rt) if e.action == "customer.renamed"]
    assert renames == [({"name": "Northwind Traders GmbH"}, {"name": "Northwind AG"})]


def test_audit_events_for_a_first_import(rt) -> None:  # type: ignore[no-untyped-def]
    run_import(rt, *ROWS)
    events = audit_events(rt)
    assert sorted((e.action, e.entity_id) for e in events) == sorted([
        ("customer.created", "C1"), ("customer.account_added", "C1"), ("customer.alias_added", "C1"),
        ("invoice.created", "INV-1"), ("invoice.created", "INV-2"),
        ("customer.created", "C2"), ("customer.account_added", "C2"), ("invoice.created", "INV-3"),
    ])
    created = next(e for e in events if e.entity_id == "INV-2")
    assert created.before is None
    assert created.after == {
        "number": "INV-2", "customer_id": "C1", "currency": "EUR", "amount": "980.00", "open_amount": "480.00",
        "issue_date": "2026-10-22", "due_date": "2026-11-21", "terms": "2/10 net 30", "po_number": None,
        "status": "open",
    }
    account = next(e for e in events if e.action == "customer.account_added" and e.entity_id == "C1")
    assert account.after == {"account": "DE89370400440532013000", "source": "imported"}


def test_bad_rows_are_reported_with_row_column_value_and_good_rows_import(rt) -> None:  # type: ignore[no-untyped-def]
    run_import(rt, "INV-0,C9,Someone Else,EUR,1.00,,2026-10-01,,,,DE44 5001 0517 5407 3249 31,")
    result = run_import(
        rt,
        ROWS[0],
        "INV-B1,C1,Northwind Traders GmbH,EUR,12.5x,,2026-10-01,,,,,",  # bad amount
        "INV-B2,C1,Northwind Traders GmbH,EUR,12.345,,2026-10-01,,,,,",  # sub-cent
        "INV-B3,C1,Northwind Traders GmbH,EUR,10.00,10.01,2026-10-01,,,,,",  # open > amount
        "INV-B4,C1,Northwind Traders GmbH,EUR,10.00,,2026-10-32,,,,,",  # bad date
        "INV-B5,C1,Northwind Traders GmbH,EURO,10.00,,2026-10-01,,,,,",  # bad currency
        "INV-B6,C1,Northwind Traders GmbH,EUR,10.00,,2026-10-01,,,,DE00 3704 0044 0532 0130 00,",  # bad IBAN
        "INV-B7,C1,Northwind Traders GmbH,EUR,10.00,,2026-10-01,,,,DE44500105175407324931,",  # C9's account
        ROWS[2],
        "INV-B8,C3,Tailspin Toys Inc.,EUR,10.00,,2026-10-01,,,,091000019:12345,",  # C2's, from row 10
    )
    assert [(e.row, e.column, e.value) for e in result.errors] == [
        (3, "amount", "12.5x"),
        (4, "amount", "12.345"),
        (5, "open_amount", "10.01"),
        (6, "issue_date", "2026-10-32"),
        (7, "currency", "EURO"),
        (8, "customer_accounts", "DE00 3704 0044 0532 0130 00"),
        (9, "customer_accounts", "DE44500105175407324931"),
        (11, "customer_accounts", "ABA:091000019:12345"),
    ]
    assert "belongs to customer C9" in result.errors[6].message
    assert "belongs to customer C2" in result.errors[7].message
    assert (result.created, result.skipped, result.rejected) == (2, 8, 8)
    with transaction(rt.engine) as session:
        numbers = set(session.scalars(select(Invoice.number)))
        owner = session.scalars(select(CustomerAccount.customer_id)
                                .where(CustomerAccount.account == "DE44500105175407324931")).one()
        assert session.get(Customer, "C3") is None  # a rejected row writes nothing, not even its customer
    assert numbers == {"INV-0", "INV-1", "INV-3"}
    assert owner == "C9"  # never silently reassigned


def test_unknown_terms_import_with_a_warning(rt) -> None:  # type: ignore[no-untyped-def]
    result = run_import(rt, "INV-1,C1,Acme,EUR,10.00,,2026-10-01,,pay when you like,,,")
    assert (result.created, result.errors) == (1, [])
    assert result.warnings == ["row 2, column terms = 'pay when you like': unknown payment terms, kept as text: "
                               "no early-payment discount and no due date derived from them"]
    assert (invoice(rt, "INV-1").terms, invoice(rt, "INV-1").due_date) == ("pay when you like", None)


def test_nothing_is_half_written_when_the_database_rejects_a_row_mid_way(rt) -> None:  # type: ignore[no-untyped-def]
    run_import(rt, ROWS[2])
    before = {m: count(rt, m) for m in (Customer, CustomerAccount, CustomerAlias, Invoice, AuditEvent)}
    book = book_of(*ROWS[:2], ROWS[2].replace("310.25", "320.00"))
    # A row the parser would never let through (open above amount) stands for any row the
    # database refuses: its CHECK constraint fires at flush, after the others were written.
    broken = replace(book.rows[1], open_minor=book.rows[1].amount_minor + 1)
    book = replace(book, rows=(book.rows[0], broken, book.rows[2]))
    with pytest.raises(IntegrityError):
        with transaction(rt.engine) as session:
            import_book(session, book, file="book.csv", actor="test")
    assert {m: count(rt, m) for m in before} == before
    assert invoice(rt, "INV-3").amount_minor == 31025  # the update of an existing invoice rolled back too


# --------------------------------------------------------------------------- cash applied in remit


@pytest.fixture
def applied_invoice(rt):  # type: ignore[no-untyped-def]
    """INV-1 (1250.00) with 1250.00 of a payment applied to it in remit: paid, open 0."""
    run_import(rt, *ROWS)
    rt.ingestor().ingest_stream(io.BytesIO(camt("053", [E("1250.00", ref="P1")])), name="p.xml", source="test")
    with transaction(rt.engine) as s:
        tx_id = s.scalars(select(BankTransaction.id)).one()
        inv = s.scalars(select(Invoice).where(Invoice.number == "INV-1")).one()
        s.execute(insert(Application).values(transaction_id=tx_id, invoice_id=inv.id, currency="EUR",
                                             applied_minor=125000, discount_minor=0, write_off_minor=0,
                                             method="auto", actor="test", reasons=[]))
        inv.open_minor, inv.status = 0, "paid"
    return tx_id


def test_an_import_never_reopens_an_invoice_remit_applied_cash_to(rt, applied_invoice) -> None:  # type: ignore[no-untyped-def]
    # The AR system has not yet received remit's application: its export still says open 1250.
    result = run_import(rt, ROWS[0].replace("PO-1", "PO-1b"), ROWS[1])
    assert (result.updated, result.unchanged, result.skipped, result.errors) == (0, 1, 1, [])
    (held,) = result.held
    assert (held.row, held.invoice_number) == (2, "INV-1")
    assert "remit has applied cash" in held.reason and "open_amount" in held.reason
    assert any("skipped" in w and "INV-1" in w for w in result.warnings)
    inv = invoice(rt, "INV-1")
    assert (inv.open_minor, inv.status, inv.po_number) == (0, "paid", "PO-1")  # held whole: nothing changed


def test_with_cash_applied_other_fields_update_when_the_money_agrees(rt, applied_invoice) -> None:  # type: ignore[no-untyped-def]
    posted = ROWS[0].replace("1250.00,,", "1250.00,0.00,").replace("PO-1", "PO-1b")
    result = run_import(rt, posted)
    assert (result.updated, result.held) == (1, [])
    inv = invoice(rt, "INV-1")
    assert (inv.open_minor, inv.status, inv.po_number) == (0, "paid", "PO-1b")


def test_once_the_applications_are_reversed_the_ar_figures_are_taken_again(rt, applied_invoice) -> None:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        s.execute(update(Application).values(status="reversed"))
        s.execute(update(Invoice).where(Invoice.number == "INV-1").values(open_minor=125000, status="open"))
    result = run_import(rt, ROWS[0].replace("1250.00,,", "1250.00,200.00,"))
    assert (result.updated, result.held) == (1, [])
    assert invoice(rt, "INV-1").open_minor == 20000


# --------------------------------------------------------------------------- read helpers


def test_read_helpers_for_the_matcher(rt) -> None:  # type: ignore[no-untyped-def]
    run_import(rt, *ROWS, "INV-4,C2,Contoso Ltd,USD,5.00,0.00,2026-11-02,,,,,")
    with transaction(rt.engine) as session:
        everything = repo.open_invoices(session)
        usd = repo.open_invoices(session, currency="usd")
        closed = repo.recently_closed(session, 30)
        closed_long_ago = repo.recently_closed(session, 30, as_of=utc_now() + timedelta(days=31))
    assert [i.number for i in everything] == ["INV-1", "INV-2", "INV-3"]
    assert [i.number for i in usd] == ["INV-3"]
    assert everything[1].open_minor == 48000 and everything[1].terms == "2/10 net 30"
    assert [i.number for i in closed] == ["INV-4"] and closed_long_ago == []


# --------------------------------------------------------------------------- the command


def remit(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(REMIT + args, env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_cli_json_shape_and_exit_codes(cli_env, tmp_path) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "good.csv"
    good.write_text("\n".join((HEADER, *ROWS)) + "\n")
    proc = remit(["invoices", "import", "--json", str(good)], cli_env, tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert {"file", "created", "updated", "unchanged", "skipped", "errors", "warnings"} <= out.keys()
    assert (out["file"], out["created"], out["updated"], out["unchanged"], out["skipped"], out["errors"]) == (
        "good.csv", 3, 0, 0, 0, [])

    mixed = tmp_path / "mixed.csv"
    mixed.write_text("\n".join((HEADER, ROWS[0], "INV-9,C1,Acme,EUR,1e3,,2026-10-01,,,,,",
                                "INV-10,C1,Northwind Traders GmbH,EUR,7.00,,2026-10-01,,,,,")) + "\n")
    proc = remit(["invoices", "import", "--json", str(mixed)], cli_env, tmp_path)
    assert proc.returncode == 2, proc.stderr
    out = json.loads(proc.stdout)
    assert (out["created"], out["unchanged"], out["skipped"]) == (1, 1, 1)  # the good rows still imported
    assert out["errors"] == [{"row": 3, "column": "amount", "value": "1e3", "message": out["errors"][0]["message"]}]

    proc = remit(["invoices", "import", str(mixed)], cli_env, tmp_path)  # the human summary
    assert proc.returncode == 2
    assert "mixed.csv (csv): 3 rows: 0 created, 0 updated, 2 unchanged, 1 skipped" in proc.stdout
    assert "error: row 3, column amount = '1e3': not a plain decimal amount" in proc.stdout


def test_cli_an_unreadable_file_imports_nothing_and_exits_2(cli_env, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "book.csv"
    bad.write_text("invoice_number,amount\nINV-1,10.00\n")
    proc = remit(["invoices", "import", "--json", str(bad)], cli_env, tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    assert "book.csv" in proc.stderr and "nothing imported" in proc.stderr and "customer_id" in proc.stderr
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "\n")  # a header only: readable, and empty
    proc = remit(["invoices", "import", "--json", str(good)], cli_env, tmp_path)
    assert proc.returncode == 0 and json.loads(proc.stdout)["created"] == 0


def test_the_demo_invoice_book_imports_with_zero_errors(cli_env, tmp_path) -> None:  # type: ignore[no-untyped-def]
    book = FIXTURES / "demo" / "invoices.csv"
    rows = book.read_text().count("\n") - 1
    proc = remit(["invoices", "import", "--json", str(book)], cli_env, tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert (out["errors"], out["warnings"], out["skipped"]) == ([], [], 0)
    assert out["created"] == rows >= 300 and out["customers_created"] >= 30
    proc = remit(["invoices", "import", "--json", str(book)], cli_env, tmp_path)
    assert json.loads(proc.stdout)["unchanged"] == rows  # idempotent


def test_the_demo_book_fits_the_demo_month() -> None:
    """The demo month's payments find what they need: the story in numbers
    (benchmarks/demo_book.py tells it, benchmarks/generate_demo.py wrote the files)."""
    from benchmarks.demo_book import EUR_ACCOUNT, build
    from core.terms import parse_terms

    book = parse_book((FIXTURES / "demo" / "invoices.csv").read_bytes(), "invoices.csv")
    rows = {r.invoice_number: r for r in book.rows}
    month = build()
    assert set(rows) == {i.number for i in month.invoices}
    assert {r.currency for r in book.rows} == {"EUR", "USD"}
    for p in month.payments:  # every invoice a payment is for is in the book, in its currency
        assert all(rows[n].currency == p.currency for n in p.invoices), p
    earned = [p for p in month.payments if p.invoices and len(p.invoices) == 1 and not p.story.startswith("discount")
              and rows[p.invoices[0]].terms.startswith("2/10") and p.amount < rows[p.invoices[0]].amount]
    assert earned  # some pay after an early-payment discount, inside its window
    for p in earned:
        terms, _ = parse_terms(rows[p.invoices[0]].terms)
        assert terms.discount_deadline(rows[p.invoices[0]].issue_date) >= p.day  # type: ignore[operator]
    assert all(EUR_ACCOUNT not in r.accounts for r in book.rows)  # our own account is nobody's
