"""The review queue over HTTP: list, apply across invoices, conflicts, dismiss, unapply."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from ledger.db import transaction
from ledger.models import AuditEvent, Customer, Invoice
from ledger.repositories import api_keys
from server.app import create_app
from tests.factories import E, camt


@pytest.fixture
def client(rt):  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Contoso Ltd"))
        for number, minor in (("INV-1", 60000), ("INV-2", 38000), ("INV-3", 50000)):
            s.execute(
                insert(Invoice).values(
                    number=number,
                    customer_id="C1",
                    currency="EUR",
                    amount_minor=minor,
                    open_minor=minor,
                    issue_date=date(2026, 11, 1),
                )
            )
        review = api_keys.create(s, name="reviewer", scopes=["treasury:review"])
        ar = api_keys.create(s, name="erp", scopes=["ar:read"])
    with TestClient(create_app(rt)) as c:
        c.headers_review = {"Authorization": f"Bearer {review}"}  # type: ignore[attr-defined]
        c.headers_ar = {"Authorization": f"Bearer {ar}"}  # type: ignore[attr-defined]
        yield c


def _upload(client, entries: list[E]) -> None:  # type: ignore[no-untyped-def]
    r = client.post(
        "/api/v1/bank-files",
        headers=client.headers_review,
        files={"file": ("s.xml", camt("053", entries))},
    )
    assert r.status_code == 201, r.text


def test_a_reviewer_applies_an_exception_across_two_invoices(client, rt) -> None:
    _upload(client, [E("980.00", ref="B1", name="Somebody", text=["see attached"])])
    page = client.get("/api/v1/exceptions", headers=client.headers_review).json()
    (item,) = page["items"]
    assert page["next"] is None and item["amount"] == "980.00" and item["reason"]
    tx = item["transaction_id"]
    body = {
        "allocations": [
            {"invoice_number": "INV-1", "amount": "600.00"},
            {"invoice_number": "INV-2", "amount": "380.00"},
        ],
        "note": "per phone call",
    }
    r = client.post(f"/api/v1/exceptions/{tx}/apply", headers=client.headers_review, json=body)
    assert r.status_code == 201, r.text
    assert r.json()["invoice_numbers"] == ["INV-1", "INV-2"]
    with transaction(rt.engine) as s:
        assert sorted(s.execute(select(Invoice.number, Invoice.status)).all()) == [
            ("INV-1", "paid"),
            ("INV-2", "paid"),
            ("INV-3", "open"),
        ]
        actors = s.scalars(
            select(AuditEvent.actor).where(AuditEvent.action == "application.created")
        ).all()
        assert actors == ["api-key:reviewer", "api-key:reviewer"]
    assert client.get("/api/v1/exceptions", headers=client.headers_review).json()["items"] == []
    apps = client.get(f"/api/v1/applications?transaction_id={tx}", headers=client.headers_ar).json()
    assert [(a["invoice_number"], a["applied_amount"], a["method"]) for a in apps] == [
        ("INV-1", "600.00", "manual"),
        ("INV-2", "380.00", "manual"),
    ]
    # unapply: the invoices reopen and the payment is back in the queue
    r = client.post(
        f"/api/v1/payments/{tx}/unapply",
        headers=client.headers_review,
        json={"reason": "wrong split"},
    )
    assert r.status_code == 200 and r.json()["reopened"] == ["INV-1", "INV-2"]
    (again,) = client.get("/api/v1/exceptions", headers=client.headers_review).json()["items"]
    assert again["reason"] == "manual_unapply"
    r = client.post(
        f"/api/v1/exceptions/{tx}/dismiss", headers=client.headers_review, json={"reason": "refund"}
    )
    assert r.status_code == 200


def test_conflicts_are_409_and_bad_amounts_422_never_500(client) -> None:
    _upload(client, [E("100.00", ref="B2", name="Somebody", text=["?"])])
    tx = client.get("/api/v1/exceptions", headers=client.headers_review).json()["items"][0][
        "transaction_id"
    ]
    over = {"allocations": [{"invoice_number": "INV-3", "amount": "100.01"}]}
    r = client.post(f"/api/v1/exceptions/{tx}/apply", headers=client.headers_review, json=over)
    assert r.status_code == 409 and "exceed" in r.json()["detail"]
    unknown = {"allocations": [{"invoice_number": "NOPE", "amount": "1.00"}]}
    assert (
        client.post(
            f"/api/v1/exceptions/{tx}/apply", headers=client.headers_review, json=unknown
        ).status_code
        == 409
    )
    as_float = {"allocations": [{"invoice_number": "INV-3", "amount": 10.5}]}
    assert (
        client.post(
            f"/api/v1/exceptions/{tx}/apply", headers=client.headers_review, json=as_float
        ).status_code
        == 422
    )
    negative = {"allocations": [{"invoice_number": "INV-3", "amount": "-1.00"}]}
    assert (
        client.post(
            f"/api/v1/exceptions/{tx}/apply", headers=client.headers_review, json=negative
        ).status_code
        == 422
    )
    assert (
        client.post(
            "/api/v1/exceptions/9999/dismiss", headers=client.headers_review, json={"reason": "x"}
        ).status_code
        == 404  # no such payment, as its GET says
    )
    # scopes: an AR system may read applications but not work the queue
    assert client.get("/api/v1/exceptions", headers=client.headers_ar).status_code == 403
    assert client.get("/api/v1/exceptions").status_code == 401


def _item(client, ref: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    items = client.get("/api/v1/exceptions", headers=client.headers_review).json()["items"]
    return next(i for i in items if i["bank_reference"] == ref)


def _invoice_state(rt) -> list[tuple[str, int, str]]:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        return sorted(s.execute(select(Invoice.number, Invoice.open_minor, Invoice.status)).all())


def test_list_filters_and_item_fields(client) -> None:
    _upload(
        client,
        [
            E("500.00", ref="S1", name="CONTOSO LIMTED"),
            E("100.00", ref="S2", name="Some Body", text=["?"]),
            E("42.50", ref="S3", name="Initech", text=["?"]),
        ],
    )
    page = client.get("/api/v1/exceptions", headers=client.headers_review).json()
    assert [i["bank_reference"] for i in page["items"]] == ["S1", "S2", "S3"]
    first = page["items"][0]
    assert (
        isinstance(first["version"], int) and first["assignee"] is None and first["age_days"] == 0
    )
    assert first["candidates"][0]["allocations"][0]["invoice_number"] == "INV-3"

    def refs(query: str) -> list[str]:
        r = client.get(f"/api/v1/exceptions?{query}", headers=client.headers_review)
        assert r.status_code == 200, r.text
        return [i["bank_reference"] for i in r.json()["items"]]

    assert refs("payer=body") == ["S2"]
    assert refs("amount_min=100") == ["S1", "S2"]
    assert refs("amount_max=100.00") == ["S2", "S3"]
    assert refs("amount_min=42.5&amount_max=42.50") == ["S3"]
    assert refs(f"reason={first['reason']}") == ["S1", "S2", "S3"]
    assert refs("reason=over_payment") == []
    one = client.get("/api/v1/exceptions?limit=2", headers=client.headers_review).json()
    assert len(one["items"]) == 2 and one["next"] == one["items"][-1]["review_id"]
    rest = client.get(
        f"/api/v1/exceptions?limit=2&after={one['next']}", headers=client.headers_review
    ).json()
    assert [i["bank_reference"] for i in rest["items"]] == ["S3"] and rest["next"] is None
    assert (
        client.get("/api/v1/exceptions?amount_min=ten", headers=client.headers_review).status_code
        == 422
    )


def test_detail_of_an_exception_is_the_payment_with_its_suggestions(client) -> None:
    _upload(client, [E("500.00", ref="S1", name="CONTOSO LIMTED")])
    tx = _item(client, "S1")["transaction_id"]
    r = client.get(f"/api/v1/exceptions/{tx}", headers=client.headers_review)
    assert r.status_code == 200
    d = r.json()
    assert r.headers["ETag"] == f'"{d["version"]}"'
    assert d["transaction_id"] == tx and d["status"] == "review" and d["review"]["status"] == "open"
    (suggestion,) = d["review"]["candidates"]
    assert (
        suggestion["invoice_numbers"] == ["INV-3"]
        and suggestion["allocations"][0]["applied"] == "500.00"
    )
    assert "INV-3" in d["explanation"]
    assert client.get("/api/v1/exceptions/424242", headers=client.headers_review).status_code == 404
    assert client.get(f"/api/v1/exceptions/{tx}", headers=client.headers_ar).status_code == 403


def test_accept_a_suggestion(client, rt) -> None:
    _upload(client, [E("500.00", ref="S1", name="CONTOSO LIMTED")])
    item = _item(client, "S1")
    tx = item["transaction_id"]
    url = f"/api/v1/exceptions/{tx}/accept"
    r = client.post(url, headers=client.headers_review, json={"rank": 2})
    assert r.status_code == 409 and "no number 2" in r.json()["detail"]
    r = client.post(
        url, headers=client.headers_review, json={"rank": 1, "version": item["version"]}
    )
    assert r.status_code == 201, r.text
    assert r.json()["invoice_numbers"] == ["INV-3"] and r.json()["version"] > item["version"]
    assert ("INV-3", 0, "paid") in _invoice_state(rt)
    d = client.get(f"/api/v1/exceptions/{tx}", headers=client.headers_review).json()
    assert d["status"] == "matched" and d["review"]["status"] == "resolved"
    (app,) = d["applications"]
    assert app["method"] == "manual" and app["actor"] == "api-key:reviewer"
    assert any("accepted suggestion 1" in reason for reason in app["reasons"])
    assert client.get("/api/v1/exceptions", headers=client.headers_review).json()["items"] == []
    # nothing left to accept
    assert client.post(url, headers=client.headers_review, json={"rank": 1}).status_code == 409


def test_a_stale_version_is_409_and_changes_nothing(client, rt) -> None:
    _upload(client, [E("500.00", ref="S1", name="CONTOSO LIMTED")])
    item = _item(client, "S1")
    tx, seen = item["transaction_id"], item["version"]
    # someone else acts first (another path: the service, as the CLI would)
    from reconcile import manual

    with transaction(rt.engine) as s:
        manual.assign(s, transaction_id=tx, assignee="bob", actor="cli:bob")
    before = _invoice_state(rt)
    body = {"allocations": [{"invoice_number": "INV-3", "amount": "500.00"}], "version": seen}
    r = client.post(f"/api/v1/exceptions/{tx}/apply", headers=client.headers_review, json=body)
    assert r.status_code == 409 and "changed since you loaded it" in r.json()["detail"]
    stale = {"If-Match": f'"{seen}"', **client.headers_review}
    for path, payload in (
        ("accept", {"rank": 1}),
        ("dismiss", {"reason": "x"}),
        ("assign", {"assignee": "me"}),
    ):
        r = client.post(f"/api/v1/exceptions/{tx}/{path}", headers=stale, json=payload)
        assert r.status_code == 409 and "changed" in r.json()["detail"], path
    assert _invoice_state(rt) == before
    now = _item(client, "S1")
    assert now["assignee"] == "bob" and now["version"] == seen + 1
    # body and header must agree; a malformed If-Match is bad input
    both = {"If-Match": f'"{now["version"]}"', **client.headers_review}
    assert (
        client.post(
            f"/api/v1/exceptions/{tx}/accept", headers=both, json={"rank": 1, "version": seen}
        ).status_code
        == 422
    )
    bad = {"If-Match": "soon", **client.headers_review}
    assert (
        client.post(f"/api/v1/exceptions/{tx}/accept", headers=bad, json={"rank": 1}).status_code
        == 422
    )
    # the current version goes through
    r = client.post(
        f"/api/v1/exceptions/{tx}/apply",
        headers=both,
        json={k: v for k, v in body.items() if k != "version"},
    )
    assert r.status_code == 201, r.text
    # unapply with the version from before the apply: refused, the application stays
    r = client.post(
        f"/api/v1/payments/{tx}/unapply",
        headers=client.headers_review,
        json={"reason": "oops", "version": now["version"]},
    )
    assert r.status_code == 409
    assert ("INV-3", 0, "paid") in _invoice_state(rt)
    current = client.get(f"/api/v1/exceptions/{tx}", headers=client.headers_review).json()[
        "version"
    ]
    r = client.post(
        f"/api/v1/payments/{tx}/unapply",
        headers=client.headers_review,
        json={"reason": "oops", "version": current},
    )
    assert r.status_code == 200 and r.json()["reopened"] == ["INV-3"]


def test_assign_and_reassign(client, rt) -> None:
    _upload(
        client,
        [
            E("100.00", ref="S1", name="Some Body", text=["?"]),
            E("200.00", ref="S2", name="Other Body", text=["?"]),
        ],
    )
    item = _item(client, "S1")
    tx = item["transaction_id"]
    url = f"/api/v1/exceptions/{tx}/assign"
    r = client.post(
        url, headers=client.headers_review, json={"assignee": "alice", "version": item["version"]}
    )
    assert r.status_code == 200, r.text
    assert r.json()["assignee"] == "alice" and r.json()["version"] == item["version"] + 1
    assert [
        i["bank_reference"]
        for i in client.get(
            "/api/v1/exceptions?assignee=alice", headers=client.headers_review
        ).json()["items"]
    ] == ["S1"]
    r = client.post(url, headers=client.headers_review, json={"assignee": "carol"})
    assert r.status_code == 200 and _item(client, "S1")["assignee"] == "carol"
    r = client.post(url, headers=client.headers_review, json={"assignee": None})
    assert r.status_code == 200 and _item(client, "S1")["assignee"] is None
    with transaction(rt.engine) as s:
        events = s.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "review_item.assigned")
            .order_by(AuditEvent.id)
        ).all()
        assert [(e.before["assignee"], e.after["assignee"], e.actor) for e in events] == [
            (None, "alice", "api-key:reviewer"),
            ("alice", "carol", "api-key:reviewer"),
            ("carol", None, "api-key:reviewer"),
        ]
    assert (
        client.post(
            "/api/v1/exceptions/999999/assign",
            headers=client.headers_review,
            json={"assignee": "x"},
        ).status_code
        == 404
    )
    long_name = {"assignee": "x" * 129}
    assert client.post(url, headers=client.headers_review, json=long_name).status_code == 422


def test_write_offs_need_a_reason_and_amounts_fit_the_currency(client, rt) -> None:
    _upload(client, [E("590.00", ref="S1", name="Some Body", text=["?"])])
    tx = _item(client, "S1")["transaction_id"]
    url = f"/api/v1/exceptions/{tx}/apply"
    no_reason = {
        "allocations": [{"invoice_number": "INV-1", "amount": "590.00", "write_off": "10.00"}]
    }
    r = client.post(url, headers=client.headers_review, json=no_reason)
    assert r.status_code == 422 and "write_off_reason" in r.text
    for bad in ("10.001", "1e2", "+5", "", " ", "0"):
        body = {"allocations": [{"invoice_number": "INV-1", "amount": bad}]}
        assert client.post(url, headers=client.headers_review, json=body).status_code == 422, bad
    assert _invoice_state(rt) == [
        ("INV-1", 60000, "open"),
        ("INV-2", 38000, "open"),
        ("INV-3", 50000, "open"),
    ]
    ok = {
        "allocations": [
            {
                "invoice_number": "INV-1",
                "amount": "590.00",
                "write_off": "10.00",
                "write_off_reason": "bank_charges",
            }
        ]
    }
    assert client.post(url, headers=client.headers_review, json=ok).status_code == 201
    (app,) = client.get(
        f"/api/v1/applications?transaction_id={tx}", headers=client.headers_ar
    ).json()
    assert (app["write_off_amount"], app["write_off_reason"]) == ("10.00", "bank_charges")


def test_business_conflicts_are_409(client, rt) -> None:
    with transaction(rt.engine) as s:
        s.execute(
            insert(Invoice).values(
                number="INV-USD",
                customer_id="C1",
                currency="USD",
                amount_minor=10000,
                open_minor=10000,
                issue_date=date(2026, 11, 1),
            )
        )
        s.execute(
            insert(Invoice).values(
                number="INV-PAID",
                customer_id="C1",
                currency="EUR",
                amount_minor=10000,
                open_minor=0,
                status="paid",
                issue_date=date(2026, 11, 1),
            )
        )
    _upload(client, [E("100.00", ref="S1", name="Some Body", text=["?"])])
    tx = _item(client, "S1")["transaction_id"]
    url = f"/api/v1/exceptions/{tx}/apply"
    for number, words in (
        ("INV-USD", "is in USD"),
        ("INV-PAID", "exceeds its open amount"),
        ("INV-404", "unknown invoice"),
    ):
        body = {"allocations": [{"invoice_number": number, "amount": "100.00"}]}
        r = client.post(url, headers=client.headers_review, json=body)
        assert r.status_code == 409 and words in r.json()["detail"], (number, r.text)
    over = {
        "allocations": [
            {"invoice_number": "INV-1", "amount": "60.00"},
            {"invoice_number": "INV-2", "amount": "40.01"},
        ]
    }
    r = client.post(url, headers=client.headers_review, json=over)
    assert r.status_code == 409 and "would exceed its amount" in r.json()["detail"]
    assert _item(client, "S1")["transaction_id"] == tx  # still in the queue


def test_only_booked_credits_settle_invoices(client, rt) -> None:
    _upload(client, [E("100.00", ref="OUT-1", direction="DBIT", name="Supplier", text=["INV-3"]),
                     E("100.00", ref="PEND-1", status="PDNG", name="Contoso Ltd", text=["INV-3"])])
    payments = client.get("/api/v1/payments", headers=client.headers_ar).json()["items"]
    by_ref = {p["bank_reference"]: p["transaction_id"] for p in payments}
    body = {"allocations": [{"invoice_number": "INV-3", "amount": "100.00"}]}
    for ref, says in (("OUT-1", "debit"), ("PEND-1", "not booked")):
        r = client.post(f"/api/v1/exceptions/{by_ref[ref]}/apply", headers=client.headers_review,
                        json=body)
        assert r.status_code == 409 and says in r.json()["detail"], (ref, r.text)
    with transaction(rt.engine) as s:
        assert s.scalars(select(Invoice.status).where(Invoice.number == "INV-3")).one() == "open"


def test_an_invoice_named_twice_in_one_apply_is_422_and_nothing_is_applied(client, rt) -> None:
    _upload(client, [E("30.00", ref="D1", name="Somebody", text=["see attached"])])
    (item,) = client.get("/api/v1/exceptions", headers=client.headers_review).json()["items"]
    body = {"allocations": [{"invoice_number": "INV-1", "amount": "10.00"},
                            {"invoice_number": "INV-2", "amount": "5.00"},
                            {"invoice_number": "INV-1", "amount": "20.00"}]}
    r = client.post(f"/api/v1/exceptions/{item['transaction_id']}/apply",
                    headers=client.headers_review, json=body)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    (problem,) = r.json()["detail"]
    assert "invoice INV-1 appears in more than one allocation" in problem["msg"]
    assert "INV-2" not in problem["msg"]
    with transaction(rt.engine) as s:
        assert set(s.scalars(select(Invoice.status))) == {"open"}
    assert len(client.get("/api/v1/exceptions", headers=client.headers_review).json()["items"]) == 1


def test_the_queue_is_the_ar_queue_and_the_rest_is_asked_for(client, rt, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.reconcile.test_queues import _ingest

    _ingest(rt, tmp_path)
    h = client.headers_review
    ar = client.get("/api/v1/exceptions", headers=h).json()["items"]
    other = client.get("/api/v1/exceptions", params={"kind": "other"}, headers=h).json()["items"]
    every = client.get("/api/v1/exceptions", params={"kind": "all"}, headers=h).json()["items"]
    assert ar and all(x["kind"] == "receivable" for x in ar)
    assert sorted(x["reason"] for x in other) == ["no_amount", "no_amount", "returned_payment"]
    assert all(x["kind"] == "other" and x["kind_note"] for x in other)
    assert len(every) == len(ar) + len(other)
    assert client.get("/api/v1/exceptions", params={"kind": "debits"}, headers=h).status_code == 422
