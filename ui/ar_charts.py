"""The dashboard's AR section: headline figures, aging bars, DSO / CEI / match-rate trends over
the 12 calendar months up to the as-of date, each chart with its table and a CSV link.

Read-only; the figures are receivables.ar_history's (the API's), the SVG is ui.charts'.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from markupsafe import Markup
from sqlalchemy.orm import Session

from receivables import ar_history
from receivables.analytics import Book, default_from
from ui import charts

PERIOD_DAYS = 90  # the headline figures' period, as `remit metrics`


def _month_label(start: str) -> str:
    return date.fromisoformat(start).strftime("%b %Y")


def trend_report(
    session: Session, metric: str, as_of: date, books: dict[str, Book] | None = None
) -> dict[str, Any]:
    return ar_history.trend(
        session, metric=metric, first=default_from(as_of), last=as_of, step="month", books=books
    )


def _trend_chart(report: dict[str, Any], title: str, unit: str, desc: str) -> dict[str, Any]:
    points = [(_month_label(p["start"]), p["value"]) for p in report["points"]]
    chart_id = f"chart-{report['metric'].replace('_', '-')}"
    short = [date.fromisoformat(p["start"]).strftime("%b %y") for p in report["points"]]
    return {
        "id": chart_id,
        "title": title,
        "svg": charts.line_chart(chart_id, title, desc, points, unit, axis_labels=short),
        "rows": report["points"],
        "labels": [label for label, _ in points],
        "metric": report["metric"],
    }


def dashboard_charts(session: Session, *, as_of: date) -> dict[str, Any]:
    books = ar_history.load_books(session)  # once for every figure and chart of the page
    metrics = ar_history.metrics_report(session, as_of=as_of, period_days=PERIOD_DAYS, books=books)
    aging = ar_history.aging_report(session, as_of=as_of, books=books)
    ccy = metrics["currency"] or ""
    bars = [(b["bucket"], b["amount"]) for b in aging["buckets"]]
    aging_svg: Markup = charts.bar_chart(
        "chart-aging",
        f"Aging of receivables, {ccy} as of {as_of}",
        "Open amounts by days past due: "
        + "; ".join(f"{label}: {value} {ccy}" for label, value in bars),
        bars,
    )
    dso = trend_report(session, "dso", as_of, books)
    cei = trend_report(session, "cei", as_of, books)
    rate = trend_report(session, "match_rate", as_of)
    return {
        "as_of": as_of.isoformat(),
        "currency": metrics["currency"],
        "metrics": metrics,
        "period_days": PERIOD_DAYS,
        "aging": {"svg": aging_svg, "rows": aging["buckets"], "total": aging["total"]},
        "trends": [
            _trend_chart(
                dso,
                f"DSO by month, {ccy}",
                " d",
                "Days sales outstanding at each month end over that month's credit sales.",
            ),
            _trend_chart(
                cei,
                f"Collection effectiveness (CEI) by month, {ccy}",
                " %",
                "Share of the collectable receivables collected in each month.",
            ),
            _trend_chart(
                rate,
                "Auto-match rate by month",
                " %",
                "Credit payments dated in each month that the matcher applied on its own.",
            ),
        ],
    }
