"""Input is validated at the boundary: text too long for its column, NUL (which PostgreSQL
cannot store), control characters, unpaired surrogates and non-ASCII digits are a 4xx, never
a 500 — on PostgreSQL, which enforces VARCHAR lengths, as on SQLite, which does not.

The sweep is systematic rather than a list of remembered cases: every string field of every
JSON request body and every string query or path parameter of the OpenAPI description gets
each edge value (its longest allowed text in two-byte characters, one character more, NUL, a
control character, an unpaired surrogate) on top of a request that is otherwise valid and
reaches the database (a payment in review, an open invoice, an existing policy ...).
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from ledger.db import transaction
from ledger.models import (
    ApiKey,
    AuditEvent,
    BankFile,
    BankTransaction,
    Customer,
    CustomerAlias,
    DunningPolicy,
    Invoice,
    PaymentPlan,
)
from ledger.repositories import api_keys
from server.app import create_app
from tests.factories import E, camt
from web.paging import column_length
from workflows.runtime import Runtime

SPARE = 40  # review payments and spare invoices: each consuming request takes fresh ones
LONG = "é"  # two bytes in UTF-8: lengths are counted in characters, as the columns are


def _edges(max_length: int | None, pattern: str | None = None) -> Iterator[tuple[str, str]]:
    if max_length is not None:
        # The longest text the field takes (two-byte characters where its pattern allows).
        fits = [c * max_length for c in (LONG, "a") if re.fullmatch(pattern or ".*", c * max_length)]
        if fits:
            yield "longest", fits[0]
            yield "one too long", fits[0] + fits[0][0]
    yield "nul", "a\x00b"
    yield "control", "a\x01\x1fb"
    yield "surrogate", "a\ud800b"


class World:
    """A seeded book and fresh targets for requests that use theirs up."""

    def __init__(self, rt: Runtime, client: TestClient) -> None:
        self.rt, self.client = rt, client
        with transaction(rt.engine) as s:
            s.execute(insert(Customer).values(id="C1", name="Contoso Ltd"))
            for n in range(SPARE * 3):
                s.execute(insert(Invoice).values(
                    number=f"SP-{n}", customer_id="C1", currency="EUR", amount_minor=100000,
                    open_minor=100000, issue_date=date(2026, 11, 1), due_date=date(2026, 12, 1)))
            key = api_keys.create(s, name="admin", scopes=["admin"], secret=rt.settings.secret_key)
        self.headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        entries = [E("1.00", ref=f"R{n}", name="Somebody", text=["?"]) for n in range(SPARE * 2)]
        r = client.post("/api/v1/bank-files", files={"file": ("s.xml", camt("053", entries))},
                        headers={"Authorization": self.headers["Authorization"]})
        assert r.status_code == 201, r.text
        with transaction(rt.engine) as s:
            ids = list(s.scalars(select(BankTransaction.id).order_by(BankTransaction.id)))
        self.review = iter(ids[:SPARE])
        self.applied = iter(ids[SPARE:])
        self.invoices = (f"SP-{n}" for n in itertools.count())
        self.counter = itertools.count()

    def send(self, method: str, path: str, body: Any = None, params: Any = None) -> Any:
        # json.dumps escapes an unpaired surrogate as \\ud800, as a client's JSON would.
        content = None if body is None else json.dumps(body).encode()
        # A payment recorded via the API names its Idempotency-Key: a fresh one per request.
        key = {"Idempotency-Key": f"limits-{next(self.counter)}"} if path == "/api/v1/payments" else {}
        return self.client.request(method, path, content=content, params=params,
                                   headers={**self.headers, **key})

    def applied_payment(self) -> int:
        tx = next(self.applied)
        body = {"allocations": [{"invoice_number": next(self.invoices), "amount": "1.00"}]}
        r = self.send("POST", f"/api/v1/exceptions/{tx}/apply", body)
        assert r.status_code == 201, r.text
        return tx

    def dispute(self) -> int:
        body = {"invoice_number": next(self.invoices), "amount": "1.00", "reason_code": "other"}
        r = self.send("POST", "/api/v1/disputes", body)
        assert r.status_code == 201, r.text
        return int(r.json()["dispute_id"])

    def plan(self) -> int:
        r = self.send("POST", "/api/v1/payment-plans", self.plan_body())
        assert r.status_code == 201, r.text
        return int(r.json()["id"])

    def plan_body(self) -> dict[str, Any]:
        return {"customer_id": "C1", "invoice_numbers": [next(self.invoices)], "instalments": 2,
                "first_due": "2027-01-15", "note": "agreed by phone"}

    def policy(self) -> int:
        r = self.send("POST", "/api/v1/dunning/policies", self.policy_body())
        assert r.status_code == 201, r.text
        return int(r.json()["id"])

    def statement_check(self) -> int:
        """An open statement check: a statement that does not add up, uploaded fresh."""
        from tests.api.test_response_schemas import _unbalanced_statement

        r = self.client.post("/api/v1/bank-files", files={
            "file": (f"bad-{next(self.counter)}.xml", _unbalanced_statement(next(self.counter)))},
            headers={"Authorization": self.headers["Authorization"]})
        assert r.status_code == 201, r.text
        items = self.send("GET", "/api/v1/statement-checks", params={"file_id": r.json()["file_id"]}).json()
        return int(items["items"][0]["id"])

    def change_proposal(self) -> int:
        """An open notification of change, uploaded fresh."""
        from tests.api.test_response_schemas import _name_change

        r = self.client.post("/api/v1/bank-files", files={
            "file": (f"noc-{next(self.counter)}.ach", _name_change(next(self.counter)))},
            headers={"Authorization": self.headers["Authorization"]})
        assert r.status_code == 201, r.text
        items = self.send("GET", "/api/v1/change-proposals", params={"limit": 1000}).json()["items"]
        return int(items[-1]["id"])

    def policy_body(self) -> dict[str, Any]:
        k = next(self.counter)
        return {"name": f"policy-{k}", "segment": f"seg-{k}",
                "steps": [{"name": "first", "offset_days": 1, "channel": "email"}]}


# Each JSON body operation: a request that would succeed, built fresh for every edge value.
BODIES: dict[tuple[str, str], Callable[[World], tuple[str, dict[str, Any]]]] = {
    ("post", "/api/v1/exceptions/{transaction_id}/apply"): lambda w: (
        f"/api/v1/exceptions/{next(w.review)}/apply",
        {"allocations": [{"invoice_number": next(w.invoices), "amount": "0.50",
                          "write_off": "0.50", "write_off_reason": "bank_charges"}],
         "note": "per phone call"}),
    ("post", "/api/v1/exceptions/{transaction_id}/accept"): lambda w: (
        f"/api/v1/exceptions/{next(w.review)}/accept", {"rank": 1}),
    ("post", "/api/v1/exceptions/{transaction_id}/assign"): lambda w: (
        f"/api/v1/exceptions/{next(w.review)}/assign", {"assignee": "alice"}),
    ("post", "/api/v1/exceptions/{transaction_id}/dismiss"): lambda w: (
        f"/api/v1/exceptions/{next(w.review)}/dismiss", {"reason": "bank interest"}),
    ("post", "/api/v1/payments/{transaction_id}/unapply"): lambda w: (
        f"/api/v1/payments/{w.applied_payment()}/unapply", {"reason": "wrong customer"}),
    ("post", "/api/v1/disputes"): lambda w: (
        "/api/v1/disputes", {"invoice_number": next(w.invoices), "amount": "10.00",
                             "reason_code": "pricing", "note": "price list of May"}),
    ("post", "/api/v1/disputes/{dispute_id}/resolve"): lambda w: (
        f"/api/v1/disputes/{w.dispute()}/resolve", {"resolution": "rebill", "note": "ok"}),
    ("post", "/api/v1/payment-plans"): lambda w: ("/api/v1/payment-plans", w.plan_body()),
    ("post", "/api/v1/payment-plans/{plan_id}/cancel"): lambda w: (
        f"/api/v1/payment-plans/{w.plan()}/cancel", {"note": "customer asked"}),
    ("post", "/api/v1/dunning/policies"): lambda w: ("/api/v1/dunning/policies", w.policy_body()),
    ("put", "/api/v1/dunning/policies/{policy_id}"): lambda w: (
        f"/api/v1/dunning/policies/{w.policy()}", w.policy_body()),
    ("put", "/api/v1/dunning/customers/{customer_id}"): lambda w: (
        "/api/v1/dunning/customers/C1", {"segment": "key-accounts"}),
    ("post", "/api/v1/reminders/run"): lambda w: (
        "/api/v1/reminders/run", {"as_of": "2027-01-10", "dry_run": True}),
    ("post", "/api/v1/fees/{fee_id}/void"): lambda w: ("/api/v1/fees/1/void", {"reason": "waived"}),
    ("post", "/api/v1/statement-checks/{check_id}/close"): lambda w: (
        f"/api/v1/statement-checks/{w.statement_check()}/close", {"status": "resolved", "note": "fee"}),
    ("post", "/api/v1/change-proposals/{proposal_id}/apply"): lambda w: (
        f"/api/v1/change-proposals/{w.change_proposal()}/apply", {"customer_id": "C1", "note": "ok"}),
    ("post", "/api/v1/payments"): lambda w: ("/api/v1/payments", {
        "amount": "1.00", "currency": "EUR", "customer_id": "C1", "invoice_numbers": [next(w.invoices)],
        "reference": "card ch_123", "received_at": "2026-12-01"}),
    ("post", "/api/v1/change-proposals/{proposal_id}/reject"): lambda w: (
        f"/api/v1/change-proposals/{w.change_proposal()}/reject", {"note": "not ours"}),
}
# Free-form rows (`list[Any]`): their columns are listed here instead of in the schema.
INVOICE_ROW = {"invoice_number": "N-{k}", "customer_id": "C-{k}", "customer_name": "Fabrikam {k}",
               "currency": "EUR", "amount": "10.00", "issue_date": "2026-11-01",
               "terms": "net 30", "po_number": "PO-{k}", "customer_accounts": "",
               "customer_aliases": "Fab {k}", "parent_customer_id": "P-{k}"}
INVOICE_ROW_COLUMNS = {"invoice_number": Invoice.number, "customer_id": Customer.id,
                       "customer_name": Customer.name, "terms": Invoice.terms,
                       "po_number": Invoice.po_number, "customer_aliases": CustomerAlias.alias,
                       "parent_customer_id": Customer.parent_id}
INVOICE_ROW_TEXT = tuple(INVOICE_ROW_COLUMNS)


@pytest.fixture
def world(rt: Runtime) -> Iterator[World]:
    # A server error is an answer to collect (with the others), not an exception to stop at.
    with TestClient(create_app(rt), raise_server_exceptions=False) as client:
        yield World(rt, client)


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _string_fields(spec: dict[str, Any], schema: dict[str, Any], path: tuple[Any, ...] = ()
                   ) -> Iterator[tuple[tuple[Any, ...], int | None, str | None]]:
    """(path into the body, maxLength, pattern) of every free-text string in the schema."""
    schema = _resolve(spec, schema)
    for option in schema.get("anyOf", []):
        yield from _string_fields(spec, option, path)
    if schema.get("type") == "string" and "enum" not in schema and "format" not in schema:
        yield path, schema.get("maxLength"), schema.get("pattern")
    for name, sub in schema.get("properties", {}).items():
        yield from _string_fields(spec, sub, (*path, name))
    if schema.get("type") == "array" and "items" in schema:
        yield from _string_fields(spec, schema["items"], (*path, 0))


def _with(body: Any, path: tuple[Any, ...], value: str) -> Any:
    body = json.loads(json.dumps(body))
    target = body
    for step in path[:-1]:
        if isinstance(target, dict) and target.get(step) is None:
            return None  # an optional list or object the base body leaves out
        target = target[step]
    target[path[-1]] = value
    return body


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            yield method, path, op


def test_every_json_body_string_is_checked_at_the_boundary(world: World) -> None:
    spec = world.client.app.openapi()  # type: ignore[attr-defined]
    with_body = {(m, p) for m, p, op in _operations(spec)
                 if "application/json" in op.get("requestBody", {}).get("content", {})}
    # Free-form rows, checked column by column below (invoices) and by the customer parser's
    # own rules (tests/receivables/test_customer_import.py, and the NUL/length test here).
    free_form = {("post", "/api/v1/invoices"), ("post", "/api/v1/customers/import")}
    assert with_body == set(BODIES) | free_form, "a new body: add it"
    failures, stored = [], set()
    for method, path, op in _operations(spec):
        if (method, path) not in BODIES:
            continue
        schema = op["requestBody"]["content"]["application/json"]["schema"]
        for field, max_length, pattern in _string_fields(spec, schema):
            for edge, value in _edges(max_length, pattern):
                url, base = BODIES[(method, path)](world)
                body = _with(base, field, value)
                if body is None:
                    continue
                r = world.send(method.upper(), url, body)
                where = f"{method.upper()} {path} {'.'.join(map(str, field))} = {edge}"
                if r.status_code >= 500:
                    failures.append(f"{where}: {r.status_code} {r.text[:200]}")
                elif edge in ("nul", "surrogate", "one too long") and r.status_code < 400:
                    failures.append(f"{where}: accepted ({r.status_code})")
                elif edge == "longest" and r.status_code < 300:
                    stored.add(where)
    assert not failures, "\n".join(failures)
    # The sweep reached the database: the longest text of these fields was written.
    assert {
        "POST /api/v1/exceptions/{transaction_id}/assign assignee = longest",
        "POST /api/v1/payments/{transaction_id}/unapply reason = longest",
        "PUT /api/v1/dunning/customers/{customer_id} segment = longest",
        "POST /api/v1/dunning/policies segment = longest",
        "POST /api/v1/disputes note = longest",
        "POST /api/v1/payments reference = longest",
    } <= stored, sorted(stored)


def test_invoice_rows_over_their_columns_are_row_errors(world: World) -> None:
    failures = []
    for k, (column, edge) in enumerate(itertools.product(INVOICE_ROW_TEXT, ("ok", "long", "nul"))):
        row = {c: v.format(k=k) for c, v in INVOICE_ROW.items()}
        limit = column_length(INVOICE_ROW_COLUMNS[column])
        row[column] = {"ok": LONG * limit, "long": LONG * (limit + 1), "nul": "a\x00b"}[edge]
        r = world.send("POST", "/api/v1/invoices", {"invoices": [row]})
        expected = 200 if edge == "ok" else 422
        if r.status_code != expected:
            failures.append(f"{column} {edge}: {r.status_code} {r.text[:200]}")
        elif edge != "ok":
            assert r.json()["errors"][0]["row"] == 1
    assert not failures, "\n".join(failures)


def test_every_string_parameter_is_checked_at_the_boundary(world: World) -> None:
    spec = world.client.app.openapi()  # type: ignore[attr-defined]
    failures = []
    for method, path, op in _operations(spec):
        if method != "get":
            continue
        params = [p for p in op.get("parameters", []) if p["in"] in ("query", "path")]
        for param in params:
            fields = list(_string_fields(spec, param["schema"]))
            if not fields:
                continue
            _, max_length, pattern = fields[0]
            for edge, value in _edges(max_length, pattern):
                if edge == "surrogate":
                    continue  # a URL carries UTF-8 bytes: an unpaired surrogate cannot be sent
                url, query = path, {}
                for other in params:
                    filler = value if other is param else "1"
                    if other["in"] == "path":
                        url = url.replace("{" + other["name"] + "}", quote(filler, safe=""))
                    elif other is param or other.get("required"):
                        query[other["name"]] = filler
                if "{" in url:
                    continue
                r = world.send("GET", url, params=query)
                if r.status_code >= 500:
                    failures.append(f"GET {path} {param['name']} = {edge}: {r.status_code}")
    assert not failures, "\n".join(failures)


def test_uploaded_file_names_are_stored_however_long_or_odd(world: World) -> None:
    data = camt("053", [E("5.00", ref="NAME-1")], stmt_id="N1")
    long_name = "BANK_STATEMENT_" + "x" * 600 + "_2026-11-24.xml"
    r = world.client.post("/api/v1/bank-files", files={"file": (long_name, data)},
                          headers={"Authorization": world.headers["Authorization"]})
    assert r.status_code == 201, r.text
    stored = r.json()["file"]
    assert len(stored) == 512 and stored.startswith("BANK_STATEMENT_xxx")
    assert stored.endswith("_2026-11-24.xml") and "\u2026" in stored
    # Written by hand: an HTTP client library would percent-encode the NUL for us.
    data = camt("053", [E("6.00", ref="NAME-2")], stmt_id="N2")
    body = (b'--B\r\nContent-Disposition: form-data; name="file"; filename="a\x00b'
            + "\u202egpj.xml".encode() + b'"\r\n\r\n' + data + b"\r\n--B--\r\n")
    r = world.client.post("/api/v1/bank-files", content=body, headers={
        "Authorization": world.headers["Authorization"],
        "Content-Type": "multipart/form-data; boundary=B"})
    assert r.status_code == 201, r.text
    assert r.json()["file"] == "a_b_gpj.xml"
    with transaction(world.rt.engine) as s:
        names = set(s.scalars(select(BankFile.name)))
    assert "a_b_gpj.xml" in names and stored in names


@pytest.mark.parametrize("amount", ["١٢٣.٠٠", "¹²³.00", "１２３.00", "123.٠٠"])
def test_amounts_take_ascii_digits_only(world: World, amount: str) -> None:
    tx = next(world.review)
    row = {c: v.format(k="digits") for c, v in INVOICE_ROW.items()} | {"amount": amount}
    requests = [
        ("POST", f"/api/v1/exceptions/{tx}/apply",
         {"allocations": [{"invoice_number": next(world.invoices), "amount": amount}]}, None),
        ("POST", "/api/v1/disputes", {"invoice_number": next(world.invoices), "amount": amount,
                                      "reason_code": "other"}, None),
        ("POST", "/api/v1/payment-plans", {**world.plan_body(), "instalments": None,
                                           "amounts": [amount], "due_dates": ["2027-01-15"]},
         None),
        ("POST", "/api/v1/invoices", {"invoices": [row]}, None),
        ("GET", "/api/v1/invoices", None, {"amount": amount}),
        ("GET", "/api/v1/payments", None, {"amount_min": amount}),
        ("GET", "/api/v1/exceptions", None, {"amount_max": amount}),
    ]
    for method, url, body, params in requests:
        r = world.send(method, url, body, params)
        assert r.status_code == 422, f"{method} {url}: {r.status_code} {r.text[:300]}"
    with transaction(world.rt.engine) as s:
        assert s.scalar(select(PaymentPlan.id)) is None
        assert s.scalar(select(Invoice.id).where(Invoice.number == "N-digits")) is None
        assert s.scalar(select(DunningPolicy.id)) is None


def test_remit_invoices_import_reports_bad_text_and_digits_as_row_errors(
    cli_env: dict[str, str], rt: Runtime, tmp_path: Any
) -> None:
    """Over-long text, NUL and non-ASCII digits: row errors naming row, column and value (exit
    2); the good row is imported; no traceback, on PostgreSQL as on SQLite."""
    import subprocess
    import sys

    name_limit = column_length(Customer.name)
    book = tmp_path / "book.csv"
    book.write_text(
        "invoice_number,customer_id,customer_name,currency,amount,issue_date\n"
        "B-1,C1,Name\x00X,EUR,10.00,2026-11-01\n"
        "B-2,C2,Fine,EUR,\u0661\u0662.\u0660\u0660,2026-11-01\n"
        f"B-3,C3,{'é' * (name_limit + 1)},EUR,1.00,2026-11-01\n"
        "B-4,C4,Good,EUR,1.00,2026-11-01\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "cli", "invoices", "import", str(book)],
                          env=cli_env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    out = done.stdout + done.stderr
    assert "Traceback" not in out
    assert "row 2, column customer_name" in out and "NUL" in out
    assert "row 3, column amount = '\u0661\u0662.\u0660\u0660'" in out
    assert "row 4, column customer_name" in out and f"longer than {name_limit}" in out
    with transaction(rt.engine) as s:
        assert list(s.scalars(select(Invoice.number))) == ["B-4"]


def test_remit_dunning_refuses_a_segment_longer_than_its_column(
    cli_env: dict[str, str], rt: Runtime
) -> None:
    import subprocess
    import sys

    with transaction(rt.engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Contoso Ltd"))
    too_long = "a" * (column_length(Customer.segment) + 1)
    for args in (["customer", "C1", "--segment", too_long],
                 ["policy", "set", "p1", "--segment", too_long, "--step", "first:1:email:reminder"]):
        done = subprocess.run([sys.executable, "-m", "cli", "dunning", *args], env=cli_env,
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 2, done.stderr
        assert done.stderr.strip().splitlines() == [
            (f"remit: segment {too_long!r}: lowercase letters, digits, _ and -, at most "
             f"{column_length(Customer.segment)} characters")]


def test_a_key_with_the_longest_name_still_fits_the_audit_trail(world: World) -> None:
    name_limit = column_length(ApiKey.name)
    with transaction(world.rt.engine) as s:
        key_id, key = api_keys.create_with_id(s, name="k" * name_limit, scopes=["admin"],
                                              secret=world.rt.settings.secret_key)
    world.headers["Authorization"] = f"Bearer {key}"
    tx = world.applied_payment()
    r = world.send("POST", f"/api/v1/payments/{tx}/unapply", {"reason": "test"})
    assert r.status_code == 200, r.text
    with transaction(world.rt.engine) as s:
        actors = set(s.scalars(select(AuditEvent.actor).where(AuditEvent.actor.like("api-key:k%"))))
    (actor,) = actors
    assert len(actor) == column_length(AuditEvent.actor) and actor.endswith(f"\u2026#{key_id}")


def test_customer_rows_with_nul_or_overlong_text_are_refused_per_line(world: World) -> None:
    rows = [{"customer_id": "N1", "name": "Nul\x00Co", "email": ""},
            {"customer_id": "N2", "name": "x" * 5000, "email": ""},
            {"customer_id": "N" * 65, "name": "Long id", "email": ""},
            {"customer_id": "N3", "name": "Surrogate \ud800", "email": ""}]
    r = world.send("POST", "/api/v1/customers/import", rows)
    assert r.status_code == 422, r.text
    with transaction(world.rt.engine) as s:
        assert s.scalar(select(Customer.id).where(Customer.id.in_(["N1", "N2", "N3"]))) is None
