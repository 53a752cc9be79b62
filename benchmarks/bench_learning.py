"""Learning and money on account (issue 12), on the real database path: two labelled bank days
around a reviewer and an invoice import (benchmarks/accuracy/two_days.py says what they hold
and which evidence counts as strong; two_days_db.py how each step runs and what is checked).

Rows:
  accuracy: day-two payers learned on day one   day two of the payers a person applied by hand on
      day one: exactly right / payments a correct engine must apply (same account and name, same
      account under another name, same name from a new account); wrong = any other automatic
      application, including one on a name the reviewer taught for two customers.
      Target ≥ 95 % right, 0 wrong.
  accuracy: on-account cash re-matched          after the import: rests with strong evidence
      (exact reference to the new invoice, or the payer's account + an amount only that new
      invoice explains) applied exactly; the others (another amount, another customer's invoice
      of that amount) left alone. Target ≥ 95 % applied, 0 wrong, all weak rests left alone.
  accuracy: two days without the reviewer (control)   INFO: the same days with nobody applying by
      hand — no-reference day-two payments of unknown payers must not be applied.
Both target rows FAIL as well when an invariant read back from the database breaks after any
step (applied ≤ amount, open ≥ 0 and = imported − applications, one audit event per change).

    python -m benchmarks.bench_learning [--quick] [--seed 1]
"""

from __future__ import annotations

import argparse
import sys

from benchmarks import Row
from benchmarks.accuracy.two_days import TwoDays, build
from benchmarks.accuracy.two_days_db import Played, Score, learned, play, rematched

SEED = 1
QUICK = 60  # customers
FULL = 400
LEARNED_TARGET = 95.0  # % of must-apply day-two payments of taught payers
REMATCH_TARGET = 95.0  # % of strong rests re-applied


def _examples(score: Score) -> str:
    return "; ".join(f"{k}: {v[0]}" for k, v in sorted(score.examples.items()))


def print_breakdown(title: str, score: Score) -> None:
    print(f"\n{title}")
    for variant, counts in sorted(score.by_variant.items()):
        print(f"  {variant:<22} " + "  ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    for key, examples in sorted(score.examples.items()):
        print(f"  {key}:")
        for line in examples:
            print(f"    {line}")


def rows_for(days: TwoDays, played: Played, control: Played | None) -> list[Row]:
    taught = learned(days, played)
    rest = rematched(days, played)
    broken = played.problems + (control.problems if control else [])
    size = f"{len(days.customers)} customers · {len(days.day1)}+{len(days.day2)} payments"
    rows = []
    problems = []
    if taught.right_pct < LEARNED_TARGET:
        problems.append(f"{taught.right_pct:.1f}% right < {LEARNED_TARGET:g}%")
    if taught.wrong:
        problems.append(f"{taught.wrong} wrong")
    rows.append(Row(
        "accuracy: day-two payers learned on day one", size, played.seconds,
        f"{taught.right}/{taught.n} right ({taught.right_pct:.1f}%) · {taught.wrong} wrong · "
        f"{taught.left}/{taught.n_left} shared names kept in review · {len(played.hand_applied)} applied by hand",
        None, f"≥ {LEARNED_TARGET:g}% right, 0 wrong", "FAIL" if problems or broken else "PASS",
        "; ".join(problems + broken[:3] + ([_examples(taught)] if taught.examples else []))))
    problems = []
    if rest.right_pct < REMATCH_TARGET:
        problems.append(f"{rest.right_pct:.1f}% of strong rests applied < {REMATCH_TARGET:g}%")
    if rest.wrong:
        problems.append(f"{rest.wrong} wrong")
    if rest.left < rest.n_left:
        problems.append(f"{rest.n_left - rest.left} weak rests moved")
    rows.append(Row(
        "accuracy: on-account cash re-matched", f"{rest.n + rest.n_left} payments with money unapplied", None,
        f"{rest.right}/{rest.n} strong re-applied ({rest.right_pct:.1f}%) · {rest.wrong} wrong · "
        f"{rest.left}/{rest.n_left} weak left alone · import rematch {played.rematch_summary}",
        None, f"≥ {REMATCH_TARGET:g}% applied, 0 wrong, weak left", "FAIL" if problems or broken else "PASS",
        "; ".join(problems + broken[:3] + ([_examples(rest)] if rest.examples else []))))
    if control is not None:
        blind = learned(days, control, only_hand=False)
        noref = [c for c in days.day2 if c.variant.endswith(":noref")]
        applied = sum(1 for c in noref if control.live["day2"].get(c.payment.bank_reference))
        rows.append(Row(
            "accuracy: two days without the reviewer (control)", size, control.seconds,
            f"{applied}/{len(noref)} no-reference day-two payments applied · {blind.right}/{blind.n} applied overall",
            None, "no-reference: 0 applied", "INFO", "" if not applied else f"{applied} applied without being taught"))
    return rows


def run(quick: bool = False, seed: int = SEED) -> list[Row]:
    """The registry entry point (benchmarks/run.py)."""
    days = build(seed, QUICK if quick else FULL)
    played = play(days)
    control = play(days, reviewer=False)
    size = "quick" if quick else "full"
    print_breakdown(f"day two of payers taught on day one ({size}, seed {seed})", learned(days, played))
    print_breakdown(f"on-account money after the import ({size}, seed {seed})", rematched(days, played))
    return rows_for(days, played, control)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_learning")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    from benchmarks.run import print_table

    rows = run(args.quick, args.seed)
    print_table(rows)
    return 1 if any(r.verdict == "FAIL" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
