"""/api/v1/exceptions, /api/v1/applications, payment unapply: the review queue over HTTP.

Thin: every action calls the same function as the CLI (reconcile.manual), in the request's
session (web.session: committed when the route returns, rolled back when it raises).
Amounts are JSON strings (never numbers: money is not float). A business conflict
(over-application, invoice already paid, nothing open to dismiss) is 409.

Optimistic concurrency: every action takes the payment's `version` as the caller last saw
it (from the list, the detail, or its ETag), in the body or as `If-Match: "N"`; if the
payment changed since, the action is refused with 409 and changes nothing. Without a
version the action applies to whatever the payment is now.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, HTTPException, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy.orm import Session

from api import problems
from api.auth import ArRead, TreasuryReview
from api.payments import ETAG, detail_or_404
from api.schemas import answer, link, links
from api.schemas import exceptions as schema
from api.schemas import payments as payment_schema
from core.errors import NotFound
from core.money import AmountError, D
from ledger.models import Application
from receivables import disputes
from reconcile import manual, views
from reconcile.apply import Applied
from web import paging
from web.session import DbSession

router = APIRouter(prefix="/api/v1", tags=["exceptions"], responses=problems.SECURED)

_PLAIN_AMOUNT = re.compile(paging.BODY_AMOUNT_PATTERN)
_ETAG = re.compile(r'^(?:W/)?"?([0-9]{1,10})"?$')
# What If-Match may say: a version, quoted or not, weak or not; or "*" (any version).
IF_MATCH_PATTERN = r'^\s*(\*|(W/)?"?[0-9]{1,10}"?)\s*$'
# An action's refusals: no such payment (404); the book refuses it, or the payment changed
# since the version the caller names (409).
ACTION_ERRORS = problems.declare(
    (404, "No such payment"),
    (409, "Refused by the book (over-application, an invoice paid or unknown, a returned "
          "payment, nothing open to act on), or the payment changed since `version`: "
          "nothing written"),
)


# The payment's version as the caller last saw it (optimistic concurrency; None: don't check).
Version = Annotated[
    int | None, Field(ge=1, le=paging.MAX_ID, description="the payment's version you saw")
]


class AllocationIn(BaseModel):
    invoice_number: str = Field(min_length=1, max_length=64, pattern=paging.NO_NUL)
    amount: str = "0"  # cash applied from the payment
    discount: str = "0"
    write_off: str = "0"
    write_off_reason: str | None = Field(default=None, max_length=64, pattern=paging.NO_NUL)

    @field_validator("amount", "discount", "write_off")
    @classmethod
    def _decimal(cls, value: str) -> str:
        # Plain text only: no sign, exponent or separators (the currency's decimals are
        # checked against the payment's currency when applying).
        if not _PLAIN_AMOUNT.match(value.strip()):
            raise ValueError(
                'an amount is a string of digits with an optional decimal point, e.g. "100.00"'
            )
        try:
            D(value)
        except AmountError as error:
            raise ValueError(str(error)) from None
        return value.strip()

    @model_validator(mode="after")
    def _settles_something(self) -> AllocationIn:
        if D(self.amount) + D(self.discount) + D(self.write_off) <= 0:
            raise ValueError(
                f"{self.invoice_number}: amount, discount or write_off must be positive"
            )
        if D(self.write_off) > 0 and not (self.write_off_reason or "").strip():
            raise ValueError(
                f"{self.invoice_number}: a write_off needs a write_off_reason "
                "(e.g. bank_charges, short_pay, small_balance)"
            )
        return self


class ApplyIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "allocations": [
            {"invoice_number": "INV-1001", "amount": "980.00", "discount": "20.00"},
            {"invoice_number": "INV-1002", "amount": "245.00", "write_off": "5.00",
             "write_off_reason": "bank_charges"},
        ],
        "note": "remittance by e-mail",
        "version": 3,
    }]})

    allocations: list[AllocationIn] = Field(min_length=1, max_length=100)
    note: str | None = Field(default=None, max_length=500, pattern=paging.NO_NUL)
    version: Version = None

    @model_validator(mode="after")
    def _each_invoice_once(self) -> ApplyIn:
        # One allocation per invoice carries its amount, discount and write-off together; two
        # would be applied one after the other, which is never what a reviewer meant.
        numbers = [a.invoice_number for a in self.allocations]
        twice = sorted({n for n in numbers if numbers.count(n) > 1})
        if twice:
            raise ValueError(
                f"invoice {', '.join(twice)} appears in more than one allocation: give each "
                "invoice once, with its amount, discount and write_off together"
            )
        return self


class ReasonIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "not ours", "version": 3}]}
    )

    reason: str = Field(min_length=1, max_length=500, pattern=paging.NO_NUL)
    version: Version = None


class UnapplyIn(ReasonIn):
    # The reason is kept on each reversed application (a bounded column).
    reason: str = Field(min_length=1, max_length=paging.column_length(Application.reversal_reason),
                        pattern=paging.NO_NUL)


class AcceptIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"rank": 1, "version": 3}]})

    rank: int = Field(default=1, ge=1, le=100, description="the suggestion's rank, 1 = best")
    version: Version = None


class AssignIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"assignee": "ann", "version": 3}]})

    assignee: str | None = Field(
        max_length=128, pattern=paging.NO_NUL, description="who works on it; null: nobody"
    )
    version: Version = None


def _expected(body_version: int | None, if_match: str | None) -> int | None:
    """The version the caller saw: the body's, or If-Match's; both must agree if both given."""
    header = None
    if if_match is not None and if_match.strip() != "*":
        found = _ETAG.match(if_match.strip())
        if found is None:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                f'If-Match must be a payment version such as "3", not {if_match!r}',
            )
        header = int(found.group(1))
    if body_version is not None and header is not None and body_version != header:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"version {body_version} in the body, {header} in If-Match: send one",
        )
    return body_version if body_version is not None else header


IfMatch = Header(
    None,
    alias="If-Match",
    pattern=IF_MATCH_PATTERN,
    description='the payment version you saw, e.g. "3"',
)


def _known(session: Session, transaction_id: int) -> None:
    """An action on a payment that does not exist is a 404, as its GET is."""
    if views.payment_version(session, transaction_id) is None:
        raise NotFound(f"no payment #{transaction_id}")


def _actions(transaction_id: str) -> dict[str, Any]:
    """Links from a payment in the queue to what a reviewer does with it."""
    def to(action: str, description: str) -> dict[str, Any]:
        return link(f"/api/v1/exceptions/{{transaction_id}}/{action}", description, "post",
                    transaction_id=transaction_id)

    return links(
        AcceptSuggestion=to("accept", "Apply its best suggestion"),
        AssignException=to("assign", "Give it to someone"),
        DismissException=to("dismiss", "Not receivables: out of the queue"),
    )


@router.get(
    "/exceptions",
    response_model=answer(schema.ExceptionPage),
    responses={200: links(GetException=link(
        "/api/v1/exceptions/{transaction_id}", "The first item in full",
        transaction_id="$response.body#/items/0/transaction_id"))},
)
def list_exceptions(
    session: DbSession,
    principal: TreasuryReview,
    reason: str | None = Query(None, max_length=32, pattern=paging.NO_NUL),
    assignee: str | None = Query(None, max_length=128, pattern=paging.NO_NUL),
    payer: str | None = Query(
        None,
        max_length=200,
        pattern=paging.NO_NUL,
        description="part of the payer's name or account",
    ),
    amount_min: str | None = Query(None, pattern=paging.AMOUNT_PATTERN),
    amount_max: str | None = Query(None, pattern=paging.AMOUNT_PATTERN),
    kind: Literal["receivable", "other", "all"] = Query(
        "receivable", description="the AR queue (default), what is not receivables work "
                                  "(outgoing debits, notices, our own payments sent back), or all"),
    has_unapplied: bool | None = Query(
        None, description="true: some of the payment is on no invoice; false: none is"
    ),
    min_unapplied: str | None = Query(
        None, pattern=paging.AMOUNT_PATTERN, description="at least this much not applied"
    ),
    limit: paging.Limit = 100,
    after: paging.Cursor = None,
) -> dict[str, Any]:
    items = views.exceptions(
        session,
        reason=reason,
        kind=kind,
        assignee=assignee,
        payer=payer,
        amount_min=paging.amount(amount_min),
        amount_max=paging.amount(amount_max),
        has_unapplied=has_unapplied,
        min_unapplied=paging.amount(min_unapplied),
        limit=limit + 1,
        after_id=after,
    )
    return paging.page(items, limit, "review_id")


@router.get(
    "/exceptions/{transaction_id}",
    response_model=answer(payment_schema.PaymentDetail),
    responses={
        200: {**ETAG, **_actions("$response.body#/transaction_id")},
        **problems.declare((404, "No such payment")),
    },
)
def get_exception(
    session: DbSession, transaction_id: paging.RowId, principal: TreasuryReview, response: Response
) -> dict[str, Any]:
    """The payment in full (as GET /payments/{id}), with its review item and suggestions."""
    return detail_or_404(session, transaction_id, response)


# A reviewer's action refused by the book (ApplicationError, StaleVersion included) is a
# Conflict: api/problems.py answers 409, and the request's session rolls back.


def _applied(session: Session, transaction_id: int, done: Applied) -> dict[str, Any]:
    return {
        "transaction_id": transaction_id,
        "application_ids": list(done.application_ids),
        "invoice_numbers": list(done.invoice_numbers),
        "version": views.payment_version(session, transaction_id),
    }


@router.post(
    "/exceptions/{transaction_id}/apply",
    status_code=status.HTTP_201_CREATED,
    response_model=answer(schema.Applied),
    responses=ACTION_ERRORS,
)
def apply_exception(
    session: DbSession,
    transaction_id: paging.RowId,
    body: ApplyIn,
    principal: TreasuryReview,
    if_match: str | None = IfMatch,
) -> dict[str, Any]:
    expected = _expected(body.version, if_match)
    _known(session, transaction_id)
    lines = [
        manual.ManualLine(a.invoice_number, Decimal(a.amount), Decimal(a.discount),
                          Decimal(a.write_off), a.write_off_reason)
        for a in body.allocations
    ]
    # More decimals than the payment's currency has: AmountError, a 422.
    done = disputes.apply_by_hand(
        session, transaction_id=transaction_id, lines=lines, actor=principal.actor,
        note=body.note, expected_version=expected)
    return _applied(session, transaction_id, done)


@router.post(
    "/exceptions/{transaction_id}/accept",
    status_code=status.HTTP_201_CREATED,
    response_model=answer(schema.Applied),
    responses=ACTION_ERRORS,
)
def accept_suggestion(
    session: DbSession,
    transaction_id: paging.RowId,
    body: AcceptIn,
    principal: TreasuryReview,
    if_match: str | None = IfMatch,
) -> dict[str, Any]:
    """Apply suggestion number `rank` of the open review item exactly as suggested."""
    expected = _expected(body.version, if_match)
    _known(session, transaction_id)
    done = manual.accept_suggestion(
        session, transaction_id=transaction_id, rank=body.rank, actor=principal.actor,
        expected_version=expected)
    return _applied(session, transaction_id, done)


@router.post(
    "/exceptions/{transaction_id}/assign",
    response_model=answer(schema.Assigned),
    responses=ACTION_ERRORS,
)
def assign_exception(
    session: DbSession,
    transaction_id: paging.RowId,
    body: AssignIn,
    principal: TreasuryReview,
    if_match: str | None = IfMatch,
) -> dict[str, Any]:
    expected = _expected(body.version, if_match)
    _known(session, transaction_id)
    review_id = manual.assign(
        session, transaction_id=transaction_id, assignee=body.assignee, actor=principal.actor,
        expected_version=expected)
    return {
        "transaction_id": transaction_id,
        "review_id": review_id,
        "assignee": (body.assignee or "").strip() or None,
        "version": views.payment_version(session, transaction_id),
    }


@router.post(
    "/exceptions/{transaction_id}/dismiss",
    response_model=answer(schema.Dismissed),
    responses=ACTION_ERRORS,
)
def dismiss_exception(
    session: DbSession,
    transaction_id: paging.RowId,
    body: ReasonIn,
    principal: TreasuryReview,
    if_match: str | None = IfMatch,
) -> dict[str, Any]:
    expected = _expected(body.version, if_match)
    _known(session, transaction_id)
    manual.dismiss(
        session, transaction_id=transaction_id, actor=principal.actor, reason=body.reason,
        expected_version=expected)
    version = views.payment_version(session, transaction_id)
    return {"transaction_id": transaction_id, "status": "dismissed", "version": version}


@router.post(
    "/payments/{transaction_id}/unapply",
    response_model=answer(schema.Unapplied),
    responses=ACTION_ERRORS,
)
def unapply_payment(
    session: DbSession,
    transaction_id: paging.RowId,
    body: UnapplyIn,
    principal: TreasuryReview,
    if_match: str | None = IfMatch,
) -> dict[str, Any]:
    expected = _expected(body.version, if_match)
    _known(session, transaction_id)
    reopened = manual.unapply(
        session, transaction_id=transaction_id, actor=principal.actor, reason=body.reason,
        expected_version=expected)
    version = views.payment_version(session, transaction_id)
    return {"transaction_id": transaction_id, "reopened": reopened, "version": version}


@router.get("/applications", response_model=answer(list[payment_schema.Application]))
def list_applications(
    session: DbSession,
    principal: ArRead,
    transaction_id: Annotated[int | None, Query(ge=1, le=paging.MAX_ID)] = None,
) -> list[dict[str, Any]]:
    return views.applications(session, transaction_id=transaction_id)
