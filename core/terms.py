"""Payment terms: `net 30`, `2/10 net 30`, `1%15 net 45`, `2/10 EOM net 30`, `due on receipt`.

`parse_terms(text)` never fails: unknown terms are kept as text, mean no discount, and come
back with a warning. Windows are counted in days from the issue date, or from the last day
of the issue month for EOM terms. The discount is a percentage of the invoice amount,
rounded half-up to the currency's minor unit.

When a discount is earned is one rule for all of remit (`last_discount_day`): on or before
the window's deadline plus grace days. Matching grants the discount_grace_days setting —
the AR team's tolerance for bank float, a payment made in the window but booked after it; a
reminder offers the contractual window only (grace_days=0): tolerance is not advertised.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from core.money import exponent

_NUMBER = r"(\d{1,2}(?:[.,]\d{1,2})?)"
_DISCOUNT = re.compile(
    rf"^{_NUMBER}\s*(?:%|/|\bpct\b|percent)\s*(\d{{1,3}})\s*(?:days?)?\s*(eom|prox)?"
    rf"\s*(?:[,;/]\s*)?(?:(?:n|net)\s*/?\s*(\d{{1,3}}|eom)\s*(?:days?)?\s*(eom)?)?$"
)
_NET = re.compile(r"^(?:n|net)\s*/?\s*(\d{1,3})?\s*(?:days?)?\s*(eom|prox)?$")
_NET_EOM = re.compile(r"^(?:n|net)\s*/?\s*eom$|^eom$")
_IMMEDIATE = re.compile(r"^(?:due (?:up)?on receipt|on receipt|cod|cash on delivery|immediate(?:ly)?|net 0)$")


@dataclass(frozen=True, slots=True)
class Terms:
    text: str
    known: bool = True
    net_days: int | None = None
    discount_percent: Decimal | None = None
    discount_days: int | None = None
    eom: bool = False  # windows count from the end of the issue month

    def _base(self, issue: date) -> date:
        if not self.eom:
            return issue
        return issue.replace(day=calendar.monthrange(issue.year, issue.month)[1])

    def discount_deadline(self, issue: date) -> date | None:
        """Last day of the contractual discount window (before any grace days)."""
        if self.discount_percent is None or self.discount_days is None:
            return None
        return self._base(issue) + timedelta(days=self.discount_days)

    def discount_last_day(self, issue: date, *, grace_days: int) -> date | None:
        """Last day a payment earns the early-payment discount (`last_discount_day`); None
        without a discount. `grace_days` has no default: each caller says what it grants."""
        deadline = self.discount_deadline(issue)
        return None if deadline is None else last_discount_day(deadline, grace_days)

    def net_due(self, issue: date) -> date | None:
        if self.net_days is None:
            return None
        return self._base(issue) + timedelta(days=self.net_days)

    def discount_amount(self, amount: Decimal, currency: str | None) -> Decimal:
        """The discount on `amount`, rounded half-up to the currency's minor unit (0 if none)."""
        if self.discount_percent is None:
            return Decimal(0)
        unit = Decimal(1).scaleb(-exponent(currency))
        return (amount * self.discount_percent / 100).quantize(unit, rounding=ROUND_HALF_UP)


NO_TERMS = Terms(text="", known=True)


def last_discount_day(deadline: date, grace_days: int) -> date:
    """Last day a payment earns a discount whose window ends on `deadline`: grace days later.
    Paid on or before it, the discount is earned. (Takes the deadline, not the terms, so the
    matcher works the deadline out once per invoice and this once per payment date.)"""
    return deadline + timedelta(days=grace_days)


def _pct(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def parse_terms(text: str | None) -> tuple[Terms, str | None]:
    """(terms, warning). Unknown text: Terms(known=False), no discount, and a warning."""
    raw = (text or "").strip()
    if not raw:
        return NO_TERMS, None
    s = re.sub(r"\s+", " ", raw.lower()).strip(" .")
    if _IMMEDIATE.match(s):
        return Terms(text=raw, net_days=0), None
    if _NET_EOM.match(s):
        return Terms(text=raw, net_days=0, eom=True), None
    if m := _NET.match(s):
        days, eom = m.group(1), m.group(2)
        if days is not None:
            return Terms(text=raw, net_days=int(days), eom=eom is not None), None
    if m := _DISCOUNT.match(s):
        pct, disc_days, disc_eom, net, net_eom = m.groups()
        percent = _pct(pct)
        # "2/10" alone could as well be a date: a discount needs a net period or EOM.
        if Decimal(0) < percent < Decimal(100) and (net is not None or disc_eom is not None):
            eom = disc_eom is not None or net_eom is not None or net == "eom"
            net_days = None if net in (None, "eom") else int(net)
            if net == "eom":
                net_days = 0
            return Terms(text=raw, net_days=net_days, discount_percent=percent,
                         discount_days=int(disc_days), eom=eom), None
    return Terms(text=raw, known=False), f"unknown payment terms {raw!r}: no discount will be taken"
