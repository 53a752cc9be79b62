"""Property: whatever files arrive in whatever order, and whatever reviewers do between them,
the money invariants hold after every step, and every payment whose return has arrived ends
returned with no cash applied (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select

from ledger.db import transaction
from ledger.models import Application, BankTransaction, Customer, Invoice, ReviewItem
from reconcile import manual
from reconcile.apply import ApplicationError
from tests.factories import E, camt
from tests.reconcile.invariants import violations
from workflows.pipeline import match_after

INVOICES = [("INV-1", 10000), ("INV-2", 25000), ("INV-3", 7550), ("INV-4", 10000)]


@st.composite
def histories(draw):  # type: ignore[no-untyped-def]
    payments = []
    for i in range(draw(st.integers(1, 5))):
        number, cents = draw(st.sampled_from(INVOICES))
        cents = draw(st.sampled_from([cents, cents // 2, cents + 500]))
        text = draw(st.sampled_from([[number], [], ["thanks"]]))
        payments.append(E(f"{Decimal(cents).scaleb(-2)}", ref=f"P{i}", e2e=f"E{i}", name="Acme Manufacturing Inc",
                          text=text))
    returned = draw(st.sets(st.integers(0, len(payments) - 1)))
    reversals = [E(payments[i].amount, ref=f"R{i}", e2e=f"E{i}", direction="DBIT", reversal=True, date="2026-11-22")
                 for i in sorted(returned)]
    # Split bookings over files (a return may come in the payment's file, or before it).
    files: list[list[E]] = [[] for _ in range(draw(st.integers(1, 3)))]
    for entry in payments + reversals:
        files[draw(st.integers(0, len(files) - 1))].append(entry)
    steps = []
    for k in draw(st.permutations(range(len(files)))):
        steps.append(("file", k))
        steps += [(action, None) for action in draw(st.lists(st.sampled_from(["apply", "unapply", "dismiss"]), max_size=2))]
    return files, steps, {f"E{i}" for i in returned}


def _reviewer(rt, action: str, pick: int) -> None:  # type: ignore[no-untyped-def]
    """A reviewer's action on some payment; refusals (ApplicationError) are fine, nothing lands."""
    with transaction(rt.engine) as s:
        ids = s.scalars(select(BankTransaction.id).order_by(BankTransaction.id)).all()
    if not ids:
        return
    tx = ids[pick % len(ids)]
    number, cents = INVOICES[pick % len(INVOICES)]
    try:
        with transaction(rt.engine) as s:
            if action == "apply":
                manual.manual_apply(s, transaction_id=tx, actor="alice",
                                    lines=[manual.ManualLine(number, Decimal(min(cents, 5000)).scaleb(-2))])
            elif action == "unapply":
                manual.unapply(s, transaction_id=tx, actor="alice", reason="wrong")
            else:
                manual.dismiss(s, transaction_id=tx, actor="alice", reason="not ours")
    except ApplicationError:
        pass


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=histories(), picks=st.lists(st.integers(0, 50), min_size=8, max_size=8))
def test_invariants_hold_in_any_order_and_returns_are_final(fresh_runtime, case, picks) -> None:
    files, steps, returned = case
    rt = fresh_runtime()
    with transaction(rt.engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Acme Manufacturing Inc"))
        for number, cents in INVOICES:
            s.execute(insert(Invoice).values(number=number, customer_id="C1", currency="EUR", amount_minor=cents,
                                             open_minor=cents, issue_date=date(2026, 11, 1)))
    for n, (kind, arg) in enumerate(steps):
        if kind == "file":
            data = camt("053", files[arg], stmt_id=f"F{arg}")
            match_after(rt, rt.ingestor().ingest_stream(io.BytesIO(data), name=f"f{arg}.xml", source="t"), actor="t")
        else:
            _reviewer(rt, kind, picks[n % len(picks)])
        assert violations(rt.engine) == [], f"after step {n}: {kind} {arg}"
    with transaction(rt.engine) as s:
        originals = {t.end_to_end_id: t for t in s.scalars(select(BankTransaction)) if t.return_reason is None
                     and not _is_reversal(s, t)}
        for e2e in returned:
            tx = originals[e2e]
            assert tx.match_status == "returned", (e2e, tx.match_status)
            assert not s.scalars(select(Application).where(Application.transaction_id == tx.id,
                                                           Application.status == "applied")).all()
        # Every return found its original: none is left waiting in review as "not known".
        waiting = s.scalars(select(ReviewItem.explanation).where(ReviewItem.status == "open",
                                                                 ReviewItem.reason == "returned_payment")).all()
        assert not [w for w in waiting if "not known here" in w]


def _is_reversal(s, tx: BankTransaction) -> bool:  # type: ignore[no-untyped-def]
    from ledger.models import BankEntry

    return bool(s.scalar(select(BankEntry.reversal).where(BankEntry.id == tx.entry_id)))
