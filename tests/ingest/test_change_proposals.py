"""Notifications of change (NACHA COR, C01-C14): the bank's correction is proposed on the customer
whose account the entry was sent to, applied only after a person accepts it, audited; and the
API and CLI that review them and the statement checks."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from ingest.ach.writer import BatchSpec, ChangeSpec, EntrySpec, write_file
from ingest.archive import Archive
from ingest.service import Ingestor
from ledger.db import transaction
from ledger.models import AuditEvent, ChangeProposal, Customer, CustomerAccount, CustomerAlias
from ledger.repositories import api_keys
from server.app import create_app

ROUTING = "231380104"
OLD = "ABA:231380104:744567899"
REMIT = [sys.executable, "-m", "cli"]


def _noc(*changes: tuple[str, str, str]) -> bytes:
    """A COR batch: (change code, corrected data, receiver name) per entry, all sent to account 744-5678-99."""
    entries = [EntrySpec(transaction_code=21, routing=ROUTING, account="744-5678-99", amount_cents=0, name=name,
                         change=ChangeSpec(code=code, corrected_data=data, original_trace=f"12104288{i:07d}",
                                           original_rdfi="23138010"))
               for i, (code, data, name) in enumerate(changes, 1)]
    batch = BatchSpec(company_name="Your Company", company_id="1121042880", odfi="12104288", sec="COR",
                      entry_description="VENDOR PAY", entries=entries, effective_date=date(2026, 11, 30))
    return write_file([batch], immediate_destination="231380104", immediate_origin="121042882",
                      creation=datetime(2026, 11, 30, 12, 0, tzinfo=UTC))


def _book(rt) -> None:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Best Co"))
        s.execute(insert(Customer).values(id="C2", name="Other Co"))
        s.execute(insert(CustomerAccount).values(customer_id="C1", account=OLD, source="imported"))


def _ingest(rt, content: bytes, name: str = "noc.ach"):  # type: ignore[no-untyped-def]
    return Ingestor(rt.engine, Archive(rt.settings.archive_dir)).ingest_stream(io.BytesIO(content), name=name,
                                                                                source="test")


def _proposals(rt) -> list[ChangeProposal]:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        rows = list(s.scalars(select(ChangeProposal).order_by(ChangeProposal.id)))
        s.expunge_all()
        return rows


def _accounts(rt, customer: str) -> list[str]:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        return sorted(s.scalars(select(CustomerAccount.account).where(CustomerAccount.customer_id == customer)))


@pytest.fixture
def client(rt):  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        review = api_keys.create(s, name="reviewer", scopes=["treasury:review"])
        ar = api_keys.create(s, name="erp", scopes=["ar:read"])
    with TestClient(create_app(rt)) as c:
        c.review = {"Authorization": f"Bearer {review}"}  # type: ignore[attr-defined]
        c.ar = {"Authorization": f"Bearer {ar}"}  # type: ignore[attr-defined]
        yield c


def test_a_noc_is_proposed_on_the_customer_and_nothing_changes_until_applied(rt, client) -> None:
    _book(rt)
    result = _ingest(rt, _noc(("C01", "1918171614", "Best Co #23"), ("C04", "BEST COMPANY INC", "Best Co #23")))
    assert result.status == "parsed"
    c01, c04 = _proposals(rt)
    assert (c01.customer_id, c01.old_account, c01.new_account, c01.status) == ("C1", OLD, "ABA:231380104:1918171614", "open")
    assert "C01" in c01.explanation and "replace the customer's account number" in c01.explanation
    assert (c04.new_name, c04.new_account) == ("BEST COMPANY INC", None)
    assert _accounts(rt, "C1") == [OLD]  # the bank's word alone changes nothing

    listed = client.get("/api/v1/change-proposals", headers=client.review)
    assert listed.status_code == 200 and [p["id"] for p in listed.json()["items"]] == [c01.id, c04.id]
    applied = client.post(f"/api/v1/change-proposals/{c01.id}/apply", json={}, headers=client.review)
    assert applied.status_code == 200, applied.text
    assert applied.json()["status"] == "applied" and applied.json()["actor"] == "api-key:reviewer"
    assert _accounts(rt, "C1") == ["ABA:231380104:1918171614"]
    again = client.post(f"/api/v1/change-proposals/{c01.id}/apply", json={}, headers=client.review)
    assert again.status_code == 409
    assert client.post(f"/api/v1/change-proposals/{c04.id}/apply", json={}, headers=client.ar).status_code == 403
    assert client.post(f"/api/v1/change-proposals/{c04.id}/apply", json={}, headers=client.review).status_code == 200
    with transaction(rt.engine) as s:
        assert s.scalar(select(CustomerAlias.alias).where(CustomerAlias.customer_id == "C1")) == "BEST COMPANY INC"
        actions = list(s.scalars(select(AuditEvent.action).where(AuditEvent.entity_type.in_(
            ["change_proposal", "customer"])).order_by(AuditEvent.id)))
    assert actions == ["change_proposal.opened"] * 2 + ["change_proposal.applied", "customer.changed_by_noc"] * 2


def test_a_rejected_noc_changes_nothing_and_reprocessing_proposes_nothing_twice(rt, client) -> None:
    _book(rt)
    _ingest(rt, _noc(("C03", "091000019   1918171614", "Best Co #23")))
    (c03,) = _proposals(rt)
    assert c03.new_account == "ABA:091000019:1918171614"
    r = client.post(f"/api/v1/change-proposals/{c03.id}/reject", json={"note": "customer confirmed old account"},
                    headers=client.review)
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert _accounts(rt, "C1") == [OLD]
    assert client.post(f"/api/v1/change-proposals/{c03.id}/reject", json={"note": "x"},
                       headers=client.review).status_code == 409
    assert client.post("/api/v1/change-proposals/999/reject", json={"note": "x"}, headers=client.review).status_code == 404


def test_a_noc_for_an_unknown_account_needs_a_customer_named(rt, client) -> None:
    with transaction(rt.engine) as s:
        s.execute(insert(Customer).values(id="C2", name="Other Co"))
    _ingest(rt, _noc(("C01", "55555", "Nobody")))
    (p,) = _proposals(rt)
    assert p.customer_id is None
    assert client.post(f"/api/v1/change-proposals/{p.id}/apply", json={}, headers=client.review).status_code == 422
    assert client.post(f"/api/v1/change-proposals/{p.id}/apply", json={"customer_id": "NOPE"},
                       headers=client.review).status_code == 404
    ok = client.post(f"/api/v1/change-proposals/{p.id}/apply", json={"customer_id": "C2"}, headers=client.review)
    assert ok.status_code == 200 and ok.json()["customer_id"] == "C2"
    assert _accounts(rt, "C2") == ["ABA:231380104:55555"]


def test_a_corrected_account_of_another_customer_is_a_conflict(rt, client) -> None:
    _book(rt)
    with transaction(rt.engine) as s:
        s.execute(insert(CustomerAccount).values(customer_id="C2", account="ABA:231380104:1918171614", source="learned"))
    _ingest(rt, _noc(("C01", "1918171614", "Best Co #23")))
    (p,) = _proposals(rt)
    r = client.post(f"/api/v1/change-proposals/{p.id}/apply", json={}, headers=client.review)
    assert r.status_code == 409 and "C2" in r.text
    assert _accounts(rt, "C1") == [OLD]  # nothing half done


def test_the_cli_lists_applies_and_rejects(rt, cli_env, tmp_path) -> None:
    _book(rt)
    _ingest(rt, _noc(("C01", "1918171614", "Best Co #23"), ("C02", "091000019", "Best Co #23")))

    def remit(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*REMIT, *args], env=cli_env, cwd=tmp_path, capture_output=True, text=True, timeout=120)

    listed = remit("nocs")
    assert listed.returncode == 0 and "C01 customer C1" in listed.stdout and "C02 customer C1" in listed.stdout
    first, second = (p.id for p in _proposals(rt))
    assert remit("nocs", "apply", str(first), "--actor", "ana").returncode == 0
    assert _accounts(rt, "C1") == ["ABA:231380104:1918171614"]
    done = remit("nocs", "reject", str(second), "--note", "wrong bank")
    assert done.returncode == 0
    again = remit("nocs", "reject", str(second), "--note", "wrong bank")
    assert again.returncode == 2 and "already rejected" in again.stderr
    with transaction(rt.engine) as s:
        assert s.scalar(select(ChangeProposal.actor).where(ChangeProposal.id == first)) == "cli:ana"
