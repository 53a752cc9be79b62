"""Customer groups in the ledger: the parent_customer_id import column, and a parent's payment
matched from the database (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import json
from datetime import date

from sqlalchemy import select

from ledger.db import transaction
from ledger.models import AuditEvent, BankTransaction, Customer, Invoice
from reconcile.invoice_import import ImportResult, import_book
from reconcile.invoice_rows import parse_book
from reconcile.loader import load_customers
from reconcile.service import match_pending
from tests.factories import E, camt

HEADER = "invoice_number,customer_id,customer_name,currency,amount,issue_date,parent_customer_id"
PARENT_IBAN = "FR1420041010050500013M02606"


def run_import(rt, text: str, name: str = "book.csv") -> ImportResult:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as session:
        return import_book(session, parse_book(text.encode(), name), file=name, actor="test")


def parents(rt) -> dict[str, tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as session:
        return {c.id: (c.name, c.parent_id) for c in session.scalars(select(Customer))}


# -- the parser -------------------------------------------------------------------------------------


def test_the_column_is_optional_and_a_customer_cannot_be_its_own_parent() -> None:
    book = parse_book(("invoice_number,customer_id,customer_name,currency,amount,issue_date\n"
                       "INV-1,S1,Sub One,EUR,10.00,2026-11-01\n").encode(), "b.csv")
    assert not book.errors and book.rows[0].parent_id is None
    assert "parent_customer_id" not in book.rows[0].given  # absent: an update keeps the stored parent
    book = parse_book(f"{HEADER}\nINV-1,S1,Sub One,EUR,10.00,2026-11-01,S1\n"
                      f"INV-2,S2,Sub Two,EUR,10.00,2026-11-01, P1 \n"
                      f"INV-3,S3,Sub Three,EUR,10.00,2026-11-01,\n".encode(), "b.csv")
    assert [(e.row, e.column, e.value) for e in book.errors] == [(2, "parent_customer_id", "S1")]
    assert "own parent" in book.errors[0].message
    assert [(r.customer_id, r.parent_id, "parent_customer_id" in r.given) for r in book.rows] == [
        ("S2", "P1", True), ("S3", None, True)]
    too_long = parse_book(f"{HEADER}\nINV-1,S1,Sub One,EUR,10.00,2026-11-01,{'P' * 65}\n".encode(), "b.csv")
    assert [e.column for e in too_long.errors] == ["parent_customer_id"]


def test_json_lines_take_the_column_too() -> None:
    line = {"invoice_number": "INV-1", "customer_id": "S1", "customer_name": "Sub One", "currency": "EUR",
            "amount": "10.00", "issue_date": "2026-11-01", "parent_customer_id": "P1"}
    book = parse_book(json.dumps(line).encode(), "b.jsonl")
    assert not book.errors and book.rows[0].parent_id == "P1"


# -- the import -------------------------------------------------------------------------------------


def test_a_parent_not_in_remit_is_created_named_by_its_own_rows_or_unnamed(rt) -> None:  # type: ignore[no-untyped-def]
    result = run_import(rt, f"{HEADER}\n"
                            "INV-1,S1,Sub One GmbH,EUR,100.00,2026-11-01,P1\n"
                            "INV-2,S2,Sub Two GmbH,EUR,50.00,2026-11-01,P2\n"
                            "INV-3,P2,Group Two AG,EUR,20.00,2026-11-01,\n")
    assert result.errors == [] and result.created == 3
    assert result.customers_created == 4  # S1, P1 (unnamed), S2, P2 (named by its own row)
    assert parents(rt) == {"S1": ("Sub One GmbH", "P1"), "P1": ("", None),
                           "S2": ("Sub Two GmbH", "P2"), "P2": ("Group Two AG", None)}
    with transaction(rt.engine) as session:
        changed = session.scalars(select(AuditEvent).where(AuditEvent.action == "customer.parent_changed")).all()
        assert {(e.entity_id, e.before["parent_id"], e.after["parent_id"]) for e in changed} == {
            ("S1", None, "P1"), ("S2", None, "P2")}
        by_id = {c.id: c for c in load_customers(session)}
    assert (by_id["S1"].parent_id, by_id["P1"].parent_id) == ("P1", None)


def test_upsert_absent_keeps_empty_clears_other_changes(rt) -> None:  # type: ignore[no-untyped-def]
    run_import(rt, f"{HEADER}\nINV-1,S1,Sub One,EUR,100.00,2026-11-01,P1\n")
    # An export without the column keeps the stored parent.
    run_import(rt, "invoice_number,customer_id,customer_name,currency,amount,issue_date\n"
                   "INV-1,S1,Sub One,EUR,100.00,2026-11-01\n")
    assert parents(rt)["S1"] == ("Sub One", "P1")
    # The last row naming a customer decides its parent (one change, not two).
    run_import(rt, f"{HEADER}\nINV-1,S1,Sub One,EUR,100.00,2026-11-01,P1\n"
                   "INV-2,S1,Sub One,EUR,40.00,2026-11-01,P9\n")
    assert parents(rt)["S1"] == ("Sub One", "P9") and parents(rt)["P9"] == ("", None)
    run_import(rt, f"{HEADER}\nINV-1,S1,Sub One,EUR,100.00,2026-11-01,\n")
    assert parents(rt)["S1"] == ("Sub One", None)
    # A parent created unnamed gets its name from its own first row later on.
    run_import(rt, f"{HEADER}\nINV-9,P1,Parent One AG,EUR,5.00,2026-11-01,\n")
    assert parents(rt)["P1"] == ("Parent One AG", None)


def test_the_api_upsert_takes_the_column_and_refuses_a_self_parent(rt) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from ledger.repositories import api_keys
    from server.app import create_app

    with transaction(rt.engine) as session:
        key = api_keys.create(session, name="erp", scopes=["ar:read", "ar:write"])
    row = {"invoice_number": "INV-1", "customer_id": "S1", "customer_name": "Sub One", "currency": "EUR",
           "amount": "10.00", "issue_date": "2026-11-01", "parent_customer_id": "S1"}
    with TestClient(create_app(rt)) as client:
        auth = {"Authorization": f"Bearer {key}"}
        bad = client.post("/api/v1/invoices", headers=auth, json={"invoices": [row]})
        assert bad.status_code == 422, bad.text
        assert [(e["row"], e["column"]) for e in bad.json()["errors"]] == [(1, "parent_customer_id")]
        good = client.post("/api/v1/invoices", headers=auth, json={"invoices": [{**row, "parent_customer_id": "P1"}]})
        assert good.status_code == 200, good.text
    assert parents(rt)["S1"] == ("Sub One", "P1") and parents(rt)["P1"] == ("", None)


# -- the database path: import with parents, then match ------------------------------------------------


def test_a_parents_payment_for_two_subsidiaries_is_applied_from_the_database(rt) -> None:  # type: ignore[no-untyped-def]
    run_import(rt, f"{HEADER},customer_accounts\n"
                   "INV-501,S1,Holdco Logistics GmbH,EUR,300.00,2026-11-01,P1,\n"
                   "INV-502,S2,Holdco Retail GmbH,EUR,200.00,2026-11-02,P1,\n"
                   f"INV-503,P1,Holdco Group AG,EUR,999.00,2026-11-03,,{PARENT_IBAN}\n")
    entries = [E("500.00", ref="PAY-1", name="HOLDCO GROUP AG", account=PARENT_IBAN, text=["INV-501 INV-502"]),
               E("612.00", ref="PAY-2", name="SOMEONE ELSE", account="DE44500105175407324931",
                 text=["INV-503 INV-501"])]  # names the group's invoices, amount fits nothing: review
    result = rt.ingestor().ingest_stream(io.BytesIO(camt("053", entries, stmt_id="grp")), name="grp.xml",
                                         source="test")
    assert result.status == "parsed", result.error
    with transaction(rt.engine) as session:
        summary = match_pending(session, actor="test", today=date(2026, 11, 24))
    assert summary.applied == 1
    with transaction(rt.engine) as session:
        state = {i.number: (i.open_minor, i.status) for i in session.scalars(select(Invoice))}
        statuses = sorted(t.match_status for t in session.scalars(select(BankTransaction)))
    assert state == {"INV-501": (0, "paid"), "INV-502": (0, "paid"), "INV-503": (99900, "open")}
    assert statuses == ["applied", "review"]
