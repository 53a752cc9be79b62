"""A realistic cash-application book written straight into a migrated database, fast.

The load benchmark (bench_api_load.py) needs a PostgreSQL database that looks like a few
months of production: customers with accounts, ~100k invoices, ~50k bank payments of which
most were applied (some to two invoices, some with an early-pay discount), the rest in the
review queue with ranked candidates or ignored debits — and the audit trail and invoice event
outbox those would have written (the read views query both). Going through the real pipeline
(generated camt + `remit invoices import` + matching) would take minutes and measure the
matcher again; here rows are built in memory (benchmarks/api_load/book_rows.py), consistent
with every schema invariant (open = amount - applied - discount, applied <= payment, one live
application per payment/invoice), and written with `ledger.bulk.insert_rows` (COPY on
PostgreSQL).

    python -m benchmarks.seed_book URL [--customers 20000 --invoices 100000 --payments 50000]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field

from benchmarks.api_load.book_rows import AS_OF, OUR_ACCOUNT, SEED, BookSize, build_rows

__all__ = ["AS_OF", "OUR_ACCOUNT", "SEED", "BookSize", "SeededBook", "build_rows", "main", "seed"]


@dataclass
class SeededBook:
    """What was written, and the keys a load generator can look up."""

    size: BookSize
    seconds: float
    rows: dict[str, int]
    transaction_ids: list[int] = field(repr=False)
    invoice_numbers: list[str] = field(repr=False)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def seed(url: str, size: BookSize, seed: int = SEED) -> SeededBook:
    """Write the book into the (migrated, empty) database at `url`; ANALYZE it."""
    from sqlalchemy import MetaData, text

    from ledger.bulk import insert_rows
    from ledger.db import make_engine

    started = time.perf_counter()
    rows = build_rows(size, seed)
    engine = make_engine(url)
    meta = MetaData()
    meta.reflect(engine, only=list(rows))
    with engine.begin() as conn:
        for name, table_rows in rows.items():
            insert_rows(conn, meta.tables[name], table_rows)
        if conn.dialect.name == "postgresql":
            # COPY with explicit ids leaves the serial sequences at 1: move them past the data.
            for name, table_rows in rows.items():
                if table_rows and "id" in table_rows[0] and isinstance(table_rows[0]["id"], int):
                    conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                            f"{len(table_rows)})"
                        )
                    )
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))  # fresh statistics, as a live database has
            # Flush the seed's WAL now, not as a checkpoint in the middle of a measured step.
            conn.execute(text("CHECKPOINT"))
    engine.dispose()
    return SeededBook(
        size=size,
        seconds=time.perf_counter() - started,
        rows={name: len(r) for name, r in rows.items()},
        transaction_ids=[r["id"] for r in rows["bank_transactions"]],
        invoice_numbers=[r["number"] for r in rows["invoices"]],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.seed_book", description=__doc__)
    parser.add_argument("url", help="a migrated, empty database (remit db upgrade)")
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--payments", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    book = seed(args.url, BookSize(args.customers, args.invoices, args.payments), args.seed)
    print(f"seeded {book.total_rows:,} rows in {book.seconds:.1f} s: {book.rows}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
