"""A labelled day's book loaded into a fresh SQLite database: the database path's starting
point for the accuracy benchmarks (bench_accuracy's DB part, bench_formats)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.accuracy.labels import Dataset
from core.money import to_minor


@contextmanager
def database(data: Dataset) -> Iterator[tuple[Any, Path]]:
    """A fresh SQLite database with the day's customers, accounts and invoices, and its
    directory (for the archive and the files written); disposed of on leaving."""
    from ledger.db import make_engine, transaction
    from ledger.migrate import upgrade
    from ledger.models import Customer as CustomerRow
    from ledger.models import CustomerAccount, Invoice

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/remit.db"
        upgrade(url)
        engine = make_engine(url)
        with transaction(engine) as s:
            s.add_all(CustomerRow(id=c.id, name=c.name) for c in data.customers)
            s.flush()
            s.add_all(CustomerAccount(customer_id=c.id, account=a, source="imported")
                      for c in data.customers for a in c.accounts)
            s.add_all(
                Invoice(id=i.id, number=i.number, customer_id=i.customer_id, currency=i.currency,
                        amount_minor=to_minor(i.amount, i.currency), open_minor=to_minor(i.open_amount, i.currency),
                        issue_date=i.issue_date, due_date=i.due_date, terms=i.terms.text if i.terms else None,
                        po_number=i.po_number, status="open" if i.open_amount > 0 else "paid")
                for i in data.invoices
            )
        try:
            yield engine, Path(tmp)
        finally:
            engine.dispose()
