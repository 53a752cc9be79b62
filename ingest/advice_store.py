"""Store a file's remittance advices (core/advice.py) in the caller's transaction.

An advice is kept once: its fingerprint (payer, reference, amount, currency, date and lines,
whatever the format) is unique, so the same advice sent again, as another file or in the
other format, is reported as a duplicate and never linked or applied a second time.
Linking to the payment and applying it is reconcile/advice.py's, run by the pipeline.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core.advice import Advice
from core.errors import ParseError
from core.money import AmountError, to_minor
from ledger import audit
from ledger.models import RemittanceAdvice
from ledger.types import utc_now


@dataclass
class AdviceCounts:
    stored: int = 0
    duplicate: int = 0
    warnings: list[str] = field(default_factory=list)


def _minor(amount: object, currency: str | None, *, line: int | None, field_name: str) -> int:
    try:
        return to_minor(amount, currency)  # type: ignore[arg-type]
    except AmountError as error:
        raise ParseError(str(error), line=line, field=field_name, value=str(amount)) from None


def advice_row(advice: Advice) -> dict[str, object]:
    """The stored values of an advice (amounts in minor units of its currency, 2 digits when
    it names none) and its fingerprint."""
    ccy = advice.currency
    lines = [{"invoice_number": ln.invoice_number,
              "paid_minor": _minor(ln.paid, ccy, line=ln.line, field_name="paid_amount"),
              "discount_minor": _minor(ln.discount, ccy, line=ln.line, field_name="discount"),
              "line": ln.line} for ln in advice.lines]
    row: dict[str, object] = {
        "payer": advice.payer, "payment_reference": advice.payment_reference,
        "amount_minor": _minor(advice.amount, ccy, line=advice.line, field_name="payment_amount"),
        "currency": ccy, "payment_date": advice.payment_date, "lines": lines,
    }
    content = [advice.payer and advice.payer.casefold(), advice.payment_reference, row["amount_minor"], ccy,
               advice.payment_date and advice.payment_date.isoformat(),
               sorted((ln["invoice_number"], ln["paid_minor"], ln["discount_minor"]) for ln in lines)]
    row["fingerprint"] = hashlib.sha256(json.dumps(content, default=str).encode()).hexdigest()
    return row


def store_advices(session: Session, advices: Sequence[Advice], *, file_id: int, fmt: str,
                  actor: str) -> AdviceCounts:
    counts = AdviceCounts()
    seen: set[str] = set()
    for seq, advice in enumerate(advices, start=1):
        row = advice_row(advice)
        label = advice.payment_reference or advice.payer or f"advice {seq}"
        fingerprint = str(row["fingerprint"])
        known = session.scalar(select(RemittanceAdvice.id).where(RemittanceAdvice.fingerprint == fingerprint))
        if known is not None or fingerprint in seen:
            counts.duplicate += 1
            counts.warnings.append(f"advice {label} (line {advice.line}) was received before"
                                   + (f" (advice #{known})" if known else " in this file") + ": not applied again")
            continue
        seen.add(fingerprint)
        advice_id = session.execute(insert(RemittanceAdvice).values(
            file_id=file_id, seq=seq, format=fmt, status="waiting", created_at=utc_now(), **row,
        ).returning(RemittanceAdvice.id)).scalar_one()
        audit.record(session, actor=actor, action="remittance_advice.received", entity_type="remittance_advice",
                     entity_id=advice_id, after={"file_id": file_id, "format": fmt,
                                                 "payment_reference": advice.payment_reference,
                                                 "payer": advice.payer, "lines": len(advice.lines)})
        counts.stored += 1
    return counts
