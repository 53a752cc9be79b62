"""The response models (api/schemas/) say what the API answers, and only that.

AR systems generate their clients from the OpenAPI document, so the document must not drift
from the answers the views build: every JSON route documents its answer, and on a seeded book
(the demo invoice book and bank day, an ACH return and a notification of change, disputes,
late fees, plans, dunning, reminders) every route's real answer is validated against its
model strictly: each documented key present, no undocumented key, each value of the
declared JSON type (a string stays a string: amounts are never numbers), amounts plain
decimal text, dates and timestamps ISO 8601.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, get_args

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import text

from api import (
    advices,
    ar_metrics,
    audit_events,
    bank_checks,
    bank_files,
    customers,
    disputes,
    dunning,
    exceptions,
    fees,
    invoice_events,
    invoices,
    mandates,
    metrics,
    payments,
    plans,
    reports,
    users,
)
from api.schemas import Describes
from workflows.runtime import Runtime, fixtures_dir

ROUTERS = (
    advices, ar_metrics, audit_events, bank_checks, bank_files, customers, disputes, dunning, exceptions, fees,
    invoice_events, invoices, mandates, metrics, payments, plans, reports, users,
)
# Routes without a JSON body to describe.
NO_BODY = {("GET", "/metrics"), ("DELETE", "/api/v1/dunning/policies/{policy_id}")}
# What a route hands FastAPI: the view's data, serialised as it always was (not the model).
BUILT_AS = (dict[str, Any], list[dict[str, Any]], Any)
ACH = fixtures_dir() / "samples" / "ach"
ADVICE = fixtures_dir() / "samples" / "advice"


def _routes() -> dict[tuple[str, str], APIRoute]:
    found = {}
    for module in ROUTERS:
        for route in module.router.routes:
            assert isinstance(route, APIRoute)
            found.update({(method, route.path): route for method in route.methods})
    return found


ROUTES = _routes()


def _shape(route: APIRoute) -> Any:
    """The shape a route documents (answer() in api/schemas), or None."""
    described = [m for m in get_args(route.response_model)[1:] if isinstance(m, Describes)]
    return described[0].shape if described else None


def test_every_json_answer_is_documented_and_built_as_before() -> None:
    from core.settings import Settings
    from server.app import create_app
    from workflows.runtime import runtime

    spec = create_app(runtime(Settings(database_url="sqlite://"))).openapi()
    documented = {
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        if path.startswith("/api/") or path == "/metrics"
        for method in operations
    }
    # Every operation of the document is a route of ROUTERS (a new router: add it above).
    assert documented == {(m, p.replace(":path", "")) for m, p in ROUTES}
    for (method, path), route in ROUTES.items():
        if (method, path) in NO_BODY:
            assert _shape(route) is None
            continue
        assert _shape(route) is not None, f"{method} {path}: response_model=answer(Model)"
        assert get_args(route.response_model)[0] in BUILT_AS, (method, path)
        operation = spec["paths"][path.replace(":path", "")][method.lower()]
        answers = [r for code, r in operation["responses"].items() if code.startswith("2")]
        for answer in answers:
            schema = answer["content"]["application/json"]["schema"]
            assert "$ref" in schema or "$ref" in schema["items"], (method, path, schema)


@pytest.fixture
def client(rt: Runtime) -> Iterator[TestClient]:
    """An admin's client on a book with something in every table the API reads."""
    from ledger.db import transaction
    from ledger.repositories import api_keys
    from receivables.fee_job import run_fees
    from receivables.fees import FeePolicy
    from reconcile.invoice_import import import_book
    from reconcile.invoice_rows import parse_book
    from server.app import create_app
    from workflows.pipeline import ingest_path

    demo = fixtures_dir() / "demo"
    book = demo / "invoices.csv"
    with transaction(rt.engine) as session:
        import_book(session, parse_book(book.read_bytes(), book.name), file=book.name, actor="t")
    for path in [*sorted((demo / "bank").glob("*.xml")), ACH / "moov-return-WEB.ach"]:
        ingest_path(rt, path, source="test", actor="test")
    with transaction(rt.engine) as session:
        run_fees(
            session,
            policy=FeePolicy(mode="finance_charge", minimum=Decimal("5.00")),
            as_of=date(2027, 2, 1),
            actor="test",
        )
        key = api_keys.create(
            session, name="schemas", scopes=["admin"], secret=rt.settings.secret_key
        )
    with TestClient(create_app(rt), headers={"Authorization": f"Bearer {key}"}) as c:
        yield c


class Checker:
    """Calls routes by their template and validates each answer against the route's model."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.covered: set[tuple[str, str]] = set()

    def __call__(self, method: str, path: str, /, status: int | None = None, **kw: Any) -> Any:
        ids = {k: kw.pop(k) for k in list(kw) if k not in ("params", "json", "files", "headers")}
        url = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: str(ids[m.group(1)]), path)
        r = self.client.request(method, url, **kw)
        route = ROUTES[(method, path)]
        # `status`: one the route documents apart (default: the route's own).
        assert r.status_code == (status or route.status_code or 200), (r.status_code, r.text)
        # The model of this status, if the route documents one apart, else the route's.
        shape = route.responses.get(r.status_code, {}).get("model") or _shape(route)
        try:
            TypeAdapter(shape).validate_json(r.content, strict=True, extra="forbid")
        except ValidationError as error:
            pytest.fail(f"{method} {url} answers what {shape} does not say:\n{error}")
        self.covered.add((method, path))
        return r.json()


def test_every_answer_is_what_its_schema_says(client: TestClient, rt: Runtime) -> None:
    from ledger.db import transaction

    check = Checker(client)
    v1 = "/api/v1"
    # Bank files: a new one (201), the same bytes again (200), not a bank file (422), the list.
    cor = (ACH / "moov-cor-example.ach").read_bytes()
    check("POST", f"{v1}/bank-files", files={"file": ("cor.ach", cor)})
    check("POST", f"{v1}/bank-files", 200, files={"file": ("again.ach", cor)})
    check("POST", f"{v1}/bank-files", 422, files={"file": ("junk.txt", b"not a bank file")})
    for f in check("GET", f"{v1}/bank-files", params={"limit": 1000})["items"]:
        check("GET", f"{v1}/bank-files/{{file_id}}", file_id=f["id"])
    files_ = {f["status"]: f["id"] for f in check("GET", f"{v1}/bank-files", params={"limit": 1000})["items"]}
    check("POST", f"{v1}/bank-files/{{file_id}}/reprocess", 422, file_id=files_["rejected"])  # still junk
    check("POST", f"{v1}/bank-files/{{file_id}}/reprocess", 200, file_id=files_["parsed"])  # parsed: nothing to do

    # The AR system's writes: invoices, disputes, plans; the reviewers' dunning policies.
    row = {"invoice_number": "INV-API-1", "customer_id": "C-API", "customer_name": "Api AG",
           "currency": "EUR", "amount": "12.50", "issue_date": "2026-12-01"}
    check("POST", f"{v1}/invoices", json={"invoices": [row]})

    # The bank's data under review: a statement that does not add up, notifications of change.
    check("POST", f"{v1}/bank-files", files={"file": ("bad.xml", _unbalanced_statement())})
    (statement_check,) = check("GET", f"{v1}/statement-checks")["items"]
    check("POST", f"{v1}/statement-checks/{{check_id}}/close", check_id=statement_check["id"],
          json={"status": "resolved", "note": "fee booked next day"})
    check("POST", f"{v1}/bank-files", files={"file": ("c04.ach", _name_change())})
    first, second = check("GET", f"{v1}/change-proposals")["items"]
    check("POST", f"{v1}/change-proposals/{{proposal_id}}/apply", proposal_id=first["id"],
          json={"customer_id": "C-API"})
    check("POST", f"{v1}/change-proposals/{{proposal_id}}/reject", proposal_id=second["id"], json={"note": "no"})

    check("POST", f"{v1}/invoices", 422, json={"invoices": [{**row, "amount": "12.5.0"}]})
    open_ = check("GET", f"{v1}/invoices", params={"status": "open", "limit": 1000})["items"]
    by_customer: dict[tuple[str, str], list[str]] = {}
    for i in open_:
        by_customer.setdefault((i["customer_id"], i["currency"]), []).append(i["number"])
    (customer, _), numbers = next((k, v) for k, v in by_customer.items() if len(v) >= 2)
    first_due = (date.today() + timedelta(days=30)).isoformat()
    plan = check("POST", f"{v1}/payment-plans", json={
        "customer_id": customer, "invoice_numbers": numbers[:2], "instalments": 3,
        "first_due": first_due})
    other = check("POST", f"{v1}/payment-plans", json={
        "customer_id": "C-API", "invoice_numbers": ["INV-API-1"], "instalments": 2,
        "first_due": first_due})
    check("POST", f"{v1}/payment-plans/{{plan_id}}/cancel", plan_id=other["id"],
          json={"note": "renegotiated"})
    disputed = [i["number"] for i in open_ if i["number"] not in numbers[:2]][:2]
    for number in disputed:
        opened = check("POST", f"{v1}/disputes",
                       json={"invoice_number": number, "amount": "1.00", "reason_code": "pricing"})
    check("POST", f"{v1}/disputes/{{dispute_id}}/resolve", dispute_id=opened["dispute_id"],
          json={"resolution": "credit"})
    steps = [{"name": "nudge", "offset_days": 2, "channel": "email"},
             {"name": "ring", "offset_days": 10, "channel": "call"}]
    policy = check("POST", f"{v1}/dunning/policies",
                   json={"name": "large", "segment": "large", "steps": steps})
    check("PUT", f"{v1}/dunning/policies/{{policy_id}}", policy_id=policy["id"],
          json={"name": "large", "segment": "large", "steps": steps[:1]})
    check("PUT", f"{v1}/dunning/customers/{{customer_id}}", customer_id=customer,
          json={"policy": "large"})
    check("POST", f"{v1}/reminders/run", json={"as_of": "2027-01-20", "dry_run": True})
    check("POST", f"{v1}/reminders/run", json={"as_of": "2027-01-20"})  # no SMTP: e-mails fail
    queued = check("GET", f"{v1}/reminders", params={"status": "queued"})["items"]
    check("POST", f"{v1}/reminders/{{reminder_id}}/done", reminder_id=queued[0]["reminder_id"])
    unsent = [r for r in check("GET", f"{v1}/reminders", params={"limit": 1000})["items"]
              if r["status"] in ("failed", "undeliverable")]
    check("POST", f"{v1}/reminders/{{reminder_id}}/resend", reminder_id=unsent[0]["reminder_id"])
    check("POST", f"{v1}/customers/import", json=[
        {"customer_id": customer, "name": "Renamed", "email": "ap@renamed.test", "phone": "+1 555 0100",
         "accounts": ["DE89370400440532013000"]},
        {"customer_id": "NEW-1", "name": "New", "email": "", "parent_id": customer}])
    check("GET", f"{v1}/customers/{{customer_id}}", customer_id=customer)
    fee_items = check("GET", f"{v1}/fees", params={"limit": 1000})["items"]
    check("POST", f"{v1}/fees/{{fee_id}}/exported", fee_id=fee_items[0]["fee_id"])
    check("POST", f"{v1}/fees/{{fee_id}}/void", fee_id=fee_items[-1]["fee_id"],
          json={"reason": "waived"})

    # The review queue's actions.
    queue = check("GET", f"{v1}/exceptions")["items"]
    suggested = next(e for e in queue if e["candidates"] and e["candidates"][0]["allocations"])
    check("POST", f"{v1}/exceptions/{{transaction_id}}/accept",
          transaction_id=suggested["transaction_id"], json={"rank": 1})
    queue = [e for e in check("GET", f"{v1}/exceptions")["items"] if e["amount"]]
    check("POST", f"{v1}/exceptions/{{transaction_id}}/assign",
          transaction_id=queue[0]["transaction_id"], json={"assignee": "ann"})
    check("POST", f"{v1}/exceptions/{{transaction_id}}/dismiss",
          transaction_id=queue[1]["transaction_id"], json={"reason": "not ours"})
    target = next(i for i in open_ if i["currency"] == queue[2]["currency"])
    check("POST", f"{v1}/exceptions/{{transaction_id}}/apply",
          transaction_id=queue[2]["transaction_id"],
          json={"allocations": [{"invoice_number": target["number"], "amount": "0.01"}]})
    matched = check("GET", f"{v1}/payments", params={"status": "matched"})["items"]
    check("POST", f"{v1}/payments/{{transaction_id}}/unapply",
          transaction_id=matched[0]["transaction_id"], json={"reason": "wrong customer"})
    # A payment recorded outside the bank files (201), replayed (201), its key reused (409).
    recorded = {"amount": "1", "currency": open_[0]["currency"], "customer_id": open_[0]["customer_id"],
                "invoice_numbers": [open_[0]["number"]], "reference": "card ch_1", "received_at": "2026-12-01"}
    key = {"Idempotency-Key": "schemas-1"}
    first = check("POST", f"{v1}/payments", json=recorded, headers=key)
    assert check("POST", f"{v1}/payments", json=recorded, headers=key) == first
    check("POST", f"{v1}/payments", 409, json={**recorded, "amount": "2"}, headers=key)

    # The event feed, with a failed event redelivered.
    with transaction(rt.engine) as session:
        session.execute(text("UPDATE invoice_events SET delivery_status = 'failed' "
                             "WHERE id = (SELECT max(id) FROM invoice_events)"))
    events = check("GET", f"{v1}/invoice-events", params={"limit": 1000})["items"]
    check("POST", f"{v1}/invoice-events/{{event_row_id}}/redeliver", event_row_id=events[-1]["id"])
    for e in events:
        check("GET", f"{v1}/invoice-events/{{event_row_id}}", event_row_id=e["id"])

    # Remittance advices: the samples (no payment for them: waiting), and one naming a
    # payment in review (linked to it).
    for sample in ("acme-remittance.820", "payer-advice.csv"):
        check("POST", f"{v1}/bank-files", files={"file": (sample, (ADVICE / sample).read_bytes())})
    in_review = next(p for p in check("GET", f"{v1}/payments", params={"status": "review", "limit": 1000})["items"]
                     if p["amount"] and p["bank_reference"] and p["direction"] == "credit")
    check("POST", f"{v1}/bank-files", files={"file": ("advice.csv", (
        "payer,payment_reference,payment_amount,invoice_number,paid_amount,discount\n"
        f"Api AG,{in_review['bank_reference']},{in_review['amount']},INV-API-1,{in_review['amount']},\n").encode())})
    advices = check("GET", f"{v1}/advices", params={"limit": 1000})["items"]
    assert {a["status"] for a in advices} > {"waiting"}
    assert any(a["transaction_id"] == in_review["transaction_id"] for a in advices)
    for a in advices:
        check("GET", f"{v1}/advices/{{advice_id}}", advice_id=a["id"])
    check("GET", f"{v1}/advices", params={"status": "waiting,review", "q": "inv", "limit": 1})

    # Every read, over everything the book now holds.
    details = [check("GET", f"{v1}/payments/{{transaction_id}}", transaction_id=p["transaction_id"])
               for p in check("GET", f"{v1}/payments", params={"limit": 1000})["items"]]
    assert any(d["advices"] for d in details)
    assert any(d["return_info"] for d in details) and any(d["change_info"] for d in details)
    assert any(d["review"] for d in details) and any(d["applications"] for d in details)
    for e in check("GET", f"{v1}/exceptions", params={"limit": 1000})["items"]:
        check("GET", f"{v1}/exceptions/{{transaction_id}}", transaction_id=e["transaction_id"])
    check("GET", f"{v1}/applications")
    check("GET", f"{v1}/audit-events", params={"limit": 1000})
    _direct_debit(rt, open_[0]["number"])
    assert check("GET", f"{v1}/mandates", params={"customer_id": open_[0]["customer_id"]})["items"]
    invoice_rows = check("GET", f"{v1}/invoices", params={"limit": 1000})["items"]
    shown = [check("GET", f"{v1}/invoices/{{number:path}}", number=i["number"])
             for i in invoice_rows]
    assert all(any(s[k] for s in shown) for k in ("disputes", "fees", "plan", "reminders", "collections"))
    for d in check("GET", f"{v1}/disputes")["items"]:
        check("GET", f"{v1}/disputes/{{dispute_id}}", dispute_id=d["dispute_id"])
    for p in check("GET", f"{v1}/payment-plans")["items"]:
        check("GET", f"{v1}/payment-plans/{{plan_id}}", plan_id=p["id"])
    assert plan["status"] == "active"
    for p in check("GET", f"{v1}/dunning/policies")["items"]:
        check("GET", f"{v1}/dunning/policies/{{policy_id}}", policy_id=p["id"])
    for r in check("GET", f"{v1}/reminders", params={"limit": 1000})["items"]:
        check("GET", f"{v1}/reminders/{{reminder_id}}", reminder_id=r["reminder_id"])
    check("GET", f"{v1}/reminders/preview",
          params={"invoice_number": open_[0]["number"], "as_of": "2027-01-20"})
    for as_of in ("2026-11-30", "2027-01-31"):
        check("GET", f"{v1}/ar-metrics", params={"as_of": as_of})
        check("GET", f"{v1}/ar-metrics/aging", params={"as_of": as_of, "limit": 2})
    check("GET", f"{v1}/ar-metrics", params={"as_of": "2001-01-01"})  # an empty book: nulls
    for metric in ("dso", "cei", "match_rate", "review_backlog"):
        check("GET", f"{v1}/ar-metrics/trend",
              params={"metric": metric, "from": "2026-10-01", "to": "2027-01-31", "step": "week"})
    cash = check("GET", f"{v1}/reports/cash-application",
                 params={"since": "2020-01-01", "until": "2029-12-31"})
    assert cash["totals"]["payments"] and cash["by_customer"] and cash["amounts"]
    check("GET", f"{v1}/reports/cash-application", params={"until": "2001-01-01"})  # empty

    # People (remit users): one who signed in, one who never did and was disabled.
    from workflows import sign_in
    from workflows import users as people

    issued = people.create_user(rt, "ana@example.com", role="reviewer", actor="test")
    first = sign_in.open_person_session(rt.engine, "ana@example.com", issued.password,
                                        secret=rt.settings.secret_key, hours=1)
    assert first.ticket and sign_in.choose_password(
        rt.engine, first.ticket, "a password of ana's own", secret=rt.settings.secret_key, hours=1
    ).token
    people.create_user(rt, "bo@example.com", role="viewer", actor="test")
    people.disable_user(rt, "bo@example.com", actor="test")
    listed = check("GET", f"{v1}/users")["items"]
    assert [(u["email"], u["disabled_at"] is None) for u in listed] == [
        ("ana@example.com", True), ("bo@example.com", False)]
    assert listed[0]["last_sign_in_at"] and listed[1]["last_sign_in_at"] is None
    check("GET", f"{v1}/users", params={"assignable": "true", "limit": 1})

    assert check.covered == set(ROUTES) - NO_BODY


def _unbalanced_statement(n: int = 0) -> bytes:
    from core.records import Direction, Entry, Statement
    from iso20022.writer import write_camt053

    day = date(2026, 11, 2)
    entry = Entry(amount=Decimal("10.00"), currency="EUR", direction=Direction.CREDIT, booking_date=day,
                  value_date=day, bank_reference=f"CHK-{n}")
    return write_camt053([Statement(id=f"CHK-{n}", account="DE89370400440532013000", currency="EUR",
                                    opening_balance=Decimal("100.00"), closing_balance=Decimal("999.00"),
                                    from_date=day, to_date=day, entries=(entry,))])


def _direct_debit(rt: Runtime, number: str) -> None:
    """A mandate for the invoice's customer and a returned collection of the invoice."""
    from sqlalchemy import insert, select

    from ledger.db import transaction
    from ledger.models import Collection, Invoice, Mandate

    with transaction(rt.engine) as s:
        invoice = s.scalars(select(Invoice).where(Invoice.number == number)).one()
        mandate = s.execute(insert(Mandate).values(
            mandate_id="M-API", customer_id=invoice.customer_id, scheme="sepa", account="DE89370400440532013000",
            signed_on=date(2026, 1, 1), status="active").returning(Mandate.id)).scalar_one()
        s.execute(insert(Collection).values(
            invoice_id=invoice.id, mandate_id=mandate, scheme="sepa", end_to_end_id="RDD261201001SF-00001",
            batch_ref="RDD261201001SF", sequence="FRST", file_name="RDD261201001.pain008.xml",
            currency=invoice.currency, amount_minor=invoice.open_minor, collection_date=date(2026, 12, 1),
            status="returned", return_reason="AM04", return_detail="insufficient funds", actor="test"))


def _name_change(n: int = 1) -> bytes:
    from datetime import UTC, datetime

    from ingest.ach.writer import BatchSpec, ChangeSpec, EntrySpec, write_file

    entry = EntrySpec(transaction_code=21, routing="091000019", account="12345", amount_cents=0, name="Api AG",
                      trace=f"09100002{n:07d}", change=ChangeSpec(code="C04", corrected_data="API AKTIENGESELLSCHAFT",
                                        original_trace=f"09100001{n:07d}"))
    batch = BatchSpec(company_name="Remit", company_id="1234567890", odfi="09100001", sec="COR",
                      entry_description="NOC", entries=[entry], effective_date=date(2026, 11, 30))
    return write_file([batch], immediate_destination="091000019", immediate_origin="091000019",
                      creation=datetime(2026, 11, 30, tzinfo=UTC), file_id_modifier=chr(ord("A") + n % 26))
