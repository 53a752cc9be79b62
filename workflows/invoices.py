"""The invoice book from the AR system (open items), imported in one transaction: all rows
that pass land together, or nothing does when the database refuses them.

In workflows/: `remit invoices import` and the demo call it with a parsed book
(reconcile.invoice_rows.parse_book, a pure function of the file's bytes).
"""

from __future__ import annotations

from ledger.db import transaction
from reconcile.invoice_import import ImportResult, import_book
from reconcile.invoice_rows import Book
from workflows.runtime import Runtime


def import_invoices(rt: Runtime, book: Book, *, file: str, actor: str) -> ImportResult:
    """Upsert the book's invoices by number, with their customers, accounts and aliases."""
    with transaction(rt.engine) as session:
        return import_book(session, book, file=file, actor=actor)
