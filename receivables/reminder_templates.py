"""Reminder messages: the sandboxed Jinja2 renderer of the templates, and the context they
see (the customer, the items at their steps, totals, discounts still open, late fees, how to
pay). Amounts come twice: as plain decimal text (`remind_amount`, for templates that format
their own) and as a person reads them (`*_text`: "EUR 1,250.00"); dates as ISO and as text
("19 November 2026").

The bundled templates write each paragraph on one line and let the mail client wrap it: a
sentence is never broken by a hard line end (tests/receivables/test_reminder_mail.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    select_autoescape,
)
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.money import exponent, format_amount, from_minor, minor_text
from core.settings import Settings
from ledger.models import FeeItem
from receivables import dunning
from receivables.due_dates import effective_due
from receivables.dunning import CustomerInfo, Decision, Step

TEMPLATES_DIR = Path(__file__).parent / "templates"


class Renderer:
    """Jinja2, sandboxed (templates may come from users: REMIT_REMINDER_TEMPLATES_DIR), HTML
    autoescaped; a template is found in the override directory first, then the defaults."""

    def __init__(self, override_dir: Path | None = None) -> None:
        loaders = [FileSystemLoader(str(override_dir))] if override_dir else []
        loaders.append(FileSystemLoader(str(TEMPLATES_DIR)))
        self.env = SandboxedEnvironment(
            loader=ChoiceLoader(loaders),
            autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
            undefined=StrictUndefined,
            keep_trailing_newline=True,
        )

    @staticmethod
    def file_name(step: Step) -> str:
        # Letters are printable HTML; the rest (email, call and agency notes) plain text.
        return f"{step.template}.html.j2" if step.channel == "letter" else f"{step.template}.txt.j2"

    def exists(self, step: Step) -> bool:
        try:
            self.env.get_template(self.file_name(step))
        except TemplateNotFound:
            return False
        return True

    def render(self, step: Step, context: dict[str, Any]) -> tuple[str, str]:
        """(subject, body); an HTML letter's body is the whole printable document."""
        t = self.env.get_template(self.file_name(step))
        subject = " ".join("".join(t.blocks["subject"](t.new_context(context))).split())
        if step.channel == "letter":
            body = t.render(context)
        else:
            body = "".join(t.blocks["body"](t.new_context(context))).strip() + "\n"
        return subject, body


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
DEFAULT_INSTRUCTIONS = "Please pay by bank transfer and quote the invoice number as the reference."


def money_text(minor: int, currency: str) -> str:
    """'EUR 1,250.00': the code, thousands grouped, the currency's decimals."""
    return f"{currency} {from_minor(minor, currency):,.{exponent(currency)}f}"


def day_text(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def iban_text(iban: str) -> str:
    """The IBAN as printed on paper: groups of four."""
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def how_to_pay(settings: Settings) -> str:
    """One paragraph: the payee's bank details (REMIT_PAYEE_*) when set, then the
    instructions (REMIT_PAYMENT_INSTRUCTIONS); without an IBAN, the instructions alone."""
    extra = (settings.payment_instructions or "").strip()
    if not settings.payee_iban:
        return extra or DEFAULT_INSTRUCTIONS
    payee = f"{settings.payee_name}, " if settings.payee_name else ""
    bic = f" (BIC {settings.payee_bic})" if settings.payee_bic else ""
    text = (f"Please transfer the amount to {payee}IBAN {iban_text(settings.payee_iban)}{bic}, "
            "quoting the invoice number as the payment reference.")
    return f"{text} {extra}" if extra else text


def renderer_for(settings: Settings) -> Renderer:
    return Renderer(settings.reminder_templates_dir)


def _fees(session: Session, invoice_ids: Sequence[int]) -> dict[int, list[FeeItem]]:
    # Every fee not waived: one the AR system has acknowledged (exported) is still owed.
    out: dict[int, list[FeeItem]] = defaultdict(list)
    if invoice_ids:
        rows = session.scalars(
            select(FeeItem)
            .where(FeeItem.invoice_id.in_(invoice_ids), FeeItem.status != "void")
            .order_by(FeeItem.period_end, FeeItem.id)
        )
        for f in rows:
            out[f.invoice_id].append(f)
    return out


def build_context(
    session: Session,
    decisions: Sequence[Decision],
    customer: CustomerInfo,
    *,
    as_of: date,
    settings: Settings,
) -> dict[str, Any]:
    """What templates see: the customer, the items (invoices or instalments) with amounts as
    decimal text, totals per currency, the discount still open, late fees, how to pay."""
    inv_ds = [d for d in decisions if d.invoice is not None]
    fees = _fees(session, [d.invoice.id for d in inv_ds if d.invoice is not None])
    totals: dict[str, int] = defaultdict(int)
    items = []
    for d in inv_ds:
        inv = d.invoice
        assert inv is not None
        fee_rows = fees.get(inv.id, [])
        fee_total = sum(f.amount_minor for f in fee_rows)
        totals[inv.currency] += d.remind_minor + fee_total
        offer = dunning.discount_offer(inv, as_of)
        disputed = min(inv.disputed_minor, inv.open_minor)
        due = effective_due(inv.due_date, inv.terms, inv.issue_date) or inv.issue_date
        items.append(
            {
                "number": inv.number,
                "currency": inv.currency,
                "amount": minor_text(inv.amount_minor, inv.currency),
                "open_amount": minor_text(inv.open_minor, inv.currency),
                "remind_amount": minor_text(d.remind_minor, inv.currency),
                "disputed_amount": minor_text(disputed, inv.currency) if disputed > 0 else None,
                "issue_date": inv.issue_date.isoformat(),
                "due_date": due.isoformat(),
                "due_date_text": day_text(due),
                "open_amount_text": money_text(inv.open_minor, inv.currency),
                "remind_amount_text": money_text(d.remind_minor, inv.currency),
                "disputed_amount_text": money_text(disputed, inv.currency) if disputed > 0 else None,
                "days_past_due": d.days_past_due,
                "step": d.step.name,
                "discount": {
                    "amount": format_amount(offer.amount),
                    "pay": format_amount(offer.pay),
                    "last_day": offer.last_day.isoformat(),
                    "amount_text": f"{inv.currency} {offer.amount:,}",
                    "pay_text": f"{inv.currency} {offer.pay:,}",
                    "last_day_text": day_text(offer.last_day),
                }
                if offer
                else None,
                "fees": [
                    {
                        "kind": f.kind,
                        "amount": minor_text(f.amount_minor, f.currency),
                        "amount_text": money_text(f.amount_minor, f.currency),
                        "period_end": f.period_end.isoformat(),
                        "period_end_text": day_text(f.period_end),
                    }
                    for f in fee_rows
                ],
                "fees_total": minor_text(fee_total, inv.currency) if fee_rows else None,
            }
        )
    instalments = []
    for d in decisions:
        ins = d.instalment
        if ins is None:
            continue
        totals[ins.currency] += d.remind_minor
        instalments.append(
            {
                "plan_reference": ins.plan_reference,
                "seq": ins.seq,
                "currency": ins.currency,
                "due_date": ins.due_date.isoformat(),
                "due_date_text": day_text(ins.due_date),
                "days_past_due": d.days_past_due,
                "amount": minor_text(ins.amount_minor, ins.currency),
                "unpaid": minor_text(d.remind_minor, ins.currency),
                "unpaid_text": money_text(d.remind_minor, ins.currency),
                "step": d.step.name,
            }
        )
    return {
        "customer": {"id": customer.id, "name": customer.name, "email": customer.email,
                     "phone": customer.phone},
        "as_of": as_of.isoformat(),
        "as_of_text": day_text(as_of),
        "items": items,
        "instalments": instalments,
        "totals": [{"currency": c, "amount": minor_text(m, c), "amount_text": money_text(m, c)}
                   for c, m in sorted(totals.items())],
        "payment_instructions": (settings.payment_instructions or "").strip() or DEFAULT_INSTRUCTIONS,
        "how_to_pay": how_to_pay(settings),
        "payee": {"name": settings.payee_name, "iban": iban_text(settings.payee_iban) if settings.payee_iban else None,
                  "bic": settings.payee_bic},
        "sender": settings.smtp_from.split("<")[0].strip() or settings.smtp_from,
    }
