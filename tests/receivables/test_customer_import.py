"""`remit customers import` and POST /api/v1/customers/import (SQLite and PostgreSQL): upsert
by customer_id, every error by line, column and value, nothing stored on any error (exit 2 /
422), accounts normalized and never taken from another customer, learned accounts kept."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select

from ledger.db import transaction
from ledger.models import AuditEvent, Customer, CustomerAccount
from ledger.repositories import api_keys
from receivables.customer_rows import check_email, parse_customers
from server.app import create_app

IBAN = "DE89370400440532013000"
IBAN_SPACED = "de89 3704 0044 0532 0130 00"
OTHER_IBAN = "GB82WEST12345698765432"
ROUTING = "091000019"

CSV = (
    "customer_id,name,email,phone,segment,parent_id,accounts\n"
    f"G1,Contoso Group,group@contoso.test,,,,\n"
    f"C1,Contoso Ltd,ap@contoso.test,+44 20 7946 0000,large,G1,{IBAN_SPACED};{ROUTING}:000123-45\n"
    "C2,Fabrikam,,,,,\n"
)


def remit(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli", *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def customers(engine: Any) -> dict[str, tuple[Any, ...]]:
    with transaction(engine) as s:
        rows = s.execute(select(Customer.id, Customer.name, Customer.email, Customer.phone,
                                Customer.segment, Customer.parent_id)).all()
        return {r[0]: tuple(r[1:]) for r in rows}


def accounts(engine: Any) -> set[tuple[str, str, str]]:
    with transaction(engine) as s:
        return {tuple(r) for r in s.execute(select(CustomerAccount.customer_id, CustomerAccount.account,
                                                   CustomerAccount.source))}


def test_cli_imports_csv_then_upserts_jsonl_keeping_learned_accounts(rt, cli_env, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "customers.csv"
    path.write_text(CSV)
    done = remit(["customers", "import", str(path), "--json"], cli_env, tmp_path)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert (out["created"], out["updated"], out["unchanged"], out["errors"]) == (3, 0, 0, [])
    assert customers(rt.engine) == {
        "G1": ("Contoso Group", "group@contoso.test", None, None, None),
        "C1": ("Contoso Ltd", "ap@contoso.test", "+44 20 7946 0000", "large", "G1"),
        "C2": ("Fabrikam", None, None, None, None),
    }
    assert accounts(rt.engine) == {("C1", IBAN, "imported"), ("C1", f"ABA:{ROUTING}:12345", "imported")}
    # A reviewer taught remit another account of C1.
    with transaction(rt.engine) as s:
        s.execute(insert(CustomerAccount).values(customer_id="C1", account=OTHER_IBAN, source="learned"))
    update = tmp_path / "update.jsonl"
    update.write_text("\n".join(json.dumps(r) for r in (
        {"customer_id": "C1", "name": "Contoso Ltd", "email": "billing@contoso.test", "accounts": [IBAN]},
        {"customer_id": "C2", "name": "Fabrikam", "email": ""},
        {"customer_id": "G1", "name": "Contoso Group", "email": "group@contoso.test"},
    )) + "\n")
    done = remit(["customers", "import", str(update), "--json"], cli_env, tmp_path)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert (out["created"], out["updated"], out["unchanged"]) == (0, 1, 2)
    assert (out["accounts_added"], out["accounts_removed"]) == (0, 1)
    # Absent columns kept (phone, segment, parent), the imported list replaced, learned kept.
    assert customers(rt.engine)["C1"] == ("Contoso Ltd", "billing@contoso.test", "+44 20 7946 0000", "large", "G1")
    assert accounts(rt.engine) == {("C1", IBAN, "imported"), ("C1", OTHER_IBAN, "learned")}
    with transaction(rt.engine) as s:
        actions = s.execute(select(AuditEvent.action, func.count()).where(AuditEvent.entity_type == "customer")
                            .group_by(AuditEvent.action)).all()
    counts = {a: n for a, n in actions}
    assert counts["customer.created"] == 3 and counts["customer.updated"] == 1


def test_cli_any_error_stores_nothing_and_names_line_column_and_value(rt, cli_env, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        s.execute(insert(Customer).values(id="X9", name="Someone Else"))
        s.execute(insert(CustomerAccount).values(customer_id="X9", account=OTHER_IBAN, source="learned"))
    path = tmp_path / "bad.csv"
    path.write_text(
        "customer_id,name,email,parent_id,accounts\n"
        "C1,Contoso Ltd,ap@contoso.test,,\n"          # line 2: fine
        "C2,Fabrikam,not-an-address,,\n"               # line 3: e-mail
        "\n"                                           # line 4: blank, counted
        f"C3,Northwind,ap@northwind.test,NOPE,{OTHER_IBAN}\n"  # line 5: parent, account of X9
        "C4,Globex,ap@globex.test,,DE00370400440532013000\n"   # line 6: bad IBAN check digits
        "C1,Contoso again,ap@contoso.test,,\n"         # line 7: C1 twice
    )
    done = remit(["customers", "import", str(path), "--json"], cli_env, tmp_path)
    assert done.returncode == 2
    errors = [(e["line"], e["column"], e["value"]) for e in json.loads(done.stdout)["errors"]]
    assert errors == [
        (3, "email", "not-an-address"),
        (6, "accounts", "DE00370400440532013000"),
        (7, "customer_id", "C1"),
    ]
    assert "line 3, column email = 'not-an-address'" in done.stderr
    assert set(customers(rt.engine)) == {"X9"}
    # With the file's own errors fixed, the database's checks still refuse line 5, naming both.
    path.write_text(
        "customer_id,name,email,parent_id,accounts\n"
        "C1,Contoso Ltd,ap@contoso.test,,\n"
        f"C3,Northwind,ap@northwind.test,NOPE,{OTHER_IBAN}\n"
    )
    done = remit(["customers", "import", str(path)], cli_env, tmp_path)
    assert done.returncode == 2, done.stdout
    assert "line 3, column parent_id = 'NOPE': no such customer" in done.stderr
    assert f"line 3, column accounts = '{OTHER_IBAN}': belongs to customer X9 (learned" in done.stderr
    assert "customer C3" in done.stderr
    assert set(customers(rt.engine)) == {"X9"}


def test_parser_rules() -> None:
    assert check_email("ap@contoso.test") is None
    for bad in ("ap@contoso", "a p@contoso.test", "ap@@contoso.test", "ap@contoso.test\nBcc: x@y.z", ".ap@x.test"):
        assert check_email(bad) is not None, bad
    with pytest.raises(ValueError, match="required column"):
        parse_customers(b"customer_id,name\nC1,x\n", "c.csv")
    f = parse_customers(b'{"customer_id": "C1", "name": "A", "email": null, "accounts": "%s; %s"}\n'
                        % (IBAN_SPACED.encode(), IBAN.encode()), "c.jsonl")
    assert f.errors == [] and f.rows[0].accounts == (IBAN,)


@pytest.fixture
def client(rt):  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        writer = api_keys.create(s, name="erp", scopes=["ar:write"])
        reader = api_keys.create(s, name="bi", scopes=["ar:read"])
    with TestClient(create_app(rt)) as c:
        c.w = {"Authorization": f"Bearer {writer}"}  # type: ignore[attr-defined]
        c.r = {"Authorization": f"Bearer {reader}"}  # type: ignore[attr-defined]
        yield c


def test_api_bulk_import_by_content_type_and_get(client, rt) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/customers/import", content=CSV, headers={**client.w, "Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    assert (r.json()["created"], r.json()["format"]) == (3, "csv")
    r = client.post("/api/v1/customers/import", headers=client.r, json=[{"customer_id": "C9", "name": "N", "email": ""}])
    assert r.status_code == 403
    rows = [{"customer_id": "C2", "name": "Fabrikam Inc", "email": "ap@fabrikam.test"},
            {"customer_id": "C5", "name": "New", "email": "x@new.test", "parent_id": "C1"}]
    r = client.post("/api/v1/customers/import", headers=client.w, json={"customers": rows})
    assert r.status_code == 200, r.text
    assert (r.json()["created"], r.json()["updated"]) == (1, 1)
    got = client.get("/api/v1/customers/C1", headers=client.r).json()
    assert got["email"] == "ap@contoso.test" and got["parent_id"] == "G1"
    assert {a["account"] for a in got["accounts"]} == {IBAN, f"ABA:{ROUTING}:12345"}
    assert client.get("/api/v1/customers/NOPE", headers=client.r).status_code == 404
    # Any bad line: 422 with every error and nothing written.
    jsonl = "\n".join(json.dumps(x) for x in (
        {"customer_id": "C6", "name": "Fine", "email": "a@fine.test"},
        {"customer_id": "C7", "name": "Bad", "email": "nope"},
    ))
    r = client.post("/api/v1/customers/import", content=jsonl,
                    headers={**client.w, "Content-Type": "application/x-ndjson"})
    assert r.status_code == 422
    assert [(e["line"], e["column"], e["value"]) for e in r.json()["errors"]] == [(2, "email", "nope")]
    r = client.post("/api/v1/customers/import", headers=client.w,
                    json=[{"customer_id": "C6", "name": "Fine", "email": "a@fine.test", "accounts": [IBAN]}])
    assert r.status_code == 422 and "belongs to customer C1" in r.json()["errors"][0]["message"]
    assert "C6" not in customers(rt.engine) and "C7" not in customers(rt.engine)
