"""The workbench's queue without a browser: filters in the URL, sorting, totals per currency,
bulk dismiss / assign (each item audited, failures reported per item), the linked pages
(customer, bank file, payment, payments), the unapplied filters (API and UI) and the error
pages. SQLite and PostgreSQL (the `rt` fixture)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ledger.db import transaction
from ledger.models import AuditEvent, ReviewItem
from reconcile import manual
from server.app import create_app
from tests.factories import E, camt
from tests.ui.test_ui_routes import ROW_AMOUNT, _field, _seed, _sign_in

OTHER_ACCOUNT = "GB29NWBK60161331926819"


@pytest.fixture
def keys(rt) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return _seed(rt)


@pytest.fixture
def client(rt, keys):  # type: ignore[no-untyped-def]
    with TestClient(create_app(rt)) as c:
        yield c


def _upload(client: TestClient, key: str, entries: list[E], name: str, **kw: Any) -> int:
    r = client.post("/api/v1/bank-files", headers={"Authorization": f"Bearer {key}"},
                    files={"file": (name, camt("053", entries, stmt_id=name, **kw))})
    assert r.status_code == 201, r.text
    return int(r.json()["file_id"])


@pytest.fixture
def queue(client, keys) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Five unmatched payments: three EUR on the main account, two USD on another."""
    eur = _upload(client, keys["review"], [
        E("1200.00", ref="A1", name="Alpha GmbH", text=["?"], date="2026-11-02"),
        E("35.50", ref="A2", name="Beta SA", text=["?"], date="2026-11-05"),
        E("980.00", ref="A3", name="Gamma Ltd", text=["?"], date="2026-11-09"),
    ], "eur.xml")
    usd = _upload(client, keys["review"], [
        E("2500.00", ref="U1", name="Delta Inc", text=["?"], ccy="USD", date="2026-11-03"),
        E("10.00", ref="U2", name="Echo LLC", text=["?"], ccy="USD", date="2026-11-07"),
    ], "usd.xml", account=OTHER_ACCOUNT)
    _sign_in(client, keys["review"])
    page = client.get("/exceptions")
    ids = {m[1]: int(m[0]) for m in re.findall(r'href="/exceptions/(\d+)">([^<]+)</a>', page.text)}
    assert len(ids) == 5, ids
    return {"ids": ids, "eur_file": eur, "usd_file": usd, "csrf": _field(page.text, "csrf_token")}


def _amounts(html: str) -> list[str]:
    return re.findall(r"data-amount>([\d,]+\.\d\d) (?:EUR|USD)", html)


def test_filters_are_in_the_url_and_totals_are_per_currency(client, queue) -> None:
    page = client.get("/exceptions").text
    total = r'data-total="{}"><strong>(\d+)</strong>.*?<span class="amount">([^<]+)</span>'
    eur = re.search(total.format("EUR"), page, re.S)
    usd = re.search(total.format("USD"), page, re.S)
    assert eur and eur.groups() == ("3", "2,215.50 EUR")
    assert usd and usd.groups() == ("2", "2,510.00 USD")

    only_usd = client.get("/exceptions", params={"currency": "usd"}).text
    assert _amounts(only_usd) == ["2,500.00", "10.00"] and 'data-total="EUR"' not in only_usd
    ranged = client.get("/exceptions", params={"amount_min": "30", "amount_max": "1,000"}).text
    assert _amounts(ranged) == ["35.50", "980.00"]
    dated = client.get("/exceptions", params={"date_from": "2026-11-03", "date_to": "2026-11-07"})
    assert _amounts(dated.text) == ["35.50", "2,500.00", "10.00"]
    by_account = client.get("/exceptions", params={"account": OTHER_ACCOUNT[-6:]}).text
    assert _amounts(by_account) == ["2,500.00", "10.00"]
    assert "is not a date" in client.get("/exceptions", params={"date_from": "11/03"}).text


def test_sorting_by_amount_date_and_age(client, queue) -> None:
    assert _amounts(client.get("/exceptions", params={"sort": "-amount"}).text) == [
        "2,500.00", "1,200.00", "980.00", "35.50", "10.00"]
    assert _amounts(client.get("/exceptions", params={"sort": "date"}).text) == [
        "1,200.00", "2,500.00", "35.50", "10.00", "980.00"]
    assert _amounts(client.get("/exceptions", params={"sort": "-age"}).text) == [
        "10.00", "2,500.00", "980.00", "35.50", "1,200.00"]
    # Sorted pages go on by offset, with the same filters and order.
    first = client.get("/exceptions", params={"sort": "amount", "limit": 2}).text
    assert _amounts(first) == ["10.00", "35.50"]
    nxt = re.search(r'href="([^"]+)" rel="next"', first)
    assert nxt and "sort=amount" in nxt.group(1)
    assert _amounts(client.get(nxt.group(1).replace("&amp;", "&")).text) == ["980.00", "1,200.00"]
    assert client.get("/exceptions", params={"sort": "payer"}).status_code == 422


def test_bulk_dismiss_audits_each_item_and_reports_one_resolved_by_someone_else(
    client, rt, queue, keys
) -> None:
    ids = queue["ids"]
    taken = ids["Beta SA"]
    with transaction(rt.engine) as s:  # someone else dismissed it meanwhile
        manual.dismiss(s, transaction_id=taken, actor="alice", reason="refund")
    picked = [ids["Alpha GmbH"], taken, ids["Delta Inc"]]
    r = client.post("/exceptions/bulk", data={
        "csrf_token": queue["csrf"], "action": "dismiss", "reason": "internal transfer",
        "tx": [str(t) for t in picked], "back": "/exceptions?currency=EUR"})
    assert r.status_code == 200
    assert "Dismissed 2 of 3." in r.text
    outcomes = re.findall(r'data-outcome="(\w+)" data-tx="(\d+)"', r.text)
    assert sorted(outcomes, key=lambda o: int(o[1])) == sorted(
        [("ok", str(ids["Alpha GmbH"])), ("failed", str(taken)), ("ok", str(ids["Delta Inc"]))],
        key=lambda o: int(o[1]))
    assert "already dismissed by alice" in r.text
    assert 'href="/exceptions?currency=EUR" data-back' in r.text
    with transaction(rt.engine) as s:
        statuses = dict(s.execute(select(ReviewItem.transaction_id, ReviewItem.status)).all())
        events = s.execute(select(AuditEvent.actor, AuditEvent.action, AuditEvent.after)
                           .where(AuditEvent.action == "review_item.dismissed")).all()
    assert statuses[ids["Alpha GmbH"]] == statuses[ids["Delta Inc"]] == "dismissed"
    assert statuses[ids["Gamma Ltd"]] == "open"
    mine = [e for e in events if e.actor.startswith("api-key:reviewer")]
    assert len(mine) == 2  # one audited change per item, naming who
    assert all((e.after or {}).get("resolution") == "internal transfer" for e in mine)
    # Nothing selected, or no reason: refused, nothing changed.
    assert client.post("/exceptions/bulk", data={"csrf_token": queue["csrf"], "action": "dismiss",
                                                 "reason": "x"}).status_code == 422
    nothing = client.post("/exceptions/bulk", data={
        "csrf_token": queue["csrf"], "action": "dismiss", "tx": [str(ids["Gamma Ltd"])]})
    assert nothing.status_code == 422 and "reason" in nothing.text


def test_bulk_assign_to_me_and_a_stale_item_is_refused(client, rt, queue) -> None:
    ids = queue["ids"]
    page = client.get("/exceptions").text
    versions = dict(re.findall(r'name="v(\d+)" value="(\d+)"', page))
    moved = ids["Echo LLC"]
    with transaction(rt.engine) as s:  # changed after the reviewer loaded the queue
        manual.assign(s, transaction_id=moved, assignee="bob", actor="bob")
    picked = [ids["Gamma Ltd"], ids["Echo LLC"]]
    data: dict[str, Any] = {"csrf_token": queue["csrf"], "action": "assign", "assignee": "me",
                            "tx": [str(t) for t in picked]}
    data.update({f"v{t}": versions[str(t)] for t in picked})
    r = client.post("/exceptions/bulk", data=data)
    assert "Assigned 1 of 2." in r.text and "changed since you loaded the queue" in r.text
    mine = client.get("/exceptions", params={"assignee": "me"}).text
    assert _amounts(mine) == ["980.00"]
    assert _amounts(client.get("/exceptions", params={"assignee": "bob"}).text) == ["10.00"]
    assert len(_amounts(client.get("/exceptions", params={"assignee": "-"}).text)) == 3
    with transaction(rt.engine) as s:
        actors = s.scalars(select(AuditEvent.actor)
                           .where(AuditEvent.action == "review_item.assigned")).all()
    assert sorted(a.split("#")[0] for a in actors) == ["api-key:reviewer", "bob"]


def test_customer_file_payment_and_payments_pages_link_each_other(client, rt, queue) -> None:
    ids = queue["ids"]
    tx = ids["Gamma Ltd"]
    payment = client.get(f"/payments/{tx}").text
    assert "980.00 EUR from Gamma Ltd" in payment
    assert re.search(r"data-unapplied>980.00 EUR<", payment)
    assert f'href="/files/{queue["eur_file"]}"' in payment
    # The apply form's invoice search: by number, customer or amount, with the open amount.
    found = client.get(f"/payments/{tx}", params={"find": "Contoso"}).text
    assert found.count("data-use-invoice") == 3 and "600.00 EUR" in found
    by_amount = client.get(f"/exceptions/{tx}", params={"find": "380"}).text
    assert re.findall(r'data-number="([^"]+)"', by_amount) == ["INV-2"]
    r = client.post(f"/exceptions/{tx}/apply", data={
        "csrf_token": queue["csrf"], "version": _field(payment, "version"),
        "invoice_number": "INV-2", "amount": "380.00"}, follow_redirects=True)
    assert "Applied to INV-2" in r.text
    assert re.search(r"data-unapplied>600.00 EUR<", r.text)
    assert 'href="/customers/C1"' in r.text

    customer = client.get("/customers/C1").text
    assert "Contoso Ltd" in customer and 'href="/invoices/INV-1"' in customer
    assert "1,100.00 EUR" in customer  # open: 600.00 + 500.00
    assert f'href="/payments/{tx}"' in customer
    assert "Gamma Ltd" in customer and "learned" in customer  # the payer's name, learned

    assert f'href="/files/{queue["eur_file"]}"' in client.get("/").text  # today's files
    bank_file = client.get(f"/files/{queue['eur_file']}").text
    assert "Statement checks" in bank_file and f'href="/payments/{tx}"' in bank_file
    assert bank_file.count("data-row") == 3

    unapplied = client.get("/payments", params={"has_unapplied": "true",
                                                "min_unapplied": "600"}).text
    assert re.findall(r"data-amount>([^<]+)<", unapplied) == ["1,200.00 EUR", "980.00 EUR",
                                                              "2,500.00 USD"]
    assert client.get("/customers/NOPE").status_code == 404


def test_statement_checks_are_shown_apart_from_other_warnings(client, rt, queue) -> None:
    from ledger.models import BankFile

    with transaction(rt.engine) as s:
        f = s.get(BankFile, queue["usd_file"])
        f.warnings = ["statement integrity: S2: opening balance 10.00 is not the closing balance",
                      "line 3: unknown code kept"]
    page = client.get(f"/files/{queue['usd_file']}").text
    checks = re.search(r"<ul class=\"warning-list\" data-statement-checks>(.*?)</ul>", page, re.S)
    warnings = re.search(r"<ul class=\"warning-list\" data-warnings>(.*?)</ul>", page, re.S)
    assert checks and "S2: opening balance 10.00" in checks.group(1)
    assert "statement integrity:" not in checks.group(1)
    assert warnings and "unknown code kept" in warnings.group(1)


def test_api_lists_filter_by_unapplied(client, queue, keys) -> None:
    auth = {"Authorization": f"Bearer {keys['review']}"}
    r = client.get("/api/v1/exceptions", params={"min_unapplied": "1000"}, headers=auth)
    assert r.status_code == 200
    items = r.json()["items"]
    assert sorted(i["unapplied_amount"] for i in items) == ["1200.00", "2500.00"]
    ar = {"Authorization": f"Bearer {keys['ar']}"}
    r = client.get("/api/v1/payments", params={"has_unapplied": "false"}, headers=ar)
    assert r.status_code == 200 and r.json()["items"] == []  # nothing applied yet
    r = client.get("/api/v1/payments", params={"has_unapplied": "true", "min_unapplied": "980"},
                   headers=ar)
    assert [p["unapplied_amount"] for p in r.json()["items"]] == ["1200.00", "980.00", "2500.00"]
    r = client.get("/api/v1/payments", params={"min_unapplied": "x"}, headers=ar)
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")


def test_the_workbench_answers_errors_with_pages_that_keep_the_message(client, queue) -> None:
    r = client.get("/no/such/page")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "There is no page at /no/such/page." in r.text
    r = client.get("/exceptions", params={"limit": "5000"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
    assert "limit: Input should be less than or equal to 200" in r.text
    r = client.get("/payments/99999")
    assert r.status_code == 404 and "There is no payment #99999." in r.text
    r = client.put("/payments")
    assert r.status_code == 405 and r.headers["allow"] == "GET"
    assert r.headers["content-type"].startswith("text/html") and "Method Not Allowed" in r.text
    # The API keeps answering problems.
    r = client.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.json()["status"] == 404


def test_amounts_sort_by_value_across_currencies(client, keys) -> None:
    # 500 JPY is 500 minor units, 10.00 EUR is 1000: by value the yen come last.
    _upload(client, keys["review"], [E("10.00", ref="S1", name="Euro AG", text=["?"])], "e.xml")
    _upload(client, keys["review"], [E("500", ref="S2", name="Yen KK", text=["?"], ccy="JPY")],
            "j.xml", account=OTHER_ACCOUNT)
    _sign_in(client, keys["review"])
    page = client.get("/exceptions", params={"sort": "amount"}).text
    assert re.findall(r"data-amount>([^<]+)<", page) == ["10.00 EUR", "500 JPY"]
    totals = re.findall(r'data-total="(\w+)"><strong>(\d+)</strong>', page)
    assert totals == [("EUR", "1"), ("JPY", "1")]


def test_one_payment_is_assigned_to_a_person_from_its_page(client, rt, queue) -> None:
    tx = queue["ids"]["Alpha GmbH"]
    page = client.get(f"/payments/{tx}").text
    r = client.post(f"/exceptions/{tx}/assign", data={
        "csrf_token": queue["csrf"], "version": _field(page, "version"), "assignee": "Dana Cruz"},
        follow_redirects=True)
    assert "Assigned to Dana Cruz." in r.text and "data-assignee>Dana Cruz<" in r.text
    # The version the page showed is now stale: a second assign from it is refused.
    stale = client.post(f"/exceptions/{tx}/assign", data={
        "csrf_token": queue["csrf"], "version": _field(page, "version"), "assignee": "me"},
        follow_redirects=True)
    assert "changed since you opened it" in stale.text
    with transaction(rt.engine) as s:
        item = s.scalars(select(ReviewItem).where(ReviewItem.transaction_id == tx)).one()
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "review_item.assigned")
                          ).one()
    assert item.assignee == "Dana Cruz"
    assert event.actor.startswith("api-key:reviewer") and event.after["assignee"] == "Dana Cruz"


def test_tracked_statement_checks_show_both_figures_and_their_status(client, rt, queue) -> None:
    from ledger.models import StatementCheck

    with transaction(rt.engine) as s:
        s.add(StatementCheck(file_id=queue["usd_file"], kind="balance", currency="USD",
                             message="statement integrity: S9: booked entries do not add up",
                             expected="12500.00", found="12490.00", account=OTHER_ACCOUNT))
        s.add(StatementCheck(file_id=queue["usd_file"], kind="sequence", message="gap",
                             expected="7", found="9", status="resolved", resolution="got 8",
                             actor="alice"))
    page = client.get(f"/files/{queue['usd_file']}").text
    rows = re.findall(r'<tr data-check="(\w+)">(.*?)</tr>', page, re.S)
    assert [status for status, _ in rows] == ["open", "resolved"]
    assert "12,500.00 USD" in rows[0][1] and "12,490.00 USD" in rows[0][1]
    assert "S9: booked entries do not add up" in rows[0][1]
    assert ">7<" in rows[1][1].replace("\n", "").replace(" ", "") and "got 8 (alice)" in rows[1][1]


def test_the_people_who_can_review_are_offered_to_assign_to(client, rt, queue) -> None:
    from workflows import users as people

    people.create_user(rt, "ana@example.com", role="reviewer", actor="test")
    people.create_user(rt, "vic@example.com", role="viewer", actor="test")  # cannot review: not offered
    for page in (client.get("/exceptions").text, client.get(f"/exceptions/{queue['ids']['Echo LLC']}").text):
        offered = re.findall(r'<datalist id="people">(.*?)</datalist>', page, flags=re.S)
        assert offered and '<option value="user:ana@example.com">' in offered[0]
        assert "vic@example.com" not in offered[0]
