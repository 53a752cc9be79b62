"""AR metrics, aging and trends (receivables.ar_history): the JSON of /api/v1/ar-metrics.
Day figures and percentages are decimal text rounded to 0.1, null when undefined (no sales)."""

from __future__ import annotations

from pydantic import Field

from api.schemas import Amount, Day, Shape

FIGURE = "decimal text (0.1 day, 0.1 %, 0.01 for turnover); null when undefined"


class Aging(Shape):
    """Open AR by days past due."""

    current: Amount
    days_1_30: Amount = Field(alias="1-30")
    days_31_60: Amount = Field(alias="31-60")
    days_61_90: Amount = Field(alias="61-90")
    over_90: Amount = Field(alias="90+")


class Figures(Shape):
    """The metrics of one currency (see receivables.analytics for the formulas)."""

    currency: str | None
    ar_total: Amount
    begin_ar: Amount
    current_ar: Amount
    sales: Amount
    dso: str | None = Field(description=FIGURE)
    dso_countback: str | None = Field(description=FIGURE)
    best_possible_dso: str | None = Field(description=FIGURE)
    add: str | None = Field(description="average days delinquent; " + FIGURE)
    cei: str | None = Field(description="collection effectiveness index, %; " + FIGURE)
    turnover: str | None = Field(description=FIGURE)
    average_collection_period: str | None = Field(description=FIGURE)
    aging: Aging


class ArMetrics(Figures):
    """`remit metrics --json`: the figures of `currency` (else the book's main currency),
    and those of every currency."""

    as_of: Day
    period_days: int
    customer: str | None
    by_currency: dict[str, Figures]


class AgingBucket(Shape):
    bucket: str = Field(description="current | 1-30 | 31-60 | 61-90 | 90+")
    amount: Amount


class AgingCustomer(Aging):
    position: int = Field(description="rank by AR, largest first; the page cursor")
    customer_id: str
    customer_name: str | None
    total: Amount


class AgingReport(Shape):
    """Aging of one currency, and a page of customers with AR, largest first."""

    as_of: Day
    currency: str | None
    currencies: list[str] = Field(description="every currency of the book")
    total: Amount
    buckets: list[AgingBucket]
    items: list[AgingCustomer]
    next: int | None = Field(description="the `cursor` of the next page; null on the last")


class MoneyPoint(Shape):
    """dso, cei: the figure over the bucket, and the AR and sales behind it."""

    start: Day
    end: Day
    value: str | None = Field(description=FIGURE)
    ar: Amount
    sales: Amount


class MatchRatePoint(Shape):
    """match_rate: the share of the credit payments dated in the bucket applied
    automatically."""

    start: Day
    end: Day
    value: str | None = Field(description="%; null without payments")
    payments: int
    auto_applied: int


class BacklogPoint(Shape):
    """review_backlog: review items open at the end of the bucket."""

    start: Day
    end: Day
    value: int
    open: int


class Trend(Shape):
    """One point per day, ISO week or calendar month of from..to."""

    metric: str = Field(description="dso | cei | match_rate | review_backlog")
    step: str = Field(description="day | week | month")
    from_: Day = Field(alias="from")
    to: Day
    currency: str | None = Field(description="dso and cei only")
    points: list[MoneyPoint | MatchRatePoint | BacklogPoint]
