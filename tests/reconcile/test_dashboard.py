"""The workbench dashboard's read model (reconcile.dashboard) on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert, select, update

from ledger.db import transaction
from ledger.models import Application, BankEntry, BankFile, Customer, Invoice
from reconcile import apply
from reconcile.dashboard import dashboard
from reconcile.model import Allocation
from tests.factories import E, camt


def _today() -> date:
    return datetime.now(UTC).date()


def _seed(rt) -> list[int]:  # type: ignore[no-untyped-def]
    """Four credit payments and one debit today: one auto-applied, one manual, two in review."""
    with transaction(rt.engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Contoso Ltd"))
        for number, minor, ccy in (
            ("INV-1", 60000, "EUR"),
            ("INV-2", 38000, "EUR"),
            ("INV-3", 5000, "EUR"),
        ):
            s.execute(
                insert(Invoice).values(
                    number=number,
                    customer_id="C1",
                    currency=ccy,
                    amount_minor=minor,
                    open_minor=minor,
                    issue_date=date(2026, 11, 1),
                )
            )
    data = camt(
        "053",
        [
            E("600.00", ref="P1"),
            E("300.00", ref="P2"),
            E("12.34", ref="P3"),
            E("7.00", ref="P4"),
            E("50.00", ref="D1", direction="DBIT"),
        ],
    )
    result = rt.ingestor().ingest_stream(io.BytesIO(data), name="today.xml", source="test")
    assert result.status == "parsed", result.error
    bad = rt.ingestor().ingest_stream(io.BytesIO(b"<Document>"), name="broken.xml", source="test")
    assert bad.status == "rejected"
    tx = result.new_transaction_ids
    with transaction(rt.engine) as s:
        ids = dict(s.execute(select(Invoice.number, Invoice.id)).all())
        apply.apply_allocations(
            s,
            transaction_id=tx[0],
            method="auto",
            actor="matcher",
            confidence=97,
            allocations=[Allocation(ids["INV-1"], "INV-1", Decimal("600.00"))],
        )
        apply.apply_allocations(
            s,
            transaction_id=tx[1],
            method="manual",
            actor="someone",
            allocations=[Allocation(ids["INV-2"], "INV-2", Decimal("300.00"))],
        )
        apply.open_review(
            s,
            transaction_id=tx[2],
            reason="no_customer",
            explanation="?",
            candidates=[],
            actor="matcher",
        )
        apply.open_review(
            s,
            transaction_id=tx[3],
            reason="no_customer",
            explanation="?",
            candidates=[],
            actor="matcher",
        )
    return tx


def test_today_figures(rt) -> None:
    _seed(rt)
    with transaction(rt.engine) as s:
        data = dashboard(s, today=_today())
    assert data["today"] == _today().isoformat()
    assert [(f["name"], f["status"]) for f in data["files"]] == [
        ("broken.xml", "rejected"),
        ("today.xml", "parsed"),
    ]
    assert data["files_total"] == 2
    assert data["files"][1]["transactions"] == 5 and data["files"][1]["format"] == "camt.053"
    # Four credit payments (the debit is not one), one applied by the matcher.
    assert data["auto_match"]["today"] == {"payments": 4, "auto_applied": 1, "rate": "25.0"}
    assert data["auto_match"]["last_7_days"] == {"payments": 4, "auto_applied": 1, "rate": "25.0"}
    assert data["applied_today"] == [{"currency": "EUR", "amount": "900.00", "applications": 2}]
    assert data["open_exceptions"] == {
        "total": 2,
        "by_reason": [{"reason": "no_customer", "count": 2}],
        "other": 0,  # nothing here is outside receivables (the debit is ignored, not in review)
    }


def test_a_quiet_day_and_the_seven_day_window(rt) -> None:
    tx = _seed(rt)
    three_days_ago = datetime.now(UTC) - timedelta(days=3)
    with transaction(rt.engine) as s:
        s.execute(update(BankEntry).values(created_at=three_days_ago))
        s.execute(update(BankFile).values(received_at=three_days_ago))
        s.execute(update(Application).values(created_at=three_days_ago))
    with transaction(rt.engine) as s:
        data = dashboard(s, today=_today())
        quiet = dashboard(s, today=date(2001, 1, 1))
    assert data["files"] == [] and data["files_total"] == 0
    assert data["auto_match"]["today"] == {"payments": 0, "auto_applied": 0, "rate": None}
    assert data["auto_match"]["last_7_days"]["rate"] == "25.0"
    assert data["applied_today"] == []
    # The queue is not a daily figure: still open is still open.
    assert data["open_exceptions"]["total"] == 2 == quiet["open_exceptions"]["total"]
    assert quiet["auto_match"]["last_7_days"]["payments"] == 0
    # A reversed application is no longer cash applied, nor a good automatic match.
    with transaction(rt.engine) as s:
        apply.reverse_applications(s, transaction_id=tx[0], actor="someone", reason="wrong")
        s.execute(update(Application).values(created_at=datetime.now(UTC)))
    with transaction(rt.engine) as s:
        data = dashboard(s, today=_today())
    assert data["applied_today"] == [{"currency": "EUR", "amount": "300.00", "applications": 1}]
    assert data["auto_match"]["last_7_days"] == {"payments": 4, "auto_applied": 0, "rate": "0.0"}
