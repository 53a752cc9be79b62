"""The dashboard (/): reconcile.dashboard's figures, the cash-application rates of the last 7
days (reconcile.cash_metrics) and the AR charts (ui.ar_charts), with the tables behind the
charts as CSV."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from ledger.types import utc_now
from receivables import ar_history
from receivables.ar_history import MAX_DATE as MAX_AS_OF
from receivables.ar_history import MIN_DATE as MIN_AS_OF
from reconcile import cash_metrics, dashboard
from ui import ar_charts
from ui.pages import SECURITY_HEADERS, render
from ui.security import User
from web.csv import csv_response
from web.session import DbSession

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def dashboard_page(
    request: Request, user: User, session: DbSession, as_of: str | None = None
) -> Response:
    day, message = _as_of(as_of)
    today = utc_now().date()
    data = dashboard.dashboard(session, today=today)
    cash = cash_view(
        cash_metrics.cash_application(
            session, since=today - timedelta(days=CASH_DAYS - 1), until=today
        ),
        today,
    )
    ar = ar_charts.dashboard_charts(session, as_of=day)
    return render(
        request,
        "dashboard.html",
        user=user,
        nav="dashboard",
        data=data,
        cash=cash,
        ar=ar,
        message=message,
    )


CASH_DAYS = 7  # the dashboard's cash-application window, today included
RATE_KEYS = ("envelope_auto_rate", "line_item_auto_rate", "straight_through_rate")


def _rates(label: str, figures: dict[str, Any] | None) -> dict[str, Any]:
    """One table row: the label, the payments and the three rates (None shown as a dash)."""
    figures = figures or {}
    return {
        "label": label,
        "payments": figures.get("payments", 0),
        "auto_applied": figures.get("auto_applied", 0),
        **{key: figures.get(key) for key in RATE_KEYS},
    }


def cash_view(report: dict[str, Any], today: date) -> dict[str, Any]:
    """The table's plain rows: the totals, each bank account, and each of the last 7 days
    (a day without payments too, with no rates)."""
    days = {row["day"]: row for row in report["by_day"]}
    last_days = [(today - timedelta(days=n)).isoformat() for n in range(CASH_DAYS)]
    return {
        "since": report["since"],
        "until": report["until"],
        "total": _rates("All payments", report["totals"]),
        "accounts": [_rates(r["account"] or "(no account)", r) for r in report["by_account"]],
        "days": [_rates(day, days.get(day)) for day in last_days],
    }


def _as_of(text: str | None) -> tuple[date, dict[str, str] | None]:
    """The AR charts' as-of date (default today): a bad one falls back to today, with a note."""
    today = utc_now().date()
    if not text:
        return today, None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        day = None
    if day is None or not MIN_AS_OF <= day <= MAX_AS_OF:
        return today, {"kind": "error", "text": f"Not a date: {text[:20]!r}; showing today."}
    return day, None


@router.get("/dashboard/aging.csv")
def dashboard_aging_csv(
    request: Request, user: User, session: DbSession, as_of: str | None = None
) -> Response:
    """The table behind the aging chart (amounts per bucket, the book's main currency)."""
    day, _ = _as_of(as_of)
    report = ar_history.aging_report(session, as_of=day)
    response = csv_response(ar_history.aging_bucket_csv_rows(report), f"aging-{day}.csv")
    response.headers.update(SECURITY_HEADERS)  # amounts: no-store, as every page
    return response


@router.get("/dashboard/trend.csv")
def dashboard_trend_csv(
    request: Request,
    user: User,
    session: DbSession,
    metric: Annotated[Literal["dso", "cei", "match_rate"], Query()],
    as_of: str | None = None,
) -> Response:
    """The table behind a trend chart: the 12 calendar months up to the as-of date."""
    day, _ = _as_of(as_of)
    report = ar_charts.trend_report(session, metric, day)
    response = csv_response(ar_history.trend_csv_rows(report), f"{metric}-{day}.csv")
    response.headers.update(SECURITY_HEADERS)
    return response
