"""An invoice's effective due date — one definition for dunning, reminders, aging and DSO.

The due date as issued; without one, the net date of its payment terms (core.terms). None
when neither says: dunning then leaves the invoice alone, while AR reports count it as due
on receipt (their `or issue_date`) — each caller's policy, the date itself defined once.
"""

from __future__ import annotations

from datetime import date

from core.terms import parse_terms


def effective_due(due: date | None, terms: str | None, issue: date) -> date | None:
    if due is not None:
        return due
    try:
        return parse_terms(terms)[0].net_due(issue)
    except OverflowError:  # net days past date.max: no date a person could act on
        return None
