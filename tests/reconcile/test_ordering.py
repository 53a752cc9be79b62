"""Scores that keep ordering (issue 12): candidates that both reach the 0..100 cap are told
apart by their uncapped points and their evidence, not sent to review as 'ambiguous'."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from reconcile.amounts import Fit, Line, Plan
from reconcile.drafts import Draft, clear_lead, dominates
from reconcile.engine import match
from reconcile.model import Action, Decision, MatchSettings, ReviewReason
from reconcile.scoring import Strength

from .builders import CUSTOMERS, IBAN_ACME, invoice, payment

D = Decimal
S = MatchSettings()


def one(p, invoices) -> Decision:  # type: ignore[no-untyped-def]
    [decision] = match([p], CUSTOMERS, invoices, S)
    return decision


def acme_book() -> list:  # type: ignore[type-arg]
    return [
        invoice("INV-10421", "C1", "1000.00", issued=date(2026, 10, 1)),
        invoice("INV-10422", "C1", "250.00", issued=date(2026, 10, 5)),
        invoice("INV-10423", "C1", "75.50", issued=date(2026, 10, 9)),
    ]


# -- end to end -------------------------------------------------------------------------------


def test_exact_fit_with_another_open_invoice_beats_over_payment_of_the_named_one() -> None:
    # Names INV-10421, pays it and INV-10422 exactly. Both "INV-10421 + INV-10422" and
    # "INV-10421, 250.00 on account" score 100; the exact fit explains every cent.
    d = one(payment("1250.00", "Payment INV-10421", account=IBAN_ACME), acme_book())
    assert d.action is Action.APPLY, (d.reason, d.explanation)
    assert d.applied is not None
    assert d.applied.invoice_numbers == ("INV-10421", "INV-10422")
    assert d.applied.unapplied == D(0) and d.reason is None
    assert d.applied.score == 100  # the displayed score is still the capped one
    why = "exact fit preferred over over-payment leaving 250.00 EUR on account (INV-10421)"
    assert why in d.applied.reasons
    assert why in d.explanation  # the sentence a reviewer reads says it too


def test_without_payer_evidence_the_exact_fit_is_suggested_first_but_not_applied() -> None:
    d = one(payment("1250.00", "Payment INV-10421"), acme_book())
    assert d.action is Action.REVIEW
    assert d.reason is ReviewReason.LOW_CONFIDENCE  # not "ambiguous": the exact fit is ahead
    assert [c.invoice_numbers for c in d.suggestions][:2] == [("INV-10421", "INV-10422"), ("INV-10421",)]


def test_two_combinations_that_fit_equally_stay_ambiguous() -> None:
    book = [*acme_book(), invoice("INV-10424", "C1", "250.00", issued=date(2026, 10, 6))]
    d = one(payment("1250.00", "Payment INV-10421", account=IBAN_ACME), book)
    assert d.action is Action.REVIEW and d.reason is ReviewReason.AMBIGUOUS, d.explanation
    shown = {c.invoice_numbers for c in d.suggestions}
    assert {("INV-10421", "INV-10422"), ("INV-10421", "INV-10424")} <= shown


def test_a_single_named_over_payment_is_still_applied_and_flagged() -> None:
    # Nothing else fits 1100.00: the over-payment is the only candidate, as before.
    d = one(payment("1100.00", "Payment INV-10421", account=IBAN_ACME), acme_book())
    assert d.action is Action.APPLY and d.reason is ReviewReason.OVER_PAYMENT
    assert d.applied is not None and d.applied.unapplied == D("100.00")


# -- the rule on its own ----------------------------------------------------------------------


def _draft(customer: str, fit: Fit, score: int, raw: int | None, strength: Strength | None) -> Draft:
    inv = invoice("INV-1", customer, "100.00")
    return Draft(customer, Plan(fit, (Line(inv, D("100.00")),), D(0), ()), score, (), True, False, raw, strength)


def test_uncapped_points_carry_the_margin() -> None:
    same = Strength(60, 40, 4, 1, 0)
    best, runner = _draft("C1", Fit.EXACT, 100, 130, same), _draft("C1", Fit.EXACT, 100, 110, same)
    assert clear_lead(best, [runner], S)  # 20 points ahead, though both show 100
    assert not clear_lead(best, [_draft("C1", Fit.EXACT, 100, 120, same)], S)


def test_a_plan_draft_without_raw_points_compares_on_the_capped_score() -> None:
    best = _draft("C1", Fit.EXACT, 100, 140, Strength(60, 40, 4, 1, 0))
    plan_runner = _draft("C1", Fit.EXACT, 100, None, None)
    assert not clear_lead(best, [plan_runner], S)


def test_dominance_needs_the_same_customer_and_payer_evidence() -> None:
    best = _draft("C1", Fit.EXACT, 100, 100, Strength(60, 32, 4, 1, 0))
    other_customer = _draft("C2", Fit.EXACT, 100, 100, Strength(60, 31, 4, 1, 0))
    assert not dominates(best, other_customer) and not clear_lead(best, [other_customer], S)
    over = _draft("C1", Fit.OVER, 100, 97, Strength(60, 32, 1, 1, 0))
    assert dominates(best, over) and clear_lead(best, [over], S)
    # ... but not past a third, close candidate of another customer it does not dominate.
    assert not clear_lead(best, [over, other_customer], S)
    # A trade-off (stronger reference, worse fit) is a judgement for a person.
    traded = _draft("C1", Fit.OVER, 100, 97, Strength(62, 32, 1, 1, 0))
    assert not dominates(best, traded) and not clear_lead(best, [traded], S)


strengths = st.builds(Strength, st.integers(0, 62), st.sampled_from([-20, 10, 20, 40]),
                      st.integers(0, 4), st.integers(0, 1), st.integers(-3, 0))


@given(strengths, strengths)
def test_dominance_is_a_strict_partial_order(a: Strength, b: Strength) -> None:
    assert not a.dominates(a)
    assert not (a.dominates(b) and b.dominates(a))


@given(st.integers(-40, 160), st.integers(-40, 160), strengths, strengths)
def test_the_uncapped_lead_never_loses_a_lead_the_score_shows(x: int, y: int, a: Strength, b: Strength) -> None:
    hi, lo = max(x, y), min(x, y)
    best = _draft("C1", Fit.EXACT, max(0, min(100, hi)), hi, a)
    runner = _draft("C1", Fit.EXACT, max(0, min(100, lo)), lo, b)
    if best.score - runner.score >= S.margin:
        assert clear_lead(best, [runner], S)
    assert best.sort_key() <= runner.sort_key() or best.points == runner.points
