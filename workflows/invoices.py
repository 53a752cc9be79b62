"""The invoice book from the AR system (open items), each import one transaction, from a
parsed book (reconcile.invoice_rows.parse_book, a pure function of the file's bytes).

- `import_invoices` (`remit invoices import`, the demo): the good rows of a file land
  together, the bad ones are reported; nothing lands when the database refuses them.
- `import_batch` (POST /api/v1/invoices): a whole batch or nothing. A batch with any rejected
  row writes nothing: its transaction rolls back and the result, with every row error, goes
  back to the client to fix and send again. So it is a unit of work of its own rather than the
  request's session: a rejection is an answer (422 with the rows), not an exception, yet must
  still roll back; and the database's refusals, at a statement or at the commit, are answered
  as what they mean.

After either has committed invoices it created or reopened, the payments with money on
account that may pay them are matched again in a transaction of their own
(pipeline.rematch_opened): the result's `rematched`. A failure there leaves the import
landed and is reported in `rematched.error`, not raised.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, SQLAlchemyError

from core.errors import Conflict, Invalid
from reconcile.invoice_import import ImportResult, import_book
from reconcile.invoice_rows import Book
from workflows.pipeline import rematch_opened
from workflows.runtime import Runtime

log = logging.getLogger(__name__)


def import_invoices(rt: Runtime, book: Book, *, file: str, actor: str) -> ImportResult:
    """Upsert the book's invoices by number, with their customers, accounts and aliases."""
    with rt.unit_of_work() as session:
        result = import_book(session, book, file=file, actor=actor)
    return _rematch(rt, result, actor=actor)


def _rematch(rt: Runtime, result: ImportResult, *, actor: str) -> ImportResult:
    """Money on account against the invoices the (committed) import opened."""
    try:
        summary = rematch_opened(rt, result.opened, actor=actor)
    except SQLAlchemyError as error:  # the import stands; the payments stay as they were
        log.exception("matching money on account after an invoice import failed")
        result.rematched = {"applied": 0, "review": 0, "deferred": 0, "error": str(_reason(error))}
        return result
    result.rematched = {"applied": summary.applied, "review": summary.review, "deferred": summary.deferred}
    return result


class _Rejected(Exception):
    """Raised inside the transaction so that it rolls back: nothing of a bad batch lands."""

    def __init__(self, result: ImportResult) -> None:
        self.result = result


def _reason(error: DBAPIError) -> object:
    return getattr(error, "orig", None) or error


def import_batch(rt: Runtime, book: Book, *, file: str, actor: str) -> ImportResult:
    """Import every row of `book`, or none: a result with errors means nothing was written
    (e.g. an account that belongs to another customer). Invalid (422) if the database refuses
    a value the checks missed; Conflict (409) if a concurrent import created the same
    customer or account first (the client retries)."""
    try:
        with rt.unit_of_work() as session:
            result = import_book(session, book, file=file, actor=actor)
            if result.errors:
                raise _Rejected(result)
    except _Rejected as rejected:
        return rejected.result
    except DataError as error:
        raise Invalid(
            f"the database refused a value, nothing imported: {_reason(error)}"
        ) from None
    except IntegrityError as error:
        raise Conflict(
            f"the database refused the import, nothing imported (retry): {_reason(error)}"
        ) from None
    return _rematch(rt, result, actor=actor)
