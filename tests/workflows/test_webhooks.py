"""Invoice events: written with the change (outbox), delivered by webhook to a real HTTP
receiver on loopback (signed, retried with backoff, given up, redelivered, in order per
invoice), and served as a feed."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select, text

from core.settings import Settings
from ledger import events
from ledger.db import transaction
from ledger.models import (
    AuditEvent,
    BankTransaction,
    Customer,
    CustomerAccount,
    Invoice,
    InvoiceEvent,
)
from ledger.repositories import api_keys
from ledger.repositories.invoice_events import feed_page
from reconcile.apply import apply_allocations, reverse_applications
from reconcile.invoice_import import import_book
from reconcile.invoice_rows import parse_book
from reconcile.model import Allocation
from server.app import create_app
from tests.factories import E, camt
from tests.workflows.receiver import Receiver, closed_port_url, running_receiver
from workflows.outbox import WebhookNotConfigured, backoff, deliver_pending, sign, verify
from workflows.runtime import Runtime, runtime

SECRET = "webhook-secret-for-tests-0123456789abcdef"
IBAN = "GB29NWBK60161331926819"
T0 = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def receiver() -> Any:
    with running_receiver() as r:
        yield r


def _with_hook(settings: Settings, url: str, **more: Any) -> Runtime:
    return runtime(settings.model_copy(update={
        "webhook_url": url, "webhook_secret": SECRET, "webhook_timeout_seconds": 5.0, **more}))


@pytest.fixture
def hrt(settings: Settings, receiver: Receiver) -> Runtime:
    return _with_hook(settings, receiver.url)


def _book(rt: Runtime) -> None:
    with transaction(rt.engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Contoso Ltd"))
        s.execute(insert(CustomerAccount).values(customer_id="C1", account=IBAN, source="imported"))
        for number, minor in (("INV-1", 60000), ("INV-2", 38000), ("INV-3", 50000)):
            s.execute(insert(Invoice).values(
                number=number, customer_id="C1", currency="EUR", amount_minor=minor,
                open_minor=minor, issue_date=date(2026, 11, 1)))


def _events(rt: Runtime) -> list[InvoiceEvent]:
    with transaction(rt.engine) as s:
        return list(s.scalars(select(InvoiceEvent).order_by(InvoiceEvent.id)))


def _settle(rt: Runtime, number: str, open_minor: int) -> None:
    """Move an invoice's open amount by hand and write its event, as a change in remit would."""
    with transaction(rt.engine) as s:
        invoice = s.scalars(select(Invoice).where(Invoice.number == number)).one()
        before = events.snapshot(invoice)
        invoice.open_minor = open_minor
        invoice.status = "paid" if open_minor == 0 else "open"
        s.flush()
        events.invoice_changed(s, invoice, before=before, cause="test", actor="test")


def _review_payment(client: TestClient, headers: dict[str, str], amount: str, ref: str) -> None:
    data = camt("053", [E(amount, ref=ref, name="Somebody", text=["?"])], stmt_id=ref)
    r = client.post("/api/v1/bank-files", headers=headers, files={"file": (f"{ref}.xml", data)})
    assert r.status_code == 201, r.text


def _keys(rt: Runtime) -> dict[str, dict[str, str]]:
    with transaction(rt.engine) as s:
        keys = {scope: api_keys.create(s, name=scope, scopes=[scope])
                for scope in ("ar:read", "treasury:review", "admin")}
    return {scope: {"Authorization": f"Bearer {key}"} for scope, key in keys.items()}


# -- the outbox --------------------------------------------------------------------------------
def test_events_are_written_in_the_applications_transaction_and_roll_back_with_it(rt) -> None:
    _book(rt)
    keys = _keys(rt)
    with TestClient(create_app(rt)) as client:
        _review_payment(client, keys["treasury:review"], "980.00", "B1")
    with transaction(rt.engine) as s:
        tx_id = s.scalar(select(BankTransaction.id))
        ids = {n: i for n, i in s.execute(select(Invoice.number, Invoice.id))}
    allocations = [Allocation(ids["INV-1"], "INV-1", Decimal("600.00")),
                   Allocation(ids["INV-2"], "INV-2", Decimal("380.00"))]

    with pytest.raises(RuntimeError), transaction(rt.engine) as s:
        apply_allocations(s, transaction_id=tx_id, allocations=allocations, method="manual",
                          actor="tester")
        assert s.scalar(select(func.count()).select_from(InvoiceEvent)) == 2  # in this txn
        raise RuntimeError("the request failed after applying")
    assert _events(rt) == []  # rolled back with the application

    with transaction(rt.engine) as s:
        apply_allocations(s, transaction_id=tx_id, allocations=allocations, method="manual",
                          actor="tester")
    paid = _events(rt)
    assert [(e.invoice_number, e.type, e.delivery_status) for e in paid] == [
        ("INV-1", "invoice.status_changed", "pending"),
        ("INV-2", "invoice.status_changed", "pending")]
    p = paid[0].payload
    assert p["event_id"] == paid[0].event_id and p["type"] == "invoice.status_changed"
    assert p["invoice"] == {
        "number": "INV-1", "customer_id": "C1", "currency": "EUR", "amount": "600.00",
        "open_amount": "0.00", "discount_amount": "0.00", "written_off_amount": "0.00",
        "status": "paid", "previous_status": "open", "previous_open_amount": "600.00"}
    assert (p["cause"], p["transaction_id"], p["actor"]) == ("application.created", tx_id, "tester")
    assert datetime.fromisoformat(p["occurred_at"]).tzinfo is not None

    # A reversal reopens both: one status change each, with the reason.
    with transaction(rt.engine) as s:
        reverse_applications(s, transaction_id=tx_id, actor="tester", reason="wrong payer")
    reopened = _events(rt)[2:]
    assert [(e.invoice_number, e.payload["invoice"]["status"],
             e.payload["invoice"]["previous_status"], e.payload["cause"], e.payload["reason"])
            for e in reopened] == [
        ("INV-1", "open", "paid", "application.reversed", "wrong payer"),
        ("INV-2", "open", "paid", "application.reversed", "wrong payer")]


def test_a_partial_payment_is_an_open_amount_change_not_a_status_change(rt) -> None:
    _book(rt)
    keys = _keys(rt)
    with TestClient(create_app(rt)) as client:
        _review_payment(client, keys["treasury:review"], "100.00", "P1")
        _review_payment(client, keys["treasury:review"], "500.00", "P2")
    with transaction(rt.engine) as s:
        first, second = s.scalars(select(BankTransaction.id).order_by(BankTransaction.id)).all()
        inv = s.scalar(select(Invoice.id).where(Invoice.number == "INV-1"))
    for tx_id, amount in ((first, "100.00"), (second, "500.00")):
        with transaction(rt.engine) as s:
            apply_allocations(s, transaction_id=tx_id, method="manual", actor="t",
                              allocations=[Allocation(inv, "INV-1", Decimal(amount))])
    got = [(e.type, e.payload["invoice"]["open_amount"], e.payload["invoice"]["status"])
           for e in _events(rt)]
    assert got == [("invoice.open_amount_changed", "500.00", "open"),
                   ("invoice.status_changed", "0.00", "paid")]


def test_the_ar_systems_own_invoice_imports_are_not_echoed_back(rt) -> None:
    header = "invoice_number,customer_id,customer_name,currency,amount,open_amount,issue_date\n"

    def book(*rows: str) -> None:
        data = (header + "".join(r + "\n" for r in rows)).encode()
        with transaction(rt.engine) as s:
            result = import_book(s, parse_book(data, "book.csv"), file="book.csv", actor="import")
        assert not result.errors, result.errors

    book("A-1,C1,Contoso,EUR,100.00,100.00,2026-11-01", "A-2,C1,Contoso,EUR,50.00,50.00,2026-11-01")
    book("A-1,C1,Contoso,EUR,100.00,0.00,2026-11-01")  # paid in the AR system itself
    assert _events(rt) == []


# -- delivery ------------------------------------------------------------------------------------
def test_an_auto_applied_upload_is_delivered_signed(hrt, receiver) -> None:
    _book(hrt)
    keys = _keys(hrt)
    data = camt("053", [E("600.00", ref="B1", e2e="E-1", name="Contoso Ltd",
                          text=["Invoice INV-1"], account=IBAN)])
    with TestClient(create_app(hrt)) as client:
        r = client.post("/api/v1/bank-files", headers=keys["treasury:review"],
                        files={"file": ("s.xml", data)})
    assert r.status_code == 201 and r.json()["applied"] == 1, r.text

    report = deliver_pending(hrt, now=T0)
    assert (report.attempted, report.delivered) == (1, 1)
    (got,) = receiver.requests
    assert got.path == "/hooks/remit" and got.signature_ok(SECRET)
    assert not got.signature_ok("another-secret-another-secret-0123456789")
    h = got.headers
    (event,) = _events(hrt)
    assert h["content-type"] == "application/json"
    assert h["remit-event-id"] == event.event_id
    assert h["remit-event-type"] == "invoice.status_changed"
    assert (h["remit-timestamp"], h["remit-attempt"]) == (str(int(T0.timestamp())), "1")
    assert h["remit-event-sequence"] == str(event.id)
    assert got.json == event.payload
    assert got.json["invoice"]["number"] == "INV-1" and got.json["invoice"]["status"] == "paid"
    assert (event.delivery_status, event.attempts) == ("delivered", 1)
    assert event.last_response_code == 200
    assert event.delivered_at == T0 and event.next_attempt_at is None
    # Nothing left to do; a second pass sends nothing.
    assert deliver_pending(hrt, now=T0).attempted == 0 and len(receiver.requests) == 1


def test_signature_helpers_match_the_documented_recipe() -> None:
    body = b'{"a":1}'
    assert sign("k", "1700000000", body).startswith("v1=")
    now = datetime.fromtimestamp(1700000100, timezone.utc)
    assert verify("k", sign("k", "1700000000", body), "1700000000", body, now=now)
    assert not verify("k", sign("k", "1700000000", body), "1700000000", body + b" ", now=now)
    stale = datetime.fromtimestamp(1700000000 + 301, timezone.utc)
    assert not verify("k", sign("k", "1700000000", body), "1700000000", body, now=stale)


def test_a_failing_receiver_is_retried_with_backoff_then_delivered(hrt, receiver) -> None:
    _book(hrt)
    _settle(hrt, "INV-1", 0)
    receiver.fail_next(500, 503)

    first = deliver_pending(hrt, now=T0)
    assert (first.attempted, first.retrying, first.delivered) == (1, 1, 0)
    (event,) = _events(hrt)
    assert (event.delivery_status, event.attempts, event.last_response_code) == ("pending", 1, 500)
    assert "HTTP 500" in (event.last_error or "") and event.last_attempt_at == T0
    assert T0 + timedelta(seconds=30) <= event.next_attempt_at <= T0 + timedelta(seconds=33)

    assert deliver_pending(hrt, now=T0 + timedelta(seconds=20)).attempted == 0  # not due yet

    t1 = T0 + timedelta(seconds=40)
    assert deliver_pending(hrt, now=t1).retrying == 1
    (event,) = _events(hrt)
    assert (event.attempts, event.last_response_code) == (2, 503)
    assert t1 + timedelta(seconds=60) <= event.next_attempt_at <= t1 + timedelta(seconds=66)

    t2 = T0 + timedelta(minutes=5)
    assert deliver_pending(hrt, now=t2).delivered == 1
    (event,) = _events(hrt)
    assert (event.delivery_status, event.attempts) == ("delivered", 3)
    assert event.last_response_code == 200
    assert event.last_error is None and event.delivered_at == t2
    # Three POSTs of the same event, each signed for its own attempt.
    assert [r.headers["remit-attempt"] for r in receiver.requests] == ["1", "2", "3"]
    assert {r.headers["remit-event-id"] for r in receiver.requests} == {event.event_id}
    assert all(r.signature_ok(SECRET) for r in receiver.requests)


def test_backoff_doubles_and_is_capped() -> None:
    eid = "00000000-0000-4000-8000-000000000000"  # zero jitter
    assert [backoff(n, eid).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(12, eid) == timedelta(hours=1)
    jittered = backoff(1, "ffffffff-0000-4000-8000-000000000000").total_seconds()
    assert 30 <= jittered <= 33


def test_an_unreachable_receiver_is_recorded_and_ends_the_pass(settings) -> None:
    rt = _with_hook(settings, closed_port_url())
    _book(rt)
    _settle(rt, "INV-1", 0)
    _settle(rt, "INV-2", 0)
    report = deliver_pending(rt, now=T0)
    assert (report.attempted, report.retrying, report.released) == (1, 1, 1)
    tried, untried = _events(rt)
    assert (tried.attempts, tried.last_response_code, tried.delivery_status) == (1, None, "pending")
    assert "ConnectError" in (tried.last_error or "") and tried.next_attempt_at > T0
    # The other one was handed back untouched: due again at once.
    assert (untried.attempts, untried.next_attempt_at, untried.last_error) == (0, None, None)


def test_after_max_attempts_an_event_fails_and_an_admin_can_redeliver_it(
    settings, receiver
) -> None:
    rt = _with_hook(settings, receiver.url, webhook_max_attempts=2)
    _book(rt)
    keys = _keys(rt)
    _settle(rt, "INV-1", 0)
    receiver.fail_next(500, 500)
    assert deliver_pending(rt, now=T0).retrying == 1
    assert deliver_pending(rt, now=T0 + timedelta(hours=1)).failed == 1
    (event,) = _events(rt)
    assert (event.delivery_status, event.attempts, event.next_attempt_at) == ("failed", 2, None)
    assert deliver_pending(rt, now=T0 + timedelta(days=1)).attempted == 0  # given up

    with TestClient(create_app(rt)) as client:
        path = f"/api/v1/invoice-events/{event.id}/redeliver"
        assert client.post(path).status_code == 401
        assert client.post(path, headers=keys["ar:read"]).status_code == 403
        assert client.post("/api/v1/invoice-events/999/redeliver",
                           headers=keys["admin"]).status_code == 404
        r = client.post(path, headers=keys["admin"])
        assert r.status_code == 200, r.text
        body = r.json()
        assert (body["delivery_status"], body["attempts"], body["last_response_code"]) == (
            "pending", 0, 500)
        assert client.post(path, headers=keys["admin"]).status_code == 409  # already pending
    assert deliver_pending(rt, now=T0 + timedelta(days=1)).delivered == 1
    (event,) = _events(rt)
    assert (event.delivery_status, event.attempts) == ("delivered", 1)
    with transaction(rt.engine) as s:
        actions = s.scalars(select(AuditEvent.action).where(
            AuditEvent.entity_type == "invoice_event")).all()
    assert actions == ["invoice_event.redeliver"]


def test_events_of_one_invoice_are_delivered_in_order(hrt, receiver) -> None:
    _book(hrt)
    _settle(hrt, "INV-1", 10000)  # #1: partial
    _settle(hrt, "INV-1", 0)  # #2: paid; waits for #1
    _settle(hrt, "INV-2", 0)  # #3: another invoice, not held back
    receiver.fail_next(500)  # #1's first attempt

    first = deliver_pending(hrt, now=T0)
    assert (first.attempted, first.delivered, first.retrying) == (2, 1, 1)
    sent = [(r.json["invoice"]["number"], r.json["invoice"]["open_amount"])
            for r in receiver.requests]
    assert sent == [("INV-1", "100.00"), ("INV-2", "0.00")]  # #2 was not sent before #1

    second = deliver_pending(hrt, now=T0 + timedelta(minutes=2))
    assert second.delivered == 2
    sent = [(r.json["invoice"]["number"], r.json["invoice"]["open_amount"])
            for r in receiver.requests]
    assert sent[2:] == [("INV-1", "100.00"), ("INV-1", "0.00")]
    assert [e.delivery_status for e in _events(hrt)] == ["delivered"] * 3


def _sequences(receiver: Receiver, number: str) -> list[int]:
    return [int(r.headers["remit-event-sequence"]) for r in receiver.requests
            if r.json["invoice"]["number"] == number]


def _redeliver(rt: Runtime, event_id: int) -> Any:
    keys = _keys(rt)
    with TestClient(create_app(rt)) as client:
        return client.post(f"/api/v1/invoice-events/{event_id}/redeliver", headers=keys["admin"])


def test_a_failed_event_holds_back_its_invoice_until_an_admin_redelivers_it(
    settings, receiver
) -> None:
    rt = _with_hook(settings, receiver.url, webhook_max_attempts=1)
    _book(rt)
    _settle(rt, "INV-1", 10000)  # #1: partial; fails for good
    _settle(rt, "INV-1", 0)  # #2: paid; must not overtake #1
    _settle(rt, "INV-2", 0)  # #3: another invoice, not held back
    receiver.fail_next(500)
    report = deliver_pending(rt, now=T0)
    assert (report.failed, report.delivered, report.attempted) == (1, 1, 2)
    assert [(e.delivery_status, e.attempts) for e in _events(rt)] == [
        ("failed", 1), ("pending", 0), ("delivered", 1)]
    assert deliver_pending(rt, now=T0 + timedelta(days=1)).attempted == 0  # #2 still waits

    assert _redeliver(rt, 2).status_code == 409  # the waiting one is pending already
    r = _redeliver(rt, 1)
    assert r.status_code == 200, r.text
    assert deliver_pending(rt, now=T0 + timedelta(days=1)).delivered == 2
    assert _sequences(receiver, "INV-1") == [1, 1, 2]  # the failed try, then #1 before #2
    assert [r.json["invoice"]["open_amount"] for r in receiver.requests
            if r.json["invoice"]["number"] == "INV-1"][-1] == "0.00"  # ends at the latest state


def test_an_event_older_than_one_already_sent_is_not_redelivered(hrt, receiver) -> None:
    _book(hrt)
    _settle(hrt, "INV-1", 10000)
    _settle(hrt, "INV-1", 0)
    assert deliver_pending(hrt, now=T0).delivered == 2
    r = _redeliver(hrt, 1)
    assert r.status_code == 409 and "redeliver #2 instead" in r.json()["detail"]
    r = _redeliver(hrt, 2)  # the invoice's latest: sent again, nothing older after it
    assert r.status_code == 200, r.text
    assert deliver_pending(hrt, now=T0 + timedelta(minutes=1)).delivered == 1
    assert _sequences(receiver, "INV-1") == [1, 2, 2]
    # A failed event that a later one overtook before this rule (older data): refused too.
    with transaction(hrt.engine) as s:
        s.execute(text("UPDATE invoice_events SET delivery_status = 'failed' WHERE id = 1"))
    assert _redeliver(hrt, 1).status_code == 409


def test_two_delivery_workers_keep_each_invoice_in_order(settings, receiver) -> None:
    """Two workers (threads, as two `remit worker` processes would be) deliver a backlog of
    40 events over 10 invoices to a flaky, slow receiver that makes some fail for good, and an
    admin redelivers what failed between passes: each invoice's events still arrive in
    order, every one is delivered exactly once in the end, none is lost."""
    rt = _with_hook(settings, receiver.url, webhook_max_attempts=2)
    with transaction(rt.engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Contoso Ltd"))
        for n in range(10):
            s.execute(insert(Invoice).values(
                number=f"INV-{n}", customer_id="C1", currency="EUR", amount_minor=100000,
                open_minor=100000, issue_date=date(2026, 11, 1)))
    for step in range(4):
        for n in range(10):
            _settle(rt, f"INV-{n}", 100000 - (step + 1) * 20000)
    receiver.delay = 0.01
    receiver.fail_next(*([500, 503, 200, 500, 200, 200, 503, 503, 200] * 10))
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker(at: datetime) -> None:
        try:
            barrier.wait(timeout=30)
            deliver_pending(rt, now=at, batch=3)
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            errors.append(error)

    redelivered = 0
    for round_ in range(40):
        at = T0 + timedelta(hours=2 * round_)
        threads = [threading.Thread(target=worker, args=(at,)) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        if all(e.delivery_status == "delivered" for e in _events(rt)):
            break
        for e in _events(rt):
            if e.delivery_status == "failed" and _redeliver(rt, e.id).status_code == 200:
                redelivered += 1
    assert redelivered > 0  # the receiver did make some fail for good
    assert errors == []
    events_ = _events(rt)
    assert len(events_) == 40 and {e.delivery_status for e in events_} == {"delivered"}
    for n in range(10):
        seq = _sequences(receiver, f"INV-{n}")
        assert seq == sorted(seq), (n, seq)  # never a later event before an earlier one
    ok = [int(r.headers["remit-event-sequence"]) for r, code in zip(receiver.requests,
                                                                     receiver.codes)
          if code == 200]
    assert sorted(ok) == [e.id for e in events_]  # each delivered exactly once


def test_deliver_needs_a_webhook_url(rt) -> None:
    with pytest.raises(WebhookNotConfigured):
        deliver_pending(rt)


def test_a_claim_is_a_lease_another_pass_does_not_take(hrt, receiver) -> None:
    """Two instances at once: what one has claimed (and is POSTing), the other skips."""
    from workflows import outbox

    _book(hrt)
    _settle(hrt, "INV-1", 0)
    claims = outbox._claim(hrt.engine, T0, 10, timedelta(seconds=5))
    assert [c.attempts for c in claims] == [0]
    assert deliver_pending(hrt, now=T0 + timedelta(seconds=30)).attempted == 0
    # The lease runs out (the claiming worker died): the event is due again.
    assert deliver_pending(hrt, now=T0 + timedelta(minutes=5)).delivered == 1
    # The first worker's late answer is not recorded over it.
    late = outbox._record(hrt.engine, claims[0], outbox._Outcome(500, "late"), T0, 8)
    assert late is None and _events(hrt)[0].delivery_status == "delivered"


# -- the feed ------------------------------------------------------------------------------------
def test_the_feed_pages_with_a_cursor_and_needs_ar_read(rt) -> None:
    _book(rt)
    keys = _keys(rt)
    for number in ("INV-1", "INV-2", "INV-3"):
        _settle(rt, number, 100)
        _settle(rt, number, 0)
    with TestClient(create_app(rt)) as client:
        assert client.get("/api/v1/invoice-events").status_code == 401
        assert client.get("/api/v1/invoice-events",
                          headers=keys["treasury:review"]).status_code == 403
        seen: list[int] = []
        after, pages = 0, 0
        while True:
            r = client.get(f"/api/v1/invoice-events?after={after}&limit=4", headers=keys["ar:read"])
            assert r.status_code == 200, r.text
            page = r.json()
            pages += 1
            seen += [item["id"] for item in page["items"]]
            after = page["next_after"]
            if not page["has_more"]:
                break
        assert seen == [e.id for e in _events(rt)] and pages == 2
        last = client.get(f"/api/v1/invoice-events?after={after}", headers=keys["ar:read"]).json()
        assert last == {"items": [], "next_after": after, "has_more": False}
        item = client.get(f"/api/v1/invoice-events/{seen[0]}", headers=keys["ar:read"]).json()
        assert item["delivery_status"] == "pending" and item["attempts"] == 0
        assert item["payload"]["invoice"]["number"] == "INV-1" and item["type"] == (
            "invoice.open_amount_changed")
        assert client.get("/api/v1/invoice-events/999", headers=keys["ar:read"]).status_code == 404
        bad = client.get("/api/v1/invoice-events?limit=0", headers=keys["ar:read"])
        assert bad.status_code == 422


@pytest.mark.postgres
def test_the_feed_never_passes_an_event_still_being_committed(rt) -> None:
    if rt.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: ids commit in order")
    _book(rt)
    with transaction(rt.engine) as s:
        inv = s.scalars(select(Invoice).where(Invoice.number == "INV-1")).one()
        inv_id = inv.id

    def event(conn: Any) -> int:
        return conn.execute(text(
            "INSERT INTO invoice_events (event_id, type, invoice_id, invoice_number, payload, "
            "created_at, delivery_status, attempts) VALUES (gen_random_uuid()::text, "
            "'invoice.status_changed', :i, 'INV-1', '{}', now(), 'pending', 0) RETURNING id"),
            {"i": inv_id}).scalar_one()

    with rt.engine.connect() as slow, rt.engine.connect() as fast:
        with slow.begin():
            first = event(slow)  # id 1, not committed yet
            with fast.begin():
                second = event(fast)  # id 2, committed
            with transaction(rt.engine) as s:
                assert [e.id for e in feed_page(s, after=0, limit=10)] == []  # stops before 1
        with transaction(rt.engine) as s:  # now committed: both, in order
            assert [e.id for e in feed_page(s, after=0, limit=10)] == [first, second]
        # A rolled-back id leaves a gap for good: the feed goes past it once nobody writes.
        rolled = slow.begin()
        event(slow)
        rolled.rollback()
        with fast.begin():
            fourth = event(fast)
        with transaction(rt.engine) as s:
            assert [e.id for e in feed_page(s, after=second, limit=10)] == [fourth]


# -- the CLI -------------------------------------------------------------------------------------
def _cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_remit_webhooks_deliver(rt, cli_env, receiver, tmp_path) -> None:
    _book(rt)
    _settle(rt, "INV-1", 0)
    proc = _cli(["webhooks", "deliver"], cli_env, tmp_path)
    assert proc.returncode == 1 and "REMIT_WEBHOOK_URL" in proc.stderr
    env = {**cli_env, "REMIT_WEBHOOK_URL": receiver.url, "REMIT_WEBHOOK_SECRET": SECRET}
    proc = _cli(["webhooks", "deliver", "--json"], env, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["delivered"] == 1
    (got,) = receiver.requests
    assert got.signature_ok(SECRET) and got.json["invoice"]["number"] == "INV-1"
    proc = _cli(["webhooks", "deliver"], env, tmp_path)
    assert proc.returncode == 0 and proc.stdout.startswith("0 attempted"), proc.stdout
