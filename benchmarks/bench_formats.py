"""Matching accuracy through every bank file format (issue 12).

The labelled day of benchmarks/accuracy_data.py (quick: 300 customers / 1,500 payments;
full: 2,000 / 20,000) is written as each format carries it — camt.053, camt.054, BAI2,
BAI lockbox, NACHA (CCD+ / CTX receipts) and OFX — by the writers in
benchmarks/accuracy/formats/. Each format's file goes through the real Ingestor into a
fresh SQLite database holding the day's book, `reconcile.service.match_pending` runs, and
every booking's applications are scored against its payment's label:

  auto-right  right / matchable payments whose evidence the format kept;
  wrong       wrong / all automatic applications (also those on payments whose evidence
              the format lost: a confident wrong application is wrong anyway);
  review      payments sent to review / payments carried.

A format that cannot carry a payment (a USD-only format and a EUR payment, a lockbox and a
debit) leaves it out: "not carried". When the format's limits removed the evidence the
label relies on (benchmarks/accuracy/formats/carry.py states the rule), the payment stays
in the file and is counted as "evidence lost", outside the auto-right denominator.
Targets per format: ≥ 95 % right, ≤ 0.2 % wrong, 0 automatic applications on not-matchable
payments. NACHA also runs a day 2: ten applied receipts returned (R01/R03) must be
reversed and their invoices reopened.

Wrong and missed examples go to benchmarks/out/formats-examples-<size>.md.

    python -m benchmarks.bench_formats [--quick] [--seed 1] [--only NACHA,OFX]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from benchmarks import OUT, Row
from benchmarks.accuracy.formats import bai2, camt, lockbox, nacha, ofx
from benchmarks.accuracy.formats.carry import Rendering
from benchmarks.accuracy.formats.returns import ReturnsOutcome, hook
from benchmarks.accuracy.formats.run import FormatResult, run_format
from benchmarks.accuracy_data import MATCHABLE, SCENARIO_NAMES, Dataset, generate

SEED = 1
QUICK = (300, 1_500)  # customers, payments
FULL = (2_000, 20_000)
RIGHT_TARGET = 95.0
WRONG_TARGET = 0.2
TARGET = f"≥ {RIGHT_TARGET:g} % right, ≤ {WRONG_TARGET:g} % wrong"

FORMATS: dict[str, Callable[[Dataset], Rendering]] = {
    "camt.053": camt.render_053,
    "camt.054": camt.render_054,
    "BAI2": bai2.render,
    "BAI lockbox": lockbox.render,
    "NACHA": nacha.render,
    "OFX": ofx.render,
}


def _pct(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f} %"


def metric(r: FormatResult) -> str:
    t = r.total
    return (f"{t.carried:,} carried · auto-right {_pct(t.right_pct)} · wrong {_pct(t.wrong_pct, 2)} · "
            f"review {_pct(t.review_pct)}")


def row_for(r: FormatResult, n_payments: int) -> Row:
    t = r.total
    problems = list(r.problems)
    if (t.right_pct or 0.0) < RIGHT_TARGET:
        problems.append(f"auto-right {_pct(t.right_pct)} < {RIGHT_TARGET:g} %")
    if (t.wrong_pct or 0.0) > WRONG_TARGET:
        problems.append(f"wrong {_pct(t.wrong_pct, 2)} > {WRONG_TARGET:g} % ({t.wrong} applications)")
    if t.not_matchable_auto:
        problems.append(f"{t.not_matchable_auto} automatic applications on not-matchable payments")
    lost = ", ".join(f"{k} {v}" for k, v in r.lost_by.most_common())
    info = (f"{t.not_carried} not carried; {t.lost} matchable with evidence lost ({lost or 'none'}: "
            f"{t.lost_right} applied right, {t.lost_wrong} wrong); {t.fair} matchable scored")
    return Row(f"accuracy per format: {r.format}", f"{t.carried:,} of {n_payments:,} payments", r.seconds,
               metric(r), None, TARGET, "FAIL" if problems else "PASS", "; ".join([*problems, info]))


def print_matrix(results: list[FormatResult], title: str) -> None:
    """Scenario × format: right/fair for matchable scenarios, automatic applications for the others."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    table.add_column("scenario")
    for r in results:
        table.add_column(r.format, justify="right")
    for name in SCENARIO_NAMES:
        cells = []
        for r in results:
            t = r.by_scenario.get(name)
            if t is None or not t.carried:
                cells.append("—")
            elif MATCHABLE[name]:
                lost = f" ({t.lost} lost)" if t.lost else ""
                cells.append(f"{t.right}/{t.fair}" + (f" ✗{t.wrong}" if t.wrong else "") + lost)
            else:
                cells.append(f"auto {t.not_matchable_auto}/{t.carried}")
        table.add_row(name, *cells)
    Console(width=max(160, Console().width)).print(table)


def write_examples(results: list[FormatResult], size: str) -> str:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"formats-examples-{size}.md"
    lines = [f"# Accuracy per format: wrong and missed examples ({size})", ""]
    for r in results:
        lines += [f"## {r.format}", ""]
        for key, items in sorted(r.examples.items()):
            lines += [f"### {key}", "", *(f"- {item}" for item in items), ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return str(path)


def run(quick: bool = False, seed: int = SEED, only: list[str] | None = None) -> list[Row]:
    """The registry entry point (see benchmarks/run.py)."""
    n_customers, n_payments = QUICK if quick else FULL
    data = generate(seed, n_customers, n_payments)
    size = "quick" if quick else "full"
    results: list[FormatResult] = []
    rows: list[Row] = []
    returns = ReturnsOutcome()
    for name, render in FORMATS.items():
        if only and name not in only:
            continue
        started = time.perf_counter()
        try:
            result = run_format(data, render, hook(data, returns) if name == "NACHA" else None)
        except Exception as exc:  # noqa: BLE001 - one broken format never hides the others
            import traceback

            traceback.print_exc(file=sys.stderr)
            rows.append(Row(f"accuracy per format: {name}", f"{n_payments:,} payments", time.perf_counter() - started,
                            "", None, TARGET, "FAIL", f"{type(exc).__name__}: {exc}"))
            continue
        results.append(result)
        rows.append(row_for(result, n_payments))
        if name == "NACHA":
            rows.append(Row("accuracy per format: NACHA returns (R01/R03, day 2)", f"{returns.returned} returns", None,
                            returns.metric, None, "returned receipts reversed, invoices reopened",
                            "FAIL" if returns.problems or not returns.returned else "PASS",
                            "; ".join(returns.problems[:5])))
    if results:
        print_matrix(results, f"accuracy per format × scenario ({size}: {n_payments:,} payments, seed {seed}; "
                              "right/scored, ✗ wrong, (evidence lost); not-matchable: automatic applications)")
        print(f"examples: {write_examples(results, size)}")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_formats")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--only", help=f"comma-separated subset of: {', '.join(FORMATS)}")
    args = parser.parse_args(argv)
    from benchmarks.run import print_table

    only = [n.strip() for n in args.only.split(",")] if args.only else None
    rows = run(args.quick, args.seed, only)
    print_table(rows)
    return 1 if any(r.verdict == "FAIL" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
