"""Returns resolved in any order of arrival (SQLite and PostgreSQL), and returned payments final.

A payment and its return may come in one file, in one call, the return first, or days apart:
every order must end with the payment returned, its cash off the invoices, and one review
item on the return saying what came back.
"""

from __future__ import annotations

import io
import itertools
import subprocess
import sys
from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from ledger.db import transaction
from ledger.models import Application, BankTransaction, Customer, Invoice, ReviewItem
from ledger.repositories import api_keys
from reconcile import manual
from reconcile.apply import ApplicationError
from server.app import create_app
from tests.factories import E, camt
from workflows.pipeline import match_after

TODAY = date(2026, 11, 24)
PAYMENT = E("100.00", ref="PAY-1", e2e="E2E-1", name="Acme Manufacturing Inc", text=["INV-1"])
OTHER = E("50.00", ref="PAY-2", e2e="E2E-2", name="Acme Manufacturing Inc", text=["INV-2"])
# The bank takes PAY-1 back: a debit with RvslInd naming the same end-to-end id.
REVERSAL = E("100.00", ref="RET-1", e2e="E2E-1", direction="DBIT", reversal=True, date="2026-11-21")


def _book(rt) -> None:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Acme Manufacturing Inc"))
        for number, minor in (("INV-1", 10000), ("INV-2", 5000)):
            s.execute(insert(Invoice).values(number=number, customer_id="C1", currency="EUR", amount_minor=minor,
                                             open_minor=minor, issue_date=date(2026, 11, 1)))


def _ingest(rt, entries: list[E], name: str):  # type: ignore[no-untyped-def]
    """A file through the whole pipeline (store, then match), as every caller sends one."""
    data = camt("053", entries, stmt_id=name)
    result = rt.ingestor(actor="test").ingest_stream(io.BytesIO(data), name=name, source="test")
    return match_after(rt, result, actor="test")


def _state(rt) -> dict[str, object]:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        txs = {t.end_to_end_id + ("/return" if t.return_reason or t.return_info or t.id in _reversals(s) else ""):
               t.match_status for t in s.scalars(select(BankTransaction))}
        live = sorted((a.transaction_id, a.invoice_id) for a in s.scalars(
            select(Application).where(Application.status == "applied")))
        invoices = {i.number: (i.open_minor, i.status) for i in s.scalars(select(Invoice))}
        items = [(r.reason, r.status) for r in s.scalars(select(ReviewItem).where(ReviewItem.status == "open"))]
    return {"transactions": txs, "live": len(live), "invoices": invoices, "open_items": sorted(items)}


def _reversals(s) -> set[int]:  # type: ignore[no-untyped-def]
    from ledger.models import BankEntry

    return set(s.scalars(select(BankTransaction.id).join(BankEntry, BankEntry.id == BankTransaction.entry_id)
                         .where(BankEntry.reversal.is_(True))))


EXPECTED = {
    "transactions": {"E2E-1": "returned", "E2E-1/return": "returned", "E2E-2": "applied"},
    "live": 1,
    "invoices": {"INV-1": (10000, "open"), "INV-2": (0, "paid")},
    "open_items": [("returned_payment", "open")],
}


def test_payment_and_its_reversal_in_one_file_leave_nothing_applied(rt) -> None:
    _book(rt)
    result = _ingest(rt, [PAYMENT, OTHER, REVERSAL], "day.xml")
    assert result.status == "parsed"
    assert _state(rt) == EXPECTED
    with transaction(rt.engine) as s:
        item = s.scalars(select(ReviewItem).where(ReviewItem.status == "open")).one()
        assert "came back (reversal)" in item.explanation


def test_return_first_then_its_payment_arrives_already_returned(rt) -> None:
    _book(rt)
    _ingest(rt, [REVERSAL], "return.xml")
    with transaction(rt.engine) as s:
        (item,) = s.scalars(select(ReviewItem)).all()
        assert item.reason == "returned_payment" and "not known here" in item.explanation
    _ingest(rt, [PAYMENT, OTHER], "payments.xml")
    assert _state(rt) == EXPECTED
    with transaction(rt.engine) as s:
        (item,) = s.scalars(select(ReviewItem)).all()  # the same item, explained again
        assert "arrived after its return and was never applied" in item.explanation


@pytest.mark.parametrize("order", list(itertools.permutations(["payments", "return", "other"])))
def test_every_order_of_arrival_ends_the_same(rt, order) -> None:  # type: ignore[no-untyped-def]
    _book(rt)
    files = {"payments": [PAYMENT], "return": [REVERSAL], "other": [OTHER]}
    for name in order:
        _ingest(rt, files[name], f"{name}.xml")
    assert _state(rt) == EXPECTED


def test_a_return_waiting_for_its_original_is_not_rewritten_by_every_run(rt) -> None:
    _book(rt)
    _ingest(rt, [REVERSAL], "return.xml")
    with transaction(rt.engine) as s:
        version = s.scalars(select(BankTransaction.version)).one()
    _ingest(rt, [OTHER], "other.xml")  # a run that does not find the original
    with transaction(rt.engine) as s:
        ret = s.scalars(select(BankTransaction).where(BankTransaction.end_to_end_id == "E2E-1")).one()
        assert (ret.version, ret.match_status) == (version, "review")


def _returned_payment(rt) -> int:  # type: ignore[no-untyped-def]
    _book(rt)
    _ingest(rt, [PAYMENT, REVERSAL], "day.xml")
    with transaction(rt.engine) as s:
        return s.scalars(select(BankTransaction.id).where(BankTransaction.match_status == "returned",
                                                          BankTransaction.return_reason.is_(None))
                         .order_by(BankTransaction.id)).first()


def test_a_returned_payment_cannot_be_applied_by_hand(rt) -> None:
    tx = _returned_payment(rt)
    with transaction(rt.engine) as s:
        with pytest.raises(ApplicationError, match="returned"):
            manual.manual_apply(s, transaction_id=tx, actor="alice",
                                lines=[manual.ManualLine("INV-1", Decimal("100.00"))])
    assert _state(rt)["live"] == 0


def test_a_returned_payment_is_refused_by_the_cli_with_exit_2(rt, cli_env, tmp_path) -> None:
    tx = _returned_payment(rt)
    proc = subprocess.run([sys.executable, "-m", "cli", "apply", str(tx), "INV-1=100.00"], env=cli_env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "returned" in proc.stderr and "Traceback" not in proc.stderr
    assert _state(rt)["live"] == 0


def test_a_returned_payment_is_refused_by_the_api_with_409(rt) -> None:
    tx = _returned_payment(rt)
    with transaction(rt.engine) as s:
        key = api_keys.create(s, name="reviewer", scopes=["treasury:review"])
    with TestClient(create_app(rt)) as client:
        r = client.post(f"/api/v1/exceptions/{tx}/apply", headers={"Authorization": f"Bearer {key}"},
                        json={"allocations": [{"invoice_number": "INV-1", "amount": "100.00"}]})
    assert r.status_code == 409, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert (body["type"], body["title"], body["status"]) == ("about:blank", "Conflict", 409)
    assert "returned" in body["detail"]
    assert _state(rt)["live"] == 0
