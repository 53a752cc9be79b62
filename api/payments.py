"""/api/v1/payments: list and get bank transactions (ar:read), with their applications;
record a payment received outside the bank files (ar:write, Idempotency-Key: reconcile/recorded.py).

A payment's `version` (also its ETag) is what a reviewer's action names to be refused (409)
if the payment changed meanwhile; see api/exceptions.py. Unapply lives there too.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from api import problems
from api.auth import ArRead, ArWrite
from api.schemas import answer, link, links
from api.schemas import payments as schema
from core.money import D
from reconcile import recorded, views
from web import paging
from web.session import DbSession
from workflows.recorded_payments import record_payment

router = APIRouter(prefix="/api/v1/payments", tags=["payments"], responses=problems.SECURED)

STATUS_PATTERN = paging.comma_list(views.PAYMENT_STATUSES)
# A payment's answer carries its version as the ETag, for If-Match on the actions.
ETAG = {
    "headers": {
        "ETag": {
            "description": 'the payment\'s version, quoted ("3"): send it back as If-Match',
            "schema": {"type": "string"},
        }
    }
}


@router.get(
    "",
    response_model=answer(schema.PaymentPage),
    responses={200: links(GetPayment=link(
        "/api/v1/payments/{transaction_id}", "The first payment in full",
        transaction_id="$response.body#/items/0/transaction_id"))},
)
def list_payments(
    session: DbSession,
    principal: ArRead,
    status_: str | None = Query(
        None,
        alias="status",
        pattern=STATUS_PATTERN,
        description="matched | partially_applied | review | returned | unmatched | ignored, "
        "or several comma-separated",
    ),
    date_from: Annotated[
        paging.IsoDate | None, Query(description="value date (else booking date) on or after")
    ] = None,
    date_to: Annotated[
        paging.IsoDate | None, Query(description="value date (else booking date) on or before")
    ] = None,
    amount_min: str | None = Query(None, pattern=paging.AMOUNT_PATTERN),
    amount_max: str | None = Query(None, pattern=paging.AMOUNT_PATTERN),
    payer: str | None = Query(
        None,
        max_length=200,
        pattern=paging.NO_NUL,
        description="part of the payer's name or account",
    ),
    currency: str | None = Query(None, pattern=r"^[A-Za-z]{3}$"),
    has_unapplied: bool | None = Query(
        None, description="true: some of the payment is on no invoice; false: none is"
    ),
    min_unapplied: str | None = Query(
        None, pattern=paging.AMOUNT_PATTERN, description="at least this much not applied"
    ),
    limit: paging.Limit = 100,
    after: paging.Cursor = None,
) -> dict[str, Any]:
    items = views.payment_list(  # an unknown status is Invalid (422)
        session,
        status=status_,
        date_from=date_from,
        date_to=date_to,
        amount_min=paging.amount(amount_min),
        amount_max=paging.amount(amount_max),
        payer=payer,
        currency=currency,
        has_unapplied=has_unapplied,
        min_unapplied=paging.amount(min_unapplied),
        limit=limit + 1,
        after_id=after,
    )
    return paging.page(items, limit, "transaction_id")


def detail_or_404(session: Session, transaction_id: int, response: Response) -> dict[str, Any]:
    """The payment in full, its version as the ETag (for If-Match on the actions)."""
    found = views.payment_detail(session, transaction_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no payment #{transaction_id}")
    response.headers["ETag"] = f'"{found["version"]}"'
    return found


@router.get(
    "/{transaction_id}",
    response_model=answer(schema.PaymentDetail),
    responses={200: ETAG, **problems.declare((404, "No such payment"))},
)
def get_payment(
    session: DbSession, transaction_id: paging.RowId, principal: ArRead, response: Response
) -> dict[str, Any]:
    """Entry, file, remittance, applications, review item, and why it was applied or flagged."""
    return detail_or_404(session, transaction_id, response)


class PaymentIn(BaseModel):
    """A payment received outside the bank files (portal, card, cheque at the counter)."""

    model_config = ConfigDict(extra="forbid")

    amount: str = Field(pattern=paging.BODY_AMOUNT_PATTERN, max_length=40, examples=["120.00"])
    currency: str = Field(pattern=r"^[A-Z]{3}$", examples=["EUR"])
    customer_id: str = Field(min_length=1, max_length=64, pattern=paging.NO_NUL)
    invoice_numbers: list[Annotated[str, Field(min_length=1, max_length=64, pattern=paging.NO_NUL)]] = Field(
        default_factory=list, max_length=100)
    reference: str | None = Field(None, max_length=256, pattern=paging.NO_NUL, examples=["card ch_123"])
    received_at: paging.IsoDate


IDEMPOTENCY_KEY = r"^[\x21-\x7e]{1,255}$"  # printable ASCII, no spaces (Stripe: up to 255)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=answer(schema.PaymentDetail),
    responses={
        201: {**ETAG, **links(GetPayment=link(
            "/api/v1/payments/{transaction_id}", "The payment recorded",
            transaction_id="$response.body#/transaction_id"))},
        **problems.declare((409, "The Idempotency-Key was used for another body")),
    },
)
def record(
    request: Request,
    session: DbSession,
    body: PaymentIn,
    principal: ArWrite,
    response: Response,
    idempotency_key: Annotated[str, Header(
        pattern=IDEMPOTENCY_KEY, max_length=255,
        description="one per payment: a replay with the same key and body answers the same payment "
        "and applies nothing again; the same key with another body is a 409")],
) -> dict[str, Any]:
    """Record a payment received outside the bank files (portal, card, cheque at the counter):
    stored as a payment of source `api` and matched at once; its later bank settlement (card
    payout, cheque deposit) is recognised and applies nothing again."""
    payment = recorded.PaymentIn(
        amount=D(body.amount), currency=body.currency, customer_id=body.customer_id,
        invoice_numbers=tuple(body.invoice_numbers), reference=body.reference, received_at=body.received_at)
    tx_id, replay = record_payment(session, request.app.state.runtime, idempotency_key, payment,
                                   actor=principal.actor, today=datetime.now(timezone.utc).date())
    if replay:
        response.headers["Idempotent-Replayed"] = "true"
    return detail_or_404(session, tx_id, response)
