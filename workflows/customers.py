"""Customers from the AR system, each import one transaction: every row lands, or (any error
in the file or against the database) none does. `remit customers import` and
POST /api/v1/customers/import call it; GET /api/v1/customers/{id} reads one customer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from core.errors import Conflict, Invalid
from ledger.models import Customer, CustomerAccount
from receivables.customer_import import CustomerImportResult, import_customers
from receivables.customer_rows import CustomerFile
from workflows.runtime import Runtime


class _Rejected(Exception):
    """Raised inside the transaction so that it rolls back: nothing of a bad file lands."""

    def __init__(self, result: CustomerImportResult) -> None:
        self.result = result


def import_customer_file(rt: Runtime, cfile: CustomerFile, *, file: str, actor: str) -> CustomerImportResult:
    """Upsert by customer_id, all or nothing: a result with errors wrote nothing. Invalid (422)
    if the database refuses a value the checks missed; Conflict (409) if a concurrent import
    took the same customer or account first (import again)."""
    if cfile.errors:  # the file's own errors: the database is not even asked
        return import_customers_dry(cfile, file=file)
    try:
        with rt.unit_of_work() as session:
            result = import_customers(session, cfile, file=file, actor=actor)
            if result.errors:
                raise _Rejected(result)
    except _Rejected as rejected:
        return rejected.result
    except DataError as error:
        raise Invalid(f"the database refused a value, nothing imported: {getattr(error, 'orig', error)}") from None
    except IntegrityError as error:
        raise Conflict(f"changed at the same time by another import, nothing imported (import again): "
                       f"{getattr(error, 'orig', error)}") from None
    return result


def import_customers_dry(cfile: CustomerFile, *, file: str) -> CustomerImportResult:
    return CustomerImportResult(file=file, format=cfile.format, rows_read=cfile.rows_read,
                                errors=sorted(cfile.errors, key=lambda e: (e.row, e.column or "")),
                                warnings=list(cfile.warnings))


def customer_json(session: Session, customer: Customer) -> dict[str, Any]:
    accounts = session.execute(
        select(CustomerAccount.account, CustomerAccount.source)
        .where(CustomerAccount.customer_id == customer.id).order_by(CustomerAccount.account)
    ).all()
    return {
        "customer_id": customer.id,
        "name": customer.name,
        "email": customer.email,
        "phone": customer.phone,
        "segment": customer.segment,
        "parent_id": customer.parent_id,
        "accounts": [{"account": a, "source": s} for a, s in accounts],
    }


def get_customer(session: Session, customer_id: str) -> dict[str, Any] | None:
    """One customer with its accounts (imported and learned); None when unknown. In the
    caller's session (a request's)."""
    customer = session.get(Customer, customer_id)
    return customer_json(session, customer) if customer is not None else None
