"""/api/v1/invoices: bulk upsert (ar:write), list and get (ar:read).

The upsert is `remit invoices import` over HTTP: the rows go through the same parser
(reconcile.invoice_rows, as JSON Lines) and the same import service
(reconcile.invoice_import), so validation and the "held" rule (an invoice remit has applied
cash to keeps its money fields) are the CLI's. One difference, on purpose: the CLI imports
the good rows of a file with bad ones, while a request with any rejected row writes nothing
and answers 422 with every row error, so a client can fix the batch and send it again (the
upsert is its own unit of work: workflows.invoices). Reads use the request's session.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api import problems
from api.auth import ArRead, ArWrite
from api.schemas import answer
from api.schemas import invoices as schema
from receivables import collection_views, disputes, fee_job, plan_service, reminders
from reconcile import views
from reconcile.invoice_import import ImportResult
from reconcile.invoice_rows import BookFileError, RowError, parse_book
from web import paging
from web.session import DbSession
from workflows.invoices import import_batch

router = APIRouter(prefix="/api/v1/invoices", tags=["invoices"], responses=problems.SECURED)

MAX_ROWS = 10_000
SOURCE = "api"  # the `file` of the import result and of the audit trail
STATUS_PATTERN = paging.comma_list(views.INVOICE_STATUSES)


class InvoicesIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"invoices": [{
        "invoice_number": "INV-1001", "customer_id": "C-1001", "customer_name": "Acme GmbH",
        "currency": "EUR", "amount": "1250.00", "issue_date": "2026-11-02",
        "due_date": "2026-12-02", "terms": "2/10 net 30",
        "customer_accounts": ["DE89370400440532013000"],
    }]}]})

    invoices: list[Any] = Field(
        min_length=1,
        max_length=MAX_ROWS,
        description=(
            "Rows with the columns of `remit invoices import`: invoice_number, customer_id, "
            "customer_name, currency, amount, issue_date (required), open_amount, due_date, "
            "terms, po_number, customer_accounts (a list or ';'-separated), customer_aliases, "
            "parent_customer_id (the parent/group company; empty clears it, absent keeps it; a "
            "parent remit does not know yet is created as a customer with that id). "
            'Amounts as strings ("1250.00") or integers, never floats. An error\'s `row` is '
            "the row's 1-based position in this list."
        ),
    )


def _json_lines(rows: list[Any]) -> bytes:
    # Re-encoded as JSON Lines for the CLI's parser: a float stays a float (refused there),
    # and line N is row N of the request.
    return "\n".join(json.dumps(row, ensure_ascii=False) for row in rows).encode()


def _rejected(rows_read: int, errors: Sequence[RowError], warnings: Sequence[str]) -> JSONResponse:
    # Nothing was written: the counts stay zero, whatever a rolled-back attempt had counted.
    shown = ImportResult(
        file=SOURCE,
        format="json",
        rows_read=rows_read,
        errors=list(errors),
        warnings=list(warnings),
    )
    body = {
        "detail": f"{shown.rejected} row(s) rejected, nothing imported: correct them and send "
        "the batch again",
        **shown.as_json(),
    }
    return JSONResponse(body, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


@router.post(
    "",
    response_model=answer(schema.ImportResult),
    responses={
        422: {
            "model": schema.ImportRejected,
            "description": "Rows rejected, none written (`application/json`: every row error); "
            "or a request the schema refuses (`application/problem+json`)",
            "content": problems.VALIDATION_PROBLEM,
        }
    },
)
def upsert_invoices(request: Request, body: InvoicesIn, principal: ArWrite) -> JSONResponse:
    """Upsert by invoice_number. 200 with created/updated/unchanged/held counts; 422 with the
    row errors (and nothing written) when any row is rejected."""
    try:
        book = parse_book(_json_lines(body.invoices), "request.jsonl", format="jsonl")
    except BookFileError as error:  # a plain ValueError of the parser, not a domain error
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None
    if book.errors:  # NUL, over-long text, non-ASCII digits ... are row errors of the parser
        return _rejected(book.rows_read, book.errors, book.warnings)
    result = import_batch(request.app.state.runtime, book, file=SOURCE, actor=principal.actor)
    if result.errors:  # rolled back: e.g. an account that belongs to another customer
        return _rejected(result.rows_read, result.errors, result.warnings)
    out = result.as_json()
    out["format"] = "json"
    return JSONResponse(out)


@router.get("", response_model=answer(schema.InvoicePage))
def list_invoices(
    session: DbSession,
    principal: ArRead,
    customer: str | None = Query(
        None, max_length=64, pattern=paging.NO_NUL, description="customer id"
    ),
    status_: str | None = Query(
        None,
        alias="status",
        pattern=STATUS_PATTERN,
        description="open | partially_paid | paid | void, or several comma-separated",
    ),
    due_before: Annotated[paging.IsoDate | None, Query(description="due on or before")] = None,
    due_after: Annotated[paging.IsoDate | None, Query(description="due on or after")] = None,
    q: str | None = Query(
        None,
        max_length=200,
        pattern=paging.NO_NUL,
        description="part of the number or customer name, or the customer id",
    ),
    amount: str | None = Query(
        None, pattern=paging.AMOUNT_PATTERN, description="the amount or open amount, exactly"
    ),
    limit: paging.Limit = 100,
    after: paging.Cursor = None,
) -> dict[str, Any]:
    items = views.invoice_list(  # an unknown status is Invalid (422)
        session,
        customer_id=customer,
        status=status_,
        due_before=due_before,
        due_after=due_after,
        q=q,
        amount=paging.amount(amount),
        limit=limit + 1,
        after_id=after,
    )
    return paging.page(items, limit, "invoice_id")


@router.get(
    "/{number:path}", response_model=answer(schema.InvoiceDetail), responses=problems.declare(404)
)
def get_invoice(
    session: DbSession,
    number: Annotated[str, Path(max_length=64, pattern=paging.NO_NUL)],
    principal: ArRead,
) -> dict[str, Any]:
    """The invoice with its applications (live and reversed), its audit history, and its
    collections: disputes, late fees, the active payment plan, reminders."""
    found = views.invoice_detail(session, number)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no invoice {number!r}")
    plan = plan_service.active_plan_of_invoices(session, [found["invoice_id"]])
    return {
        **found,
        "disputes": disputes.list_disputes(session, invoice_number=number, limit=1000),
        "fees": fee_job.list_fees(session, invoice_number=number, limit=1000),
        "plan": (plan_service.plan_json(session, plan[found["invoice_id"]], detail=False)
                 if plan else None),
        "reminders": reminders.list_reminders(session, invoice_number=number, limit=1000),
        "collections": collection_views.listing(session, invoice_id=found["invoice_id"]),
    }
