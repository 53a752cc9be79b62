"""/metrics: Prometheus text, ar:read, route templates as labels, counts that match the
database, one registry per app."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, insert, select

from ledger.db import transaction
from ledger.models import (
    Application,
    BankFile,
    BankTransaction,
    Customer,
    Invoice,
    InvoiceEvent,
    ReviewItem,
)
from ledger.repositories import api_keys
from server.app import create_app
from tests.factories import E, camt

IBAN = "GB29NWBK60161331926819"


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def _get(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples[(name, tuple(sorted(labels.items())))]


@pytest.fixture
def setup(rt) -> Any:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Contoso Ltd"))
        for number, minor in (("INV-1", 60000), ("INV-2", 38000), ("INV-3", 50000)):
            s.execute(insert(Invoice).values(number=number, customer_id="C1", currency="EUR",
                                             amount_minor=minor, open_minor=minor,
                                             issue_date=date(2026, 11, 1)))
        review = api_keys.create(s, name="reviewer", scopes=["treasury:review"])
        ar = api_keys.create(s, name="prometheus", scopes=["ar:read"])
    return {"review": {"Authorization": f"Bearer {review}"},
            "ar": {"Authorization": f"Bearer {ar}"}}


def test_metrics_need_ar_read(rt, setup) -> None:
    with TestClient(create_app(rt)) as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers=setup["review"]).status_code == 403
        r = client.get("/metrics", headers=setup["ar"])
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")


def test_database_counts_match_the_database(rt, setup) -> None:
    data = camt("053", [
        E("600.00", ref="B1", name="Contoso Ltd", text=["Invoice INV-1"], account=IBAN),
        E("12.34", ref="B2", name="Somebody", text=["?"]),
    ])
    with TestClient(create_app(rt)) as client:
        r = client.post("/api/v1/bank-files", headers=setup["review"],
                        files={"file": ("s.xml", data)})
        assert r.status_code == 201, r.text
        client.post("/api/v1/bank-files", headers=setup["review"],
                    files={"file": ("bad.xml", b"<Document>")})
        samples = _samples(client.get("/metrics", headers=setup["ar"]).text)

    with transaction(rt.engine) as s:
        def count(*columns: Any, where: Any = None) -> dict[tuple[str, ...], int]:
            query = select(*columns, func.count()).group_by(*columns)
            if where is not None:
                query = query.where(where)
            return {tuple(r[:-1]): r[-1] for r in s.execute(query)}

        files = count(BankFile.status)
        payments = count(BankTransaction.match_status)
        invoices = count(Invoice.status)
        reviews = count(ReviewItem.reason, where=ReviewItem.status == "open")
        outbox = count(InvoiceEvent.delivery_status)
        apps = count(Application.method, Application.status)
    assert files == {("parsed",): 1, ("rejected",): 1}
    assert sum(payments.values()) == 2 and sum(reviews.values()) >= 1
    assert invoices == {("open",): 2, ("paid",): 1} and outbox == {("pending",): 1}
    assert apps == {("auto", "applied"): 1}

    for status in ("received", "parsed", "rejected"):
        assert _get(samples, "remit_bank_files", status=status) == files.get((status,), 0)
    for status in ("unmatched", "applied", "review", "ignored", "returned"):
        assert _get(samples, "remit_payments", match_status=status) == payments.get((status,), 0)
    for status in ("open", "paid", "void"):
        assert _get(samples, "remit_invoices", status=status) == invoices.get((status,), 0)
    for (reason,), n in reviews.items():
        assert _get(samples, "remit_review_items_open", reason=reason) == n
    assert _get(samples, "remit_review_items_open", reason="no_amount") == 0  # known, absent
    for status in ("pending", "delivered", "failed"):
        assert _get(samples, "remit_invoice_events", delivery_status=status) == outbox.get(
            (status,), 0)
    assert _get(samples, "remit_applications", method="auto", status="applied") == 1
    assert _get(samples, "remit_applications", method="manual", status="reversed") == 0
    assert _get(samples, "remit_invoice_events_oldest_pending_seconds") >= 0
    assert _get(samples, "remit_database_up") == 1
    build = [k for k in samples if k[0] == "remit_build_info"]
    assert len(build) == 1 and samples[build[0]] == 1


def test_http_metrics_label_route_templates_not_paths(rt, setup) -> None:
    with TestClient(create_app(rt)) as client:
        for file_id in (1, 2, 3):
            client.get(f"/api/v1/bank-files/{file_id}", headers=setup["review"])
        client.get("/no/such/page")
        client.get("/healthz")
        text = client.get("/metrics", headers=setup["ar"]).text
    samples = _samples(text)
    assert _get(samples, "remit_http_requests_total", method="GET",
                route="/api/v1/bank-files/{file_id}", status="404") == 3
    assert _get(samples, "remit_http_requests_total", method="GET", route="<unmatched>",
                status="404") == 1
    assert _get(samples, "remit_http_requests_total", method="GET", route="/healthz",
                status="200") == 1
    assert _get(samples, "remit_http_request_duration_seconds_count", method="GET",
                route="/api/v1/bank-files/{file_id}", status="404") == 3
    assert "/api/v1/bank-files/1" not in text  # raw paths never become labels


def test_each_app_has_its_own_registry(rt, setup) -> None:
    with TestClient(create_app(rt)) as one, TestClient(create_app(rt)) as two:
        one.get("/healthz")
        one.get("/healthz")
        two.get("/healthz")
        a = _samples(one.get("/metrics", headers=setup["ar"]).text)
        b = _samples(two.get("/metrics", headers=setup["ar"]).text)
    key = {"method": "GET", "route": "/healthz", "status": "200"}
    assert (_get(a, "remit_http_requests_total", **key),
            _get(b, "remit_http_requests_total", **key)) == (2, 1)


def test_the_webhook_backlog_age_counts_only_when_a_webhook_is_set(rt, setup) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    data = camt("053", [E("600.00", ref="B1", name="Contoso Ltd", text=["Invoice INV-1"],
                          account=IBAN)])
    with TestClient(create_app(rt)) as client:
        assert client.post("/api/v1/bank-files", headers=setup["review"],
                           files={"file": ("s.xml", data)}).status_code == 201
        # One event pending; with no URL it waits for the feed, not for a delivery.
        plain = _samples(client.get("/metrics", headers=setup["ar"]).text)
    assert _get(plain, "remit_invoice_events", delivery_status="pending") == 1
    assert _get(plain, "remit_invoice_events_oldest_pending_seconds") == 0
    hooked = replace(rt, settings=rt.settings.model_copy(
        update={"webhook_url": "http://127.0.0.1:9/hook"}))
    with TestClient(create_app(hooked)) as client:
        delivering = _samples(client.get("/metrics", headers=setup["ar"]).text)
    assert _get(delivering, "remit_invoice_events_oldest_pending_seconds") > 0
