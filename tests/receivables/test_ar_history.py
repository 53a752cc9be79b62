"""receivables.ar_history: AR rebuilt from the ledger's history, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from ledger.db import transaction
from ledger.models import Invoice
from receivables import ar_history
from receivables.due_dates import effective_due
from tests.receivables.ar_seed import seed_book

AS_OF = date(2026, 3, 31)


def test_effective_due_date() -> None:
    issue = date(2026, 3, 20)
    assert effective_due(date(2026, 5, 1), "net 30", issue) == date(2026, 5, 1)
    assert effective_due(None, "net 30", issue) == date(2026, 4, 19)
    assert effective_due(None, "2/10 net 45", issue) == date(2026, 5, 4)
    assert effective_due(None, None, issue) is None  # AR reports count it due on receipt
    assert effective_due(None, "whenever", issue) is None
    assert effective_due(None, "net 30", date.max) is None


def test_metrics_from_history_match_the_hand_computed_book(rt) -> None:  # type: ignore[no-untyped-def]
    seed_book(rt)
    with transaction(rt.engine) as s:
        report = ar_history.metrics_report(s, as_of=AS_OF, period_days=90)
    # EUR has the most AR: it is the top level (figures of test_analytics' hand example).
    assert report["currency"] == "EUR"
    assert report["as_of"] == "2026-03-31" and report["period_days"] == 90
    assert report["ar_total"] == "5400.00"
    assert report["begin_ar"] == "1500.00"
    assert report["current_ar"] == "1500.00"
    assert report["sales"] == "6500.00"
    assert report["dso"] == "74.8"
    assert report["dso_countback"] == "73.0"
    assert report["best_possible_dso"] == "20.8"
    assert report["add"] == "54.0"
    assert report["cei"] == "40.0"
    assert report["turnover"] == "1.88"
    assert report["average_collection_period"] == "47.8"
    assert report["aging"] == {
        "current": "1500.00",
        "1-30": "3000.00",
        "31-60": "0.00",
        "61-90": "400.00",
        "90+": "500.00",
    }
    # USD on its own: 800.00 open at the end of March (the 500.00 settled in the AR system is
    # dated at import, today), sold 2026-02-01, 28 days past due.
    usd = report["by_currency"]["USD"]
    assert usd["ar_total"] == "800.00" and usd["sales"] == "800.00"
    assert usd["aging"]["1-30"] == "800.00"
    assert usd["dso"] == "90.0"
    assert set(report["by_currency"]) == {"EUR", "USD"}


def test_history_points_and_filters(rt) -> None:  # type: ignore[no-untyped-def]
    seed_book(rt)
    with transaction(rt.engine) as s:
        # While the reversed payment stood (5 .. 19 March) A-3 had 2000.00 open.
        mid = ar_history.metrics_report(s, as_of=date(2026, 3, 10), period_days=30)
        assert mid["ar_total"] == "2900.00"  # A-1 400 + A-3 2000 + A-5 500
        c2 = ar_history.metrics_report(s, as_of=AS_OF, customer="C2")
        assert c2["ar_total"] == "4500.00" and c2["sales"] == "4500.00"
        assert c2["aging"]["current"] == "1500.00" and c2["aging"]["1-30"] == "3000.00"
        usd = ar_history.metrics_report(s, as_of=AS_OF, currency="USD")
        assert usd["currency"] == "USD" and set(usd["by_currency"]) == {"USD"}
        none = ar_history.metrics_report(s, as_of=AS_OF, currency="CHF")
        assert none["currency"] == "CHF" and none["ar_total"] == "0.00"
        assert none["dso"] is None and none["cei"] is None


def test_ar_today_equals_the_open_amounts(rt) -> None:  # type: ignore[no-untyped-def]
    seed_book(rt)
    today = ar_history.today()
    with transaction(rt.engine) as s:
        report = ar_history.metrics_report(s, as_of=today)
        open_by_ccy = dict(
            s.execute(
                select(Invoice.currency, func.sum(Invoice.open_minor)).group_by(Invoice.currency)
            ).all()
        )
    assert report["by_currency"]["EUR"]["ar_total"] == f"{open_by_ccy['EUR'] / 100:.2f}"
    assert report["by_currency"]["USD"]["ar_total"] == "300.00" == f"{open_by_ccy['USD'] / 100:.2f}"


def test_aging_report_rows_per_customer(rt) -> None:  # type: ignore[no-untyped-def]
    seed_book(rt)
    with transaction(rt.engine) as s:
        report = ar_history.aging_report(s, as_of=AS_OF)
    assert report["currency"] == "EUR" and report["currencies"] == ["EUR", "USD"]
    assert report["total"] == "5400.00"
    assert [(r["customer_id"], r["total"]) for r in report["customers"]] == [
        ("C2", "4500.00"),
        ("C3", "500.00"),
        ("C1", "400.00"),
    ]
    assert report["customers"][0]["customer_name"] == "Fabrikam GmbH"
    assert report["customers"][2]["61-90"] == "400.00"
    assert ar_history.aging_csv_rows(report)[1] == [
        "C2",
        "Fabrikam GmbH",
        "EUR",
        "4500.00",
        "1500.00",
        "3000.00",
        "0.00",
        "0.00",
        "0.00",
    ]


def test_trends(rt) -> None:  # type: ignore[no-untyped-def]
    seed_book(rt)
    first, last = date(2026, 1, 1), date(2026, 3, 31)
    with transaction(rt.engine) as s:
        dso = ar_history.trend(s, metric="dso", first=first, last=last, step="month")
        cei = ar_history.trend(s, metric="cei", first=first, last=last, step="month")
        rate = ar_history.trend(s, metric="match_rate", first=first, last=last, step="month")
        backlog = ar_history.trend(
            s, metric="review_backlog", first=date(2026, 3, 1), last=last, step="week"
        )
        with pytest.raises(ValueError, match="unknown metric"):
            ar_history.trend(s, metric="nope", first=first, last=last, step="month")
        with pytest.raises(ValueError, match="at most"):
            ar_history.trend(s, metric="dso", first=date(2000, 1, 1), last=last, step="day")
    # Each month is its own period. End of Jan: A-1 400 + A-2 2000 + A-5 500 = 2900 over sales
    # 2000 x 31 days = 44.95; Feb: (A-1 400 + A-3 3000 + A-5 500) 3900 / 3000 x 28 = 36.4;
    # Mar: 5400 / 1500 x 31 = 111.6.
    assert [p["value"] for p in dso["points"]] == ["45.0", "36.4", "111.6"]
    assert (dso["points"][0]["ar"], dso["points"][0]["sales"]) == ("2900.00", "2000.00")
    # CEI Jan: begin 1500, sales 2000, end 2900, current (A-2, due 9 Feb) 2000:
    # 600 / 1500 = 40.0; Feb: (2900 + 3000 - 3900) / (5900 - 3000 current A-3) = 68.97;
    # Mar: nothing collected (the March payment was reversed): 0.
    assert [p["value"] for p in cei["points"]] == ["40.0", "69.0", "0.0"]
    assert dso["currency"] == "EUR"
    assert [p["end"] for p in dso["points"]] == ["2026-01-31", "2026-02-28", "2026-03-31"]
    assert [(p["payments"], p["auto_applied"], p["value"]) for p in rate["points"]] == [
        (1, 1, "100.0"),
        (1, 0, "0.0"),
        (3, 0, "0.0"),
    ]
    # Weeks of March 2026 (Sun 1st, 8th, 15th, 22nd, 29th): P4 open from the 10th, P5 12th..16th.
    assert [(p["end"], p["value"]) for p in backlog["points"]] == [
        ("2026-03-01", 0),
        ("2026-03-08", 0),
        ("2026-03-15", 2),
        ("2026-03-22", 1),
        ("2026-03-29", 1),
        ("2026-03-31", 1),
    ]
    rows = ar_history.trend_csv_rows(rate)
    assert rows[0] == ["start", "end", "match_rate", "payments", "auto_applied"]
    assert rows[1] == ["2026-01-01", "2026-01-31", "100.0", "1", "1"]


def _remit(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_remit_metrics_cli(rt, cli_env, tmp_path) -> None:  # type: ignore[no-untyped-def]
    seed_book(rt)
    args = ["metrics", "--as-of", "2026-03-31", "--period-days", "90", "--json"]
    proc = _remit(args, cli_env, tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    # DESIGN.md §6: exactly these keys (and a few more), amounts as strings.
    design = {"as_of", "period_days", "ar_total", "sales", "dso", "best_possible_dso", "add"}
    assert design | {"cei", "turnover", "aging"} <= set(out)
    assert (out["ar_total"], out["dso"], out["cei"], out["period_days"]) == (
        "5400.00",
        "74.8",
        "40.0",
        90,
    )
    assert list(out["aging"]) == ["current", "1-30", "31-60", "61-90", "90+"]
    proc = _remit([*args[:-1], "--customer", "C4", "--currency", "usd"], cli_env, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "800.00" in proc.stdout and "USD" in proc.stdout and "DSO" in proc.stdout
    bad = _remit(["metrics", "--as-of", "2026-13-01"], cli_env, tmp_path)
    assert bad.returncode == 2 and "not a date" in bad.stderr


def test_an_adjustment_counts_from_its_audit_event(rt) -> None:  # type: ignore[no-untyped-def]
    """A dispute written off (receivables.disputes.adjust_invoice) settles from that day on,
    not from the invoice's import day."""
    from receivables.disputes import adjust_invoice

    seed = seed_book(rt)
    with transaction(rt.engine) as s:
        # Imported long before the adjustment (created_at is the fallback date otherwise).
        s.execute(
            update(Invoice)
            .where(Invoice.number == "A-3")
            .values(created_at=datetime(2026, 1, 1, tzinfo=UTC))
        )
    with transaction(rt.engine) as s:
        invoice = s.get(Invoice, seed["ids"]["A-3"])
        taken = adjust_invoice(
            s,
            invoice,
            minor=50000,
            reason="dispute",
            actor="test",
            cause="dispute.resolved",
            entity=("dispute", 1),
        )
        assert taken == 50000
    today = ar_history.today()
    with transaction(rt.engine) as s:
        before = ar_history.metrics_report(s, as_of=AS_OF)
        now = ar_history.metrics_report(s, as_of=today, currency="EUR")
        open_eur = s.scalar(select(func.sum(Invoice.open_minor)).where(Invoice.currency == "EUR"))
    assert before["ar_total"] == "5400.00"  # the history up to March is unchanged
    assert now["ar_total"] == f"{open_eur / 100:.2f}" == "4900.00"
