"""GET /metrics: Prometheus text format, scope ar:read.

Prometheus authenticates with the API key as a bearer token, in its scrape config:

    scrape_configs:
      - job_name: remit
        metrics_path: /metrics
        authorization:
          type: Bearer
          credentials_file: /etc/prometheus/remit-api-key   # a key with scope ar:read

What is exported:
  - remit_http_requests_total{method,route,status} and
    remit_http_request_duration_seconds{method,route,status} (histogram), counted by a small
    ASGI middleware since this app started. `route` is the route's template
    (/api/v1/bank-files/{file_id}), never the raw path, so ids do not multiply series;
    requests that match no route are `<unmatched>`.
  - counts read from the database at scrape (one GROUP BY per table; every known label
    value is present, 0 when absent): remit_bank_files{status},
    remit_payments{match_status}, remit_review_items_open{reason}, remit_invoices{status},
    remit_invoice_events{delivery_status} (the webhook backlog: pending and failed),
    remit_applications{method,status}, and remit_invoice_events_oldest_pending_seconds
    (age of the oldest undelivered event; 0 when none or when no webhook URL is set). No
    money: Prometheus values are floats, and counts are what alerting needs.
  - remit_build_info{version,python} 1, and remit_database_up (0 when the counts could not
    be read; the HTTP metrics are still served).

Each app has its own CollectorRegistry (never the process-global one), so several apps in
one process (tests) do not collide, and one app's numbers are its own.
"""

from __future__ import annotations

import logging
import platform
import time
from collections.abc import Iterable, Iterator, Sequence
from importlib import metadata
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import problems
from api.auth import ArRead
from ledger import invoice_status
from ledger.types import utc_now
from reconcile.model import ReviewReason
from workflows.book_counts import book_counts
from workflows.runtime import Runtime

log = logging.getLogger("remit.metrics")

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "<unmatched>"
# Label values every scrape shows (0 when absent), as in the schema's CHECK constraints
# (invoices: ledger.invoice_status.STORED).
BANK_FILE_STATUSES = ("received", "parsed", "rejected")
MATCH_STATUSES = ("unmatched", "applied", "review", "ignored", "returned")
DELIVERY_STATUSES = ("pending", "delivered", "failed")
APPLICATION_KEYS = tuple((m, s) for m in ("auto", "manual", "direct_debit") for s in ("applied", "reversed"))


class HttpMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        labels = ("method", "route", "status")
        self.requests = Counter(
            "remit_http_requests", "HTTP requests served.", labels, registry=registry
        )
        self.duration = Histogram(
            "remit_http_request_duration_seconds",
            "Time to serve an HTTP request.",
            labels,
            registry=registry,
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method if method in METHODS else "OTHER", route, str(status))
        self.requests.labels(*key).inc()
        self.duration.labels(*key).observe(seconds)


class MetricsMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware: streaming responses pass through untouched)."""

    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500  # an exception before the response started is a 500 to the client

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            # The router stores the matched route in the scope: its template, not the path.
            route = getattr(scope.get("route"), "path", None) or UNMATCHED
            self.metrics.observe(scope["method"], route, status, time.perf_counter() - start)


def _gauge(
    name: str,
    doc: str,
    labels: Sequence[str],
    known: Iterable[tuple[str, ...]],
    counted: Iterable[tuple[Any, ...]],
) -> GaugeMetricFamily:
    values: dict[tuple[str, ...], int] = {k: 0 for k in known}
    for *key, count in counted:
        values[tuple(str(k) for k in key)] = int(count)
    family = GaugeMetricFamily(name, doc, labels=list(labels))
    for key in sorted(values):
        family.add_metric(list(key), values[key])
    return family


class DatabaseCollector(Collector):
    """Counts read at scrape time: cheap GROUP BY queries, one read transaction
    (workflows.book_counts)."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def describe(self) -> Iterable[Metric]:
        return []  # nothing is read at registration

    def collect(self) -> Iterator[Metric]:
        build = GaugeMetricFamily(
            "remit_build_info", "remit's version.", labels=["version", "python"]
        )
        build.add_metric([_version(), platform.python_version()], 1)
        yield build
        up = GaugeMetricFamily("remit_database_up", "1 if the counts below could be read.")
        try:
            families = self._counts()
        except SQLAlchemyError:
            log.exception("metrics: the database could not be read")
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _counts(self) -> list[Metric]:
        counts = book_counts(self.rt)
        families = [
            _gauge(
                "remit_bank_files",
                "Bank files registered, by status.",
                ["status"],
                [(s,) for s in BANK_FILE_STATUSES],
                counts.bank_files,
            ),
            _gauge(
                "remit_payments",
                "Bank transactions, by match status.",
                ["match_status"],
                [(s,) for s in MATCH_STATUSES],
                counts.payments,
            ),
            _gauge(
                "remit_review_items_open",
                "Open review items (exceptions), by reason.",
                ["reason"],
                [(r.value,) for r in ReviewReason],
                counts.open_reviews,
            ),
            _gauge(
                "remit_invoices",
                "Invoices, by status.",
                ["status"],
                [(s,) for s in invoice_status.STORED],
                counts.invoices,
            ),
            _gauge(
                "remit_invoice_events",
                "Invoice events (webhook outbox), by delivery status.",
                ["delivery_status"],
                [(s,) for s in DELIVERY_STATUSES],
                counts.invoice_events,
            ),
            _gauge(
                "remit_applications",
                "Cash applications, by method and status.",
                ["method", "status"],
                APPLICATION_KEYS,
                counts.applications,
            ),
        ]
        age = GaugeMetricFamily(
            "remit_invoice_events_oldest_pending_seconds",
            "Age of the oldest invoice event not yet delivered (0: none, or no webhook set).",
        )
        # Without a webhook URL events wait for the feed, not for delivery: no backlog to page on.
        oldest = counts.oldest_pending_event
        delivering = oldest is not None and bool(self.rt.settings.webhook_url)
        age.add_metric([], max((utc_now() - oldest).total_seconds(), 0.0) if delivering else 0.0)
        families.append(age)
        return families


def _version() -> str:
    try:
        return metadata.version("remit")
    except metadata.PackageNotFoundError:
        return "0"


def install(app: FastAPI, rt: Runtime) -> None:
    """Give `app` its own registry, the request middleware and the database collector."""
    registry = CollectorRegistry()
    registry.register(DatabaseCollector(rt))
    app.state.metrics_registry = registry
    app.add_middleware(MetricsMiddleware, metrics=HttpMetrics(registry))


# No parameters: nothing to refuse as bad input (422), only the key.
router = APIRouter(tags=["metrics"], responses=problems.declare(401, 403))


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "description": "Prometheus text exposition format",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    },
)
def metrics(request: Request, principal: ArRead) -> Response:
    """Prometheus text exposition (see the module docstring)."""
    registry: CollectorRegistry = request.app.state.metrics_registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
