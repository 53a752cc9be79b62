"""Day 2 of the NACHA run: ten applied receipts come back as R01/R03 returns naming their
original trace numbers. Matching must reverse exactly their applications, reopen their
invoices (by at least the cash applied) and leave every other application alone —
like bench_accuracy's camt day 2, through ACH records this time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks.accuracy.formats import nacha
from benchmarks.accuracy.formats.carry import Rendering
from benchmarks.accuracy.formats.run import FormatResult, ingest, match, state
from benchmarks.accuracy_data import Dataset


@dataclass
class ReturnsOutcome:
    returned: int = 0
    reversed: int = 0
    reopened: int = 0  # invoices reopened by at least the cash applied
    invoices: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def metric(self) -> str:
        return (f"{self.reversed}/{self.returned} returns reversed · "
                f"{self.reopened}/{self.invoices} invoices reopened")


def _open_amounts(engine: Any) -> dict[str, int]:
    from sqlalchemy import select

    from ledger.db import transaction
    from ledger.models import Invoice

    with transaction(engine) as s:
        return dict(s.execute(select(Invoice.number, Invoice.open_minor)).all())  # type: ignore[arg-type]


def hook(data: Dataset, out: ReturnsOutcome, count: int = 10) -> Any:
    """The `after` callback of run_format for the NACHA format."""

    def after(engine: Any, tmp: Path, rendering: Rendering, result: FormatResult) -> None:
        before = result.applied
        by_ref = {c.ref: c for c in rendering.carried}
        chosen = [by_ref[ref] for ref in sorted(before) if ref in by_ref][:count]
        if not chosen:
            out.problems.append("nothing was applied on day 1: no receipt to return")
            return
        open_before = _open_amounts(engine)
        day2 = data.as_of + timedelta(days=1)
        problem = ingest(engine, tmp, "day2-returns.ach", nacha.returns_file(chosen, day2))
        if problem:
            out.problems.append(problem)
        match(engine, day2)
        after_apps, _ = state(engine)
        open_after = _open_amounts(engine)
        out.returned = len(chosen)
        refs = {c.ref for c in chosen}
        still = sorted(refs & set(after_apps))
        out.reversed = len(chosen) - len(still)
        if still:
            out.problems.append(f"{len(still)} returned receipts still applied (e.g. trace {still[0]})")
        others_before = {k: v for k, v in before.items() if k not in refs}
        others_after = {k: v for k, v in after_apps.items() if k not in refs}
        if others_before != others_after:
            changed = sorted(set(others_before.items()) ^ set(others_after.items()))
            out.problems.append(f"returns changed {len(changed)} applications of receipts not returned")
        for ref in sorted(refs):
            for number, cash, _, _ in before[ref]:
                out.invoices += 1
                if open_after[number] >= open_before[number] + cash:
                    out.reopened += 1
                else:
                    out.problems.append(f"invoice {number} not reopened after the return of trace {ref}")

    return after
