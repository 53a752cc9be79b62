"""How one row reads in the read models (DESIGN.md §6 shapes): amounts as decimal strings,
dates ISO 8601; an invoice, a review item and its candidates, an audit event, and the
paragraph that explains a payment. reconcile.views queries; these shape what it found (a
payment's own shape stays in views, beside the SQL of its status).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from core.money import minor_text
from ledger import invoice_status
from ledger.models import AuditEvent, BankTransaction, Invoice, ReviewItem


def amount_text(minor: int | None, currency: str | None) -> str | None:
    return None if minor is None else minor_text(minor, currency)


def iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def invoice_json(i: Invoice, customer_name: str, today: date) -> dict[str, Any]:
    overdue = None
    if i.status == "open" and i.due_date is not None:
        overdue = max(0, (today - i.due_date).days)
    return {
        "invoice_id": i.id,
        "number": i.number,
        "customer_id": i.customer_id,
        "customer_name": customer_name,
        "currency": i.currency,
        "amount": amount_text(i.amount_minor, i.currency),
        "open_amount": amount_text(i.open_minor, i.currency),
        "discount_amount": amount_text(i.discount_minor, i.currency),
        "written_off_amount": amount_text(i.written_off_minor, i.currency),
        "issue_date": i.issue_date.isoformat(),
        "due_date": iso(i.due_date),
        "terms": i.terms,
        "po_number": i.po_number,
        "status": invoice_status.shown(i.status, i.open_minor, i.amount_minor),
        "days_past_due": overdue,
        "updated_at": i.updated_at.isoformat(),
    }


def review_item_json(r: ReviewItem) -> dict[str, Any]:
    return {
        "review_id": r.id,
        "status": r.status,
        "reason": r.reason,
        "explanation": r.explanation,
        "candidates": [candidate_json(c) for c in r.candidates],
        "assignee": r.assignee,
        "actor": r.actor,
        "resolution": r.resolution,
        "created_at": r.created_at.isoformat(),
        "resolved_at": iso(r.resolved_at),
    }


def candidate_json(c: dict[str, Any]) -> dict[str, Any]:
    return {
        "invoice_numbers": c["invoice_numbers"],
        "score": c["score"],
        "reasons": c["reasons"],
        "customer_id": c.get("customer_id"),
        "unapplied": c.get("unapplied"),
        "allocations": c.get("allocations", []),
    }


def payment_explanation(
    t: BankTransaction, currency: str, review: dict[str, Any] | None, apps: list[dict[str, Any]]
) -> str:
    """One paragraph a person reads first: why remit applied this payment, or flagged it."""
    if review is not None and review["status"] == "open":
        return review["explanation"] or f"In review: {review['reason']}."
    live = [a for a in apps if a["status"] == "applied"]
    if live:
        # One sentence per decision (one apply call gives its applications the same reasons).
        groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        for a in live:
            groups.setdefault(
                (a["method"], a["actor"], a["confidence"], tuple(a["reasons"])), []
            ).append(a)
        sentences = []
        for (method, actor, confidence, reasons), items in groups.items():
            how = "automatically" if method == "auto" else f"by {actor}"
            if confidence is not None:
                how += f" (confidence {confidence})"
            to = ", ".join(
                f"{a['invoice_number']} ({a['applied_amount']} {a['currency']})" for a in items
            )
            sentences.append(
                f"Applied {how} to {to}" + (f": {'; '.join(reasons)}." if reasons else ".")
            )
        left = (t.amount_minor or 0) - t.applied_minor
        if left > 0:
            sentences.append(f"{amount_text(left, currency)} {currency} is not applied.")
        return " ".join(sentences)
    if review is not None:
        verb = "Dismissed" if review["status"] == "dismissed" else "Resolved"
        return (
            f"{verb} by {review['actor'] or 'unknown'}: {review['resolution'] or review['reason']}."
        )
    if t.match_status == "returned":
        return f"Returned ({t.return_reason or 'reversal'}): its applications were reversed."
    if t.match_status == "ignored":
        return (
            "Not receivables: a debit, a pending or information-only booking, or no amount; "
            "the matcher leaves it alone."
        )
    return "Not matched yet: the next matching run looks at it."


def event_json(ev: AuditEvent) -> dict[str, Any]:
    return {
        "event_id": ev.id,
        "at": ev.at.isoformat(),
        "actor": ev.actor,
        "action": ev.action,
        "entity_type": ev.entity_type,
        "entity_id": ev.entity_id,
        "before": ev.before,
        "after": ev.after,
    }
