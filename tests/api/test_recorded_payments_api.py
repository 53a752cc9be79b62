"""POST /api/v1/payments: a payment received outside the bank files, under an Idempotency-Key
(reconcile/recorded.py): replays, conflicts, refusals that store nothing, concurrency, and
the later bank settlement that applies nothing again."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select

from core.errors import Conflict
from core.money import D
from ledger.db import transaction
from ledger.models import (
    Application,
    AuditEvent,
    BankFile,
    BankTransaction,
    Customer,
    CustomerAccount,
    Invoice,
    RecordedPayment,
)
from ledger.repositories import api_keys
from reconcile.recorded import PaymentIn
from server.app import create_app
from tests.factories import E, camt
from workflows.recorded_payments import record_payment

BODY = {"amount": "120.00", "currency": "EUR", "customer_id": "C1", "invoice_numbers": ["INV-1"],
        "reference": "card ch_123", "received_at": "2026-12-01"}
IBAN = "DE02120300000000202051"


@pytest.fixture
def client(rt):  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Contoso Ltd"))
        s.execute(insert(CustomerAccount).values(customer_id="C1", account=IBAN, source="imported"))
        for number, minor in (("INV-1", 12000), ("INV-2", 8000)):
            s.execute(insert(Invoice).values(number=number, customer_id="C1", currency="EUR", amount_minor=minor,
                                             open_minor=minor, issue_date=date(2026, 11, 1)))
        erp = api_keys.create(s, name="erp", scopes=["ar:read", "ar:write"])
        review = api_keys.create(s, name="reviewer", scopes=["treasury:review"])
        reader = api_keys.create(s, name="reader", scopes=["ar:read"])
    with TestClient(create_app(rt)) as c:
        c.erp = {"Authorization": f"Bearer {erp}"}  # type: ignore[attr-defined]
        c.review = {"Authorization": f"Bearer {review}"}  # type: ignore[attr-defined]
        c.reader = {"Authorization": f"Bearer {reader}"}  # type: ignore[attr-defined]
        yield c


def _post(client, body: dict[str, Any], key: str = "k-1"):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/payments", json=body, headers={**client.erp, "Idempotency-Key": key})


def _counts(rt) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in
                     (BankFile, BankTransaction, RecordedPayment, Application, AuditEvent))


def _open(rt, number: str) -> int:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        return s.scalar(select(Invoice.open_minor).where(Invoice.number == number))


def test_record_applies_through_matching_and_audits_the_key(client, rt) -> None:
    r = _post(client, BODY)
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["amount"] == "120.00" and p["match_status"] == "applied" and p["applied_amount"] == "120.00"
    assert [a["invoice_number"] for a in p["applications"]] == ["INV-1"]
    assert p["file"]["format"] == "api"
    assert p["recorded"] == {"idempotency_key": "k-1", "customer_id": "C1", "reference": "card ch_123",
                             "received_at": "2026-12-01", "settled_by": None}
    assert r.headers["ETag"] == f'"{p["version"]}"' and "Idempotent-Replayed" not in r.headers
    assert _open(rt, "INV-1") == 0
    with transaction(rt.engine) as s:
        recorded = s.scalar(select(AuditEvent).where(AuditEvent.action == "payment.recorded"))
        assert recorded.actor == "api-key:erp" and recorded.after["idempotency_key"] == "k-1"
        assert {a.actor for a in s.scalars(select(AuditEvent).where(AuditEvent.action.like("application.%")))} \
            == {"api-key:erp"}
    got = client.get(f"/api/v1/payments/{p['transaction_id']}", headers=client.reader)
    assert got.status_code == 200 and got.json()["recorded"]["idempotency_key"] == "k-1"


def test_replay_returns_the_same_payment_and_applies_nothing_again(client, rt) -> None:
    first = _post(client, BODY).json()
    before = _counts(rt)
    # The same body (amount written another way is the same amount): the same payment.
    again = _post(client, {**BODY, "amount": "120.0"})
    assert again.status_code == 201, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["transaction_id"] == first["transaction_id"]
    assert again.json()["applications"] == first["applications"]
    assert _counts(rt) == before and _open(rt, "INV-1") == 0


def test_same_key_with_another_body_is_409_and_changes_nothing(client, rt) -> None:
    _post(client, BODY)
    before = _counts(rt)
    r = _post(client, {**BODY, "amount": "80.00", "invoice_numbers": ["INV-2"]})
    assert r.status_code == 409, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "Idempotency-Key" in r.json()["detail"]
    assert _counts(rt) == before and _open(rt, "INV-2") == 8000


@pytest.mark.parametrize("change", [
    {"amount": "120.001"},  # more decimals than EUR has
    {"amount": "120.5", "currency": "JPY"},  # JPY has none
    {"currency": "XYZ"},  # not ISO 4217
    {"invoice_numbers": ["INV-404"]},  # unknown invoice
    {"customer_id": "NOBODY"},  # unknown customer
    {"amount": "0"},
    {"received_at": "2026-13-01"},
    {"amount": 120},  # money is a string
])
def test_bad_input_is_422_and_stores_nothing(client, rt, change: dict[str, Any]) -> None:
    before = _counts(rt)
    r = _post(client, {**BODY, **change})
    assert r.status_code == 422, r.text
    assert _counts(rt) == before
    # Nothing was stored under the key: it can be used for the right body.
    assert _post(client, BODY).status_code == 201


def test_key_required_and_scope(client) -> None:
    r = client.post("/api/v1/payments", json=BODY, headers=client.erp)
    assert r.status_code == 422
    r = client.post("/api/v1/payments", json=BODY, headers={**client.reader, "Idempotency-Key": "x"})
    assert r.status_code == 403


def test_later_bank_credit_with_the_reference_settles_it_and_applies_nothing(client, rt) -> None:
    p = _post(client, BODY).json()
    apps = _counts(rt)[3]
    bank = camt("053", [E("120.00", ref="PAYOUT-7", name="Card Acquirer BV", text=["payout card ch_123"],
                          date="2026-12-03")])
    r = client.post("/api/v1/bank-files", headers=client.review, files={"file": ("dec.xml", bank)})
    assert r.status_code == 201, r.text
    credit = next(i for i in client.get("/api/v1/payments", headers=client.reader).json()["items"]
                  if i["bank_reference"] == "PAYOUT-7")
    detail = client.get(f"/api/v1/payments/{credit['transaction_id']}", headers=client.reader).json()
    assert detail["match_status"] == "ignored" and detail["applications"] == []
    assert detail["settles_recorded"] == p["transaction_id"]
    assert f"settlement of payment #{p['transaction_id']}" in detail["explanation"]
    assert _counts(rt)[3] == apps and _open(rt, "INV-1") == 0
    again = client.get(f"/api/v1/payments/{p['transaction_id']}", headers=client.reader).json()
    assert again["recorded"]["settled_by"] == credit["transaction_id"]
    with transaction(rt.engine) as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)
                        .where(AuditEvent.action == "payment.recorded_settled")) == 1


def test_later_bank_credit_from_the_customer_settles_it_by_amount_and_window(client, rt) -> None:
    body = {**BODY, "reference": "cheque 000451"}
    p = _post(client, body).json()
    bank = camt("053", [
        E("120.00", ref="LATE", name="Contoso Ltd", account=IBAN, date="2026-12-30"),  # too late: matched as usual
        E("120.00", ref="DEP-1", name="Contoso Ltd", account=IBAN, text=["deposit"], date="2026-12-04"),
    ])
    assert client.post("/api/v1/bank-files", headers=client.review,
                       files={"file": ("dep.xml", bank)}).status_code == 201
    items = {i["bank_reference"]: i for i in client.get("/api/v1/payments", headers=client.reader).json()["items"]}
    assert items["DEP-1"]["match_status"] == "ignored"
    assert items["LATE"]["match_status"] != "ignored"
    with transaction(rt.engine) as s:
        assert s.scalar(select(RecordedPayment.settled_by)) == items["DEP-1"]["transaction_id"]
    assert p["match_status"] == "applied"


def test_concurrent_requests_with_one_key_record_one_payment(rt) -> None:  # type: ignore[no-untyped-def]
    if rt.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serializes writers: the race is PostgreSQL's")
    with transaction(rt.engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Contoso Ltd"))
        s.execute(insert(Invoice).values(number="INV-1", customer_id="C1", currency="EUR", amount_minor=12000,
                                         open_minor=12000, issue_date=date(2026, 11, 1)))
    body = PaymentIn(amount=D("120.00"), currency="EUR", customer_id="C1", invoice_numbers=("INV-1",),
                     reference="card ch_123", received_at=date(2026, 12, 1))
    other = PaymentIn(amount=D("80.00"), currency="EUR", customer_id="C1", invoice_numbers=("INV-1",),
                      reference=None, received_at=date(2026, 12, 1))
    gate = threading.Barrier(4)
    results: list[object] = []

    def one(payment: PaymentIn) -> None:
        gate.wait()
        try:
            with rt.unit_of_work() as s:
                results.append(record_payment(s, rt, "same-key", payment, actor="t", today=date(2026, 12, 1)))
        except Conflict as error:
            results.append(error)

    threads = [threading.Thread(target=one, args=(p,)) for p in (body, body, body, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    with transaction(rt.engine) as s:
        assert s.scalar(select(func.count()).select_from(RecordedPayment)) == 1
        assert s.scalar(select(func.count()).select_from(BankTransaction)) == 1
        assert s.scalar(select(func.count()).select_from(Application)) == 1
        winner = s.scalar(select(RecordedPayment.body_sha256))
    ids = {r[0] for r in results if isinstance(r, tuple)}
    assert len(ids) == 1 and len(results) == 4
    conflicts = [r for r in results if isinstance(r, Conflict)]
    # The odd body conflicts unless it was the one that won the race; then the three others do.
    assert len(conflicts) == (1 if winner == body.sha256() else 3)
    assert sum(1 for r in results if isinstance(r, tuple) and not r[1]) == 1


def test_two_recorded_payments_a_credit_could_settle_are_left_to_matching(client, rt) -> None:
    """Same customer, amount and window, no reference on the credit: a guess, so no settlement."""
    _post(client, {**BODY, "invoice_numbers": ["INV-1"], "reference": "cheque 1"}, key="a")
    _post(client, {**BODY, "invoice_numbers": [], "reference": "cheque 2"}, key="b")
    bank = camt("053", [E("120.00", ref="DEP-9", name="Contoso Ltd", account=IBAN, text=["deposit"],
                          date="2026-12-02")])
    assert client.post("/api/v1/bank-files", headers=client.review,
                       files={"file": ("dep9.xml", bank)}).status_code == 201
    items = {i["bank_reference"]: i for i in client.get("/api/v1/payments", headers=client.reader).json()["items"]}
    assert items["DEP-9"]["match_status"] != "ignored"
    with transaction(rt.engine) as s:
        assert s.scalars(select(RecordedPayment.settled_by)).all() == [None, None]
