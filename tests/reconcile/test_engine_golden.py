"""Every decision of the pure engine on one small labelled day, pinned in a golden file.

Why: speed work on the engine (indexes, caches, integer arithmetic, the subset search) must
not change a single decision. The rule-by-rule tests pin what a decision should be; this pins
what it *is* — action, reason, explanation, each candidate with its allocations, score and
reasons, in suggestion order — for ~300 payments of every scenario the accuracy generator
makes. A change of policy is a deliberate act: `REMIT_UPDATE_GOLDEN=1` rewrites the file, and
its diff is what a reviewer reads.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from benchmarks.accuracy_data import generate
from reconcile.engine import match
from reconcile.model import Candidate, Decision

from ..support import UPDATE_GOLDEN, check_golden

GOLDEN = Path(__file__).parent / "golden" / "engine_day_s7_300"
SEED, CUSTOMERS, PAYMENTS = 7, 60, 300


def _candidate(c: Candidate) -> dict[str, Any]:
    return {
        "customer": c.customer_id,
        "score": c.score,
        "unapplied": str(c.unapplied),
        "allocations": [[a.invoice_id, a.invoice_number, str(a.applied), str(a.discount), str(a.write_off),
                         a.write_off_reason] for a in c.allocations],
        "reasons": list(c.reasons),
    }


def _decision(d: Decision) -> dict[str, Any]:
    return {
        "payment": d.payment_id,
        "action": d.action.value,
        "reason": d.reason.value if d.reason else None,
        "explanation": d.explanation,
        "applied": _candidate(d.applied) if d.applied else None,
        "suggestions": [_candidate(c) for c in d.suggestions],
    }


def _inputs_digest(data: Any) -> str:
    """The generator's output, so a changed generator is not mistaken for a changed engine."""
    h = hashlib.sha256()
    for part in (data.customers, data.invoices, data.payments):
        h.update(repr(part).encode())
    return h.hexdigest()


def test_engine_decisions_on_a_labelled_day_are_unchanged() -> None:
    data = generate(SEED, CUSTOMERS, PAYMENTS)
    expected = GOLDEN.with_name(GOLDEN.name + ".expected.json")
    digest = _inputs_digest(data)
    if expected.exists() and not UPDATE_GOLDEN:
        import json

        pinned = json.loads(expected.read_text(encoding="utf-8"))["inputs_sha256"]
        assert pinned == digest, ("benchmarks/accuracy_data.py now generates another day: "
                                  "regenerate the golden file (REMIT_UPDATE_GOLDEN=1) and review it")
    decisions = match(data.payments, data.customers, data.invoices)
    assert [d.payment_id for d in decisions] == [p.id for p in data.payments]
    check_golden(GOLDEN, {"inputs_sha256": digest, "decisions": [_decision(d) for d in decisions]})


def test_reading_half_the_payments_in_a_child_decides_the_same(monkeypatch) -> None:
    """A large run reads the second half of its payments in a forked child (reconcile.reading):
    the hits come back as invoice ids and are put back as the run's own invoices — not one
    decision may differ from reading them all here."""
    import os

    import pytest

    from reconcile import reading

    if not hasattr(os, "fork"):
        pytest.skip("needs fork")
    data = generate(SEED, CUSTOMERS, PAYMENTS)
    here = [_decision(d) for d in match(data.payments, data.customers, data.invoices)]
    forks: list[int] = []
    started = reading.started_in_child

    def counted(*args: Any, **kwargs: Any) -> Any:
        forks.append(1)
        return started(*args, **kwargs)

    monkeypatch.setattr(reading, "PARALLEL_MIN", 2)
    monkeypatch.setattr(reading, "started_in_child", counted)
    elsewhere = [_decision(d) for d in match(data.payments, data.customers, data.invoices)]
    assert forks == [1]
    assert elsewhere == here
