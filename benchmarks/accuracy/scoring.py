"""Scoring: every decision of an engine against its payment's label (right, wrong, review,
ignore), tallied per scenario and in total (what bench_accuracy reports)."""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from benchmarks.accuracy.labels import MATCHABLE, SCENARIO_NAMES, SCENARIOS, Dataset, Label, Scenario, allocations_of

NOT_MATCHABLE = tuple(name for name in SCENARIO_NAMES if not MATCHABLE[name])
WITH_ALTERNATIVE = ("discount_expired", "late_discount")  # matchable, with a sanctioned review reason too

MatchFn = Callable[..., list[Any]]


@dataclass
class Tally:
    """Outcomes for one scenario (or the total) under one engine."""

    n: int = 0
    matchable: int = 0
    right: int = 0
    wrong: int = 0
    review: int = 0
    ignored: int = 0
    # Did what the label says: not-matchable → its REVIEW reason / IGNORE; matchable with an
    # expect_reason (expired discount) → right, or review for that reason.
    expected_outcome: int = 0

    def add(self, other: Tally) -> None:
        for name in ("n", "matchable", "right", "wrong", "review", "ignored", "expected_outcome"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def auto(self) -> int:
        return self.right + self.wrong

    @property
    def right_pct(self) -> float | None:
        return 100.0 * self.right / self.matchable if self.matchable else None

    @property
    def wrong_pct(self) -> float | None:
        return 100.0 * self.wrong / self.auto if self.auto else None

    @property
    def review_pct(self) -> float:
        return 100.0 * self.review / self.n if self.n else 0.0


@dataclass
class Outcome:
    """One engine's run over the dataset."""

    engine: str
    seconds: float
    by_scenario: dict[str, Tally]
    total: Tally
    misses: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)  # scenario -> [(index, decision)]
    wrongs: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)
    scenarios: tuple[Scenario, ...] = SCENARIOS  # the day's mix (the round-2 day has its own)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.scenarios)

    @property
    def not_matchable(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.scenarios if not s.matchable)

    def not_matchable_auto(self) -> dict[str, int]:
        return {name: self.by_scenario[name].wrong for name in self.not_matchable}


def classify(label: Label, decision: Any) -> str:
    """One decision against its label: "right", "wrong", "review" or "ignore"."""
    action = getattr(decision.action, "value", decision.action)
    if action == "apply":
        if not label.matchable or decision.applied is None:
            return "wrong"
        return "right" if allocations_of(decision.applied) == label.expected else "wrong"
    return "review" if action == "review" else "ignore"


def score(engine: str, data: Dataset, decisions: Sequence[Any], seconds: float,
          scenarios: tuple[Scenario, ...] = SCENARIOS) -> Outcome:
    if len(decisions) != len(data.payments):
        raise AssertionError(f"{engine}: {len(decisions)} decisions for {len(data.payments)} payments")
    by_scenario = {s.name: Tally() for s in scenarios}
    outcome = Outcome(engine, seconds, by_scenario, Tally(), scenarios=scenarios)
    for index, (payment, label, decision) in enumerate(zip(data.payments, data.labels, decisions)):
        if decision.payment_id != payment.id:
            raise AssertionError(f"{engine}: decision {index} is for payment {decision.payment_id}, not {payment.id} (input order)")
        tally = by_scenario[label.scenario]
        tally.n += 1
        tally.matchable += label.matchable
        kind = classify(label, decision)
        if kind == "right":
            tally.right += 1
        elif kind == "wrong":
            tally.wrong += 1
            outcome.wrongs.setdefault(label.scenario, []).append((index, decision))
        elif kind == "review":
            tally.review += 1
        else:
            tally.ignored += 1
        if label.matchable and kind != "right" and kind != "wrong":
            outcome.misses.setdefault(label.scenario, []).append((index, decision))
        action = getattr(decision.action, "value", decision.action)
        if not label.matchable and kind != "wrong":
            wanted_action = getattr(label.expect_action, "value", label.expect_action)
            reason_ok = label.expect_reason is None or decision.reason == label.expect_reason
            tally.expected_outcome += action == wanted_action and reason_ok
        elif label.matchable and label.expect_reason is not None:
            tally.expected_outcome += kind == "right" or (action == "review" and decision.reason == label.expect_reason)
    for tally in by_scenario.values():
        outcome.total.add(tally)
    return outcome


def run_engine(name: str, fn: MatchFn, data: Dataset, scenarios: tuple[Scenario, ...] = SCENARIOS) -> Outcome:
    started = time.perf_counter()
    decisions = fn(list(data.payments), list(data.customers), list(data.invoices))
    seconds = time.perf_counter() - started
    return score(name, data, decisions, seconds, scenarios)


def load_match(module: str) -> tuple[MatchFn | None, str | None]:
    """(match function, None) or (None, why it is unavailable)."""
    try:
        mod = importlib.import_module(module)
    except Exception as exc:  # noqa: BLE001 - any import failure means "cannot run"
        return None, f"{module} not importable: {type(exc).__name__}: {exc}"
    fn = getattr(mod, "match", None)
    if not callable(fn):
        return None, f"{module} has no match()"
    return fn, None
