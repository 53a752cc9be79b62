"""/api/v1/ar-metrics (scope ar:read): AR metrics as of a date, aging per customer, trends.

Every route answers JSON, or with `format=csv` the table behind the matching dashboard chart
as text/csv (amounts as plain decimal text). Figures come from receivables.ar_history (the
ledger's own history); formulas and conventions are documented in receivables.analytics.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query

from api import problems
from api.auth import ArRead
from api.schemas import answer
from api.schemas import ar_metrics as schema
from receivables import analytics, ar_history
from receivables.ar_history import MAX_DATE, MIN_DATE  # a 422 outside them, never a 500
from web import paging
from web.csv import csv_response
from web.session import DbSession

router = APIRouter(prefix="/api/v1/ar-metrics", tags=["ar-metrics"], responses=problems.SECURED)

MAX_PERIOD_DAYS = 3660

AsOf = Annotated[paging.IsoDate | None, Query(description="as-of date (default: today, UTC)")]
PeriodDays = Annotated[int, Query(ge=1, le=MAX_PERIOD_DAYS, description="days before as_of")]
CustomerId = Annotated[str | None, Query(min_length=1, max_length=64, pattern=paging.NO_NUL)]
Currency = Annotated[str | None, Query(pattern=r"^[A-Z]{3}$", description="ISO 4217 code")]
Format = Annotated[Literal["json", "csv"], Query(description="csv: the table as text/csv")]
# format=csv answers the table behind the dashboard chart instead of the JSON.
CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}}
}


def _check_date(value: date | None, name: str) -> date:
    day = value or ar_history.today()
    if not MIN_DATE <= day <= MAX_DATE:
        raise HTTPException(
            422,
            f"{name} must be between {MIN_DATE} and {MAX_DATE}",
        )
    return day


@router.get("", response_model=answer(schema.ArMetrics, built_as=Any), responses=CSV)
def get_metrics(
    session: DbSession,
    principal: ArRead,
    as_of: AsOf = None,
    period_days: PeriodDays = 90,
    customer: CustomerId = None,
    currency: Currency = None,
    format: Format = "json",
) -> Any:
    """DSO (simple, countback), best possible DSO, ADD, CEI, turnover, aging: as `remit
    metrics --json`. Top level: `currency`, else the book's main currency; every currency
    under `by_currency`."""
    day = _check_date(as_of, "as_of")
    report = ar_history.metrics_report(
        session, as_of=day, period_days=period_days, customer=customer, currency=currency
    )
    if format == "csv":
        return csv_response(ar_history.metrics_csv_rows(report), f"ar-metrics-{day}.csv")
    return report


@router.get("/aging", response_model=answer(schema.AgingReport, built_as=Any), responses=CSV)
def get_aging(
    session: DbSession,
    principal: ArRead,
    as_of: AsOf = None,
    customer: CustomerId = None,
    currency: Currency = None,
    limit: paging.Limit = 100,
    cursor: paging.Cursor = None,
    format: Format = "json",
    by: Annotated[
        Literal["customer", "bucket"], Query(description="csv rows: per customer or per bucket")
    ] = "customer",
) -> Any:
    """Aging buckets (current, 1-30, 31-60, 61-90, 90+ days past due) of one currency, and one
    row per customer with AR, largest first (paged; `cursor` = `next` of the previous page)."""
    day = _check_date(as_of, "as_of")
    report = ar_history.aging_report(session, as_of=day, currency=currency, customer=customer)
    if format == "csv":
        if by == "bucket":
            return csv_response(ar_history.aging_bucket_csv_rows(report), f"aging-{day}.csv")
        return csv_response(ar_history.aging_csv_rows(report), f"aging-customers-{day}.csv")
    rows = report.pop("customers")
    start = cursor or 0
    return {**report, **paging.page(rows[start : start + limit + 1], limit, "position")}


@router.get("/trend", response_model=answer(schema.Trend, built_as=Any), responses=CSV)
def get_trend(
    session: DbSession,
    principal: ArRead,
    metric: Annotated[Literal["dso", "cei", "match_rate", "review_backlog"], Query()],
    from_: Annotated[
        paging.IsoDate | None, Query(alias="from", description="default: 12 months back")
    ] = None,
    to: Annotated[paging.IsoDate | None, Query(description="default: today (UTC)")] = None,
    step: Annotated[Literal["day", "week", "month"], Query()] = "month",
    customer: CustomerId = None,
    currency: Currency = None,
    format: Format = "json",
) -> Any:
    """One point per day, ISO week or calendar month of from..to: DSO and CEI over each
    bucket, the auto-match rate of the credit payments dated in it, the review items open
    at its end."""
    last = _check_date(to, "to")
    first = _check_date(from_, "from") if from_ else analytics.default_from(last)
    if first > last:
        raise HTTPException(422, "from is after to")
    try:
        report = ar_history.trend(
            session,
            metric=metric,
            first=first,
            last=last,
            step=step,
            currency=currency,
            customer=customer,
        )
    except ValueError as error:  # too many points: receivables raises it as a plain ValueError
        raise HTTPException(422, str(error)) from None
    if format == "csv":
        return csv_response(ar_history.trend_csv_rows(report), f"{metric}-{first}-{last}.csv")
    return report

