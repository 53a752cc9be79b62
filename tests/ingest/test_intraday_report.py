"""camt.052 intraday reports: pending and information entries are stored as such and never
applied; a booked one is applied once, and the evening camt.053 repeating it changes nothing."""

from __future__ import annotations

import io

from sqlalchemy import select

from ledger.db import transaction
from ledger.models import Application, BankEntry, BankTransaction
from reconcile.invoice_rows import parse_book
from tests.factories import E, camt
from workflows.invoices import import_invoices
from workflows.pipeline import ingest_stream

IBAN = "DE44500105175407324931"
HEADER = "invoice_number,customer_id,customer_name,currency,amount,issue_date,customer_accounts"


def _camt052(entries: list[E]) -> bytes:
    text = camt("053", entries, stmt_id="R1").decode()
    text = text.replace("camt.053.001.08", "camt.052.001.08").replace("BkToCstmrStmt", "BkToCstmrAcctRpt")
    return text.replace("<Stmt>", "<Rpt>").replace("</Stmt>", "</Rpt>").encode()


def _applied(rt) -> list[tuple[str, str, int]]:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        return [tuple(r) for r in s.execute(
            select(BankEntry.bank_reference, BankEntry.status, Application.applied_minor)
            .join(BankTransaction, BankTransaction.entry_id == BankEntry.id)
            .join(Application, Application.transaction_id == BankTransaction.id)
            .where(Application.status == "applied").order_by(BankEntry.bank_reference))]


def test_pending_report_entries_wait_and_the_statement_applies_each_once(rt) -> None:
    book = parse_book((f"{HEADER}\nINV-5001,C1,Acme Corp,EUR,100.00,2026-11-01,{IBAN}\n"
                       f"INV-5002,C1,Acme Corp,EUR,250.00,2026-11-02,{IBAN}\n").encode(), "book.csv")
    import_invoices(rt, book, file="book.csv", actor="erp")
    booked = E("100.00", ref="B1", e2e="E-B1", account=IBAN, text=["INV-5001"])
    pending = E("250.00", ref="P1", e2e="E-P1", account=IBAN, text=["INV-5002"], status="PDNG")
    report = ingest_stream(rt, io.BytesIO(_camt052([booked, pending])), name="noon.052.xml", source="test",
                           actor="test")
    assert (report.status, report.format) == ("parsed", "camt.052")
    assert _applied(rt) == [("B1", "booked", 10000)]  # the pending one waits
    evening = camt("053", [booked, E("250.00", ref="P1", e2e="E-P1", account=IBAN, text=["INV-5002"])],
                   stmt_id="S-EVE")
    statement = ingest_stream(rt, io.BytesIO(evening), name="eod.053.xml", source="test", actor="test")
    assert statement.status == "parsed" and statement.transactions == 0  # both already known
    assert _applied(rt) == [("B1", "booked", 10000), ("P1", "booked", 25000)]  # each once
    with transaction(rt.engine) as s:
        assert len(s.scalars(select(BankEntry.id)).all()) == 2
