"""While a direct debit is under way (sent, the bank's answer not in), its invoice gets no
reminder and no late fee: the money is on its way. A return brings the invoice back to
both; a settlement pays it. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ledger.db import transaction
from receivables import reminders
from receivables.fee_job import run_fees
from receivables.fees import FeePolicy
from tests.factories import E, camt
from tests.receivables.test_dd_settlement import _book, _ingest

LATE = date(2027, 1, 20)  # every seeded invoice is well past due


def _reminded(rt) -> set[str]:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        return {d.invoice.number for d in reminders.decide(s, LATE) if d.invoice is not None}


def _fees(rt) -> set[str]:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        run = run_fees(s, policy=FeePolicy(mode="finance_charge"), as_of=LATE, actor="t", dry_run=True)
        return {c["invoice_number"] for c in run.charged}


def test_an_invoice_being_collected_is_not_dunned_until_its_debit_comes_back(rt, tmp_path: Path) -> None:
    rt, cs = _book(rt, tmp_path)
    collected = set(cs)
    assert {"INV-EU-1", "INV-FR-1", "INV-US-1"} <= collected
    # Not collected: no mandate (INV-NONE-1) or not yet due on the collection day (INV-EU-LATER).
    assert {"INV-NONE-1", "INV-EU-LATER"} <= _reminded(rt) and not (collected & _reminded(rt))
    assert "INV-NONE-1" in _fees(rt) and not (collected & _fees(rt))

    # Insufficient funds (not final): the invoice is open and unpaid again — dunned again.
    _ingest(rt, tmp_path, "r1.xml", camt("054", [
        E("80.50", ref="RET1", e2e=cs["INV-EU-2"].end_to_end_id, direction="DBIT", return_reason="AM04")],
        stmt_id="R1"))
    assert "INV-EU-2" in _reminded(rt) and "INV-EU-2" in _fees(rt)
    assert "INV-EU-1" not in _reminded(rt) | _fees(rt)  # still on its way

    # The bank settles INV-EU-1: paid, so nothing to remind either way.
    _ingest(rt, tmp_path, "n1.xml", camt("054", [
        E("120.00", ref="B1", e2e=cs["INV-EU-1"].end_to_end_id, name="Muster GmbH")], stmt_id="N1"))
    assert "INV-EU-1" not in _reminded(rt) | _fees(rt)
