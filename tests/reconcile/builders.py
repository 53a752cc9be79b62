"""Terse builders for matcher tests: customers, invoices and payments with sane defaults."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import count

from core.records import Direction, InvoiceRef
from core.terms import parse_terms
from reconcile.model import Customer, OpenInvoice, Payment

D = Decimal
DAY = date(2026, 11, 10)
IBAN_ACME = "DE89370400440532013000"
IBAN_GLOBEX = "GB82WEST12345698765432"
_ids = count(1)


def customer(cid: str, name: str, *accounts: str, aliases: tuple[str, ...] = ()) -> Customer:
    return Customer(cid, name, tuple(accounts), aliases)


def invoice(number: str, customer_id: str, amount: str, *, open_amount: str | None = None, currency: str = "EUR",
            issued: date = date(2026, 10, 1), due: date | None = None, terms: str | None = None,
            po: str | None = None, iid: int | None = None) -> OpenInvoice:
    return OpenInvoice(
        id=iid if iid is not None else next(_ids), number=number, customer_id=customer_id, currency=currency,
        amount=D(amount), open_amount=D(open_amount if open_amount is not None else amount), issue_date=issued,
        due_date=due, terms=parse_terms(terms)[0] if terms else None, po_number=po)


def payment(amount: str, *remittance: str, pid: int | None = None, currency: str = "EUR", on: date = DAY,
            name: str | None = None, account: str | None = None, references: tuple[str, ...] = (),
            invoices: tuple[tuple[str, str | None], ...] = (), direction: Direction = Direction.CREDIT) -> Payment:
    return Payment(
        id=pid if pid is not None else next(_ids), amount=D(amount), currency=currency, value_date=on,
        direction=direction, payer_name=name, payer_account=account, remittance=remittance, references=references,
        invoices=tuple(InvoiceRef(n, D(a) if a is not None else None) for n, a in invoices))


ACME = customer("C1", "Acme Manufacturing Inc", IBAN_ACME)
GLOBEX = customer("C2", "Globex Corporation", IBAN_GLOBEX)
INITECH = customer("C3", "Initech GmbH")
CUSTOMERS = [ACME, GLOBEX, INITECH]
