"""Remittance advices as `remit advices` reads them (reconcile/advice_views.py; the API reads
the same views in its request's session). Each call is one read-only transaction."""

from __future__ import annotations

from typing import Any

from core.errors import NotFound
from reconcile import advice_views
from workflows.runtime import Runtime


def advices(rt: Runtime, *, status: str | None = None, transaction_id: int | None = None,
            q: str | None = None, limit: int = 100, after_id: int | None = None) -> list[dict[str, Any]]:
    with rt.unit_of_work() as session:
        return advice_views.listing(session, status=status, transaction_id=transaction_id, q=q,
                                    limit=limit, after_id=after_id)


def advice(rt: Runtime, advice_id: int) -> dict[str, Any]:
    """One advice with its lines; NotFound when there is none of that id."""
    with rt.unit_of_work() as session:
        found = advice_views.detail(session, advice_id)
    if found is None:
        raise NotFound(f"no remittance advice #{advice_id}")
    return found
