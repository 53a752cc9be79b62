"""Cash-application analytics (reconcile.cash_metrics) on a book with known outcomes, on
SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.db import transaction
from reconcile import apply
from reconcile.cash_metrics import BREAKDOWNS, COUNTS, cash_application, rate, window
from tests.reconcile.cash_book import ACCOUNT_A, ACCOUNT_B, SINCE, UNTIL, seed_cash_book


def _report(rt, since: date = SINCE, until: date = UNTIL):  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        return cash_application(s, since=since, until=until)


def test_the_known_outcomes(rt) -> None:  # type: ignore[no-untyped-def]
    seed_cash_book(rt)
    r = _report(rt)
    assert (r["since"], r["until"]) == ("2026-11-01", "2026-11-30")
    # P1..P4 and P7: the returned, the ignored, the debit and the October payment are not in it.
    assert r["totals"] == {
        "payments": 5, "auto_applied": 2, "manually_applied": 1, "partly_applied": 1,
        "unapplied": 1, "in_review": 1, "straight_through": 1,
        "invoices_settled": 5, "invoices_settled_auto": 4,
        "envelope_auto_rate": "40.0", "line_item_auto_rate": "80.0",
        "straight_through_rate": "20.0",
    }  # fmt: skip
    assert r["amounts"] == [{"currency": "EUR", "payments": 5, "received": "1112.34",
                             "applied": "1050.00", "auto_applied": "700.00"}]
    by_account = {row["account"]: row for row in r["by_account"]}
    assert set(by_account) == {ACCOUNT_A, ACCOUNT_B}
    a, b = by_account[ACCOUNT_A], by_account[ACCOUNT_B]
    assert (a["payments"], a["auto_applied"], a["envelope_auto_rate"]) == (4, 1, "25.0")
    assert (a["invoices_settled"], a["invoices_settled_auto"], a["line_item_auto_rate"]) == (3, 2, "66.7")
    # P7 was applied by the matcher in full, but only after a review item: not straight-through.
    assert (b["auto_applied"], b["straight_through"], b["straight_through_rate"]) == (1, 0, "0.0")
    assert [(d["day"], d["payments"]) for d in r["by_day"]] == [("2026-11-20", 5)]
    assert [(k["kind"], k["payments"]) for k in r["by_kind"]] == [("sepa", 5)]
    assert [(f["format"], f["payments"]) for f in r["by_format"]] == [("camt.053", 5)]
    # The customer of the invoices paid; P4 (in review, nothing applied) is not identified.
    assert [(c["customer_id"], c["payments"], c["auto_applied"]) for c in r["by_customer"]] == [
        ("C1", 3, 1), ("C2", 1, 1), (None, 1, 0)]
    assert r["customers_total"] == 3
    assert r["by_customer"][2]["line_item_auto_rate"] is None  # no invoice settled: no rate


def test_every_breakdown_adds_up_to_the_totals(rt) -> None:  # type: ignore[no-untyped-def]
    seed_cash_book(rt)
    r = _report(rt)
    t = r["totals"]
    assert t["auto_applied"] + t["manually_applied"] + t["partly_applied"] + t["unapplied"] == t["payments"]
    for name, _ in BREAKDOWNS:
        for count in COUNTS:
            assert sum(row[count] for row in r[name]) == t[count], (name, count)


def test_the_window_is_the_value_date(rt) -> None:  # type: ignore[no-untyped-def]
    seed_cash_book(rt)
    october = _report(rt, date(2026, 10, 1), date(2026, 10, 31))
    assert october["totals"]["payments"] == 1 and october["totals"]["straight_through"] == 1
    assert october["by_account"][0]["account"] == ACCOUNT_B
    one_day = _report(rt, date(2026, 11, 20), date(2026, 11, 20))
    assert one_day["totals"]["payments"] == 5
    assert _report(rt, date(2026, 11, 21), date(2026, 11, 30))["totals"]["payments"] == 0


def test_an_empty_window_has_counts_and_no_rates(rt) -> None:  # type: ignore[no-untyped-def]
    r = _report(rt)
    assert r["totals"]["payments"] == 0 and r["totals"]["envelope_auto_rate"] is None
    assert r["amounts"] == [] and r["by_day"] == [] and r["customers_total"] == 0


def test_a_reviewer_undoing_an_auto_application_is_not_straight_through(rt) -> None:  # type: ignore[no-untyped-def]
    tx = seed_cash_book(rt)
    with transaction(rt.engine) as s:
        apply.reverse_applications(s, transaction_id=tx["P1"], actor="ann", reason="wrong invoice")
    t = _report(rt)["totals"]
    assert (t["auto_applied"], t["unapplied"], t["straight_through"]) == (1, 2, 0)
    assert (t["invoices_settled"], t["invoices_settled_auto"]) == (4, 3)


@given(st.integers(0, 10**6), st.integers(1, 10**6))
def test_rate_is_the_percentage_to_a_tenth(part: int, extra: int) -> None:
    whole = part + extra
    text = rate(part, whole)
    assert text is not None and len(text.split(".")[1]) == 1
    assert abs(Decimal(text) - Decimal(100 * part) / whole) <= Decimal("0.05")
    assert rate(part, 0) is None


def test_the_default_window_is_the_30_days_ending_today() -> None:
    assert window(None, None, today=date(2026, 11, 30)) == (date(2026, 11, 1), date(2026, 11, 30))
    assert window(None, date(2026, 3, 1), today=date(2026, 11, 30)) == (
        date(2026, 1, 31), date(2026, 3, 1))
    assert window(date(2026, 11, 5), None, today=date(2026, 11, 30)) == (
        date(2026, 11, 5), date(2026, 11, 30))
    for since, until in ((date(2026, 2, 1), date(2026, 1, 1)), (date(2000, 1, 1), date(2026, 1, 1))):
        with pytest.raises(ValueError):
            window(since, until, today=date(2026, 11, 30))


def _remit(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli", *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=120, check=False)


def test_remit_metrics_json_carries_the_cash_application(rt, cli_env, tmp_path) -> None:  # type: ignore[no-untyped-def]
    seed_cash_book(rt)
    args = ["metrics", "--as-of", "2026-11-30", "--json"]
    proc = _remit(args, cli_env, tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert {"as_of", "period_days", "ar_total", "dso", "cei", "aging"} <= set(out)  # DESIGN.md §6 kept
    cash = out["cash_application"]
    # The default window: the 30 days ending with the as-of date.
    assert (cash["since"], cash["until"]) == ("2026-11-01", "2026-11-30")
    assert (cash["totals"]["payments"], cash["totals"]["envelope_auto_rate"]) == (5, "40.0")
    assert cash["amounts"][0]["received"] == "1112.34"
    october = json.loads(_remit([*args, "--since", "2026-10-01", "--until", "2026-10-31"],
                                cli_env, tmp_path).stdout)["cash_application"]
    assert october["totals"]["payments"] == 1 and october["totals"]["straight_through_rate"] == "100.0"
    table = _remit(args[:-1], cli_env, tmp_path)
    assert table.returncode == 0 and "Cash application" in table.stdout and "40.0 %" in table.stdout
    bad = _remit([*args, "--since", "2026-12-01"], cli_env, tmp_path)
    assert bad.returncode == 2 and "after" in bad.stderr
    bad = _remit([*args, "--until", "2026-13-01"], cli_env, tmp_path)
    assert bad.returncode == 2 and "--until" in bad.stderr
