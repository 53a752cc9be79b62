"""The bank's word on remit's direct debits: settled (invoice paid, method direct_debit, no
review) or returned (invoice open again; a final reason deactivates the mandate), in either
order, nothing applied twice."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from ingest.ach.writer import BatchSpec, EntrySpec, ReturnSpec, write_file
from ledger.db import transaction
from ledger.models import Application, BankTransaction, Collection, Invoice, Mandate, ReviewItem
from tests.factories import E, camt
from tests.receivables.dd_book import MANDATES_CSV, ORIGINATOR, ROUTING, seed
from workflows.direct_debit import collect, import_mandates
from workflows.pipeline import ingest_path

DAY = date(2026, 12, 1)


def _book(rt, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Seeded, mandates imported, collected for DAY; the runtime and {invoice number: collection}."""
    seed(rt)
    rt = dataclasses.replace(rt, settings=rt.settings.model_copy(
        update={k.removeprefix("REMIT_").lower(): v for k, v in ORIGINATOR.items()}))
    result = import_mandates(rt, MANDATES_CSV.encode(), file="m.csv", actor="test")
    assert not result.errors
    collect(rt, as_of=DAY, out=tmp_path / "out", actor="test")
    return rt, _collections(rt)


def _collections(rt) -> dict[str, Collection]:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        rows = s.execute(select(Invoice.number, Collection).join(Invoice, Invoice.id == Collection.invoice_id)
                         .order_by(Collection.id)).all()
        for _, c in rows:
            s.expunge(c)
    return {n: c for n, c in rows}  # the latest per invoice


def _ingest(rt, tmp_path: Path, name: str, data: bytes) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_bytes(data)
    result = ingest_path(rt, path, source="test", actor="test")
    assert result.status != "rejected", result.error


def _invoice(rt, number: str) -> tuple[str, int, list[tuple[str, str]]]:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        inv = s.scalars(select(Invoice).where(Invoice.number == number)).one()
        apps = s.execute(select(Application.method, Application.status).where(Application.invoice_id == inv.id)
                         .order_by(Application.id)).all()
        return inv.status, inv.open_minor, [tuple(a) for a in apps]


def test_camt_credit_with_end_to_end_ids_settles_each_invoice_without_review(rt, tmp_path) -> None:
    rt, cs = _book(rt, tmp_path)
    eu1, fr1 = cs["INV-EU-1"], cs["INV-FR-1"]
    # The payer's name and text point elsewhere: the collection link wins.
    _ingest(rt, tmp_path, "n1.xml", camt("054", [
        E("120.00", ref="B1", e2e=eu1.end_to_end_id, name="Someone Else", text=["INV-FR-1"]),
        E("45.00", ref="B2", e2e=fr1.end_to_end_id, name="Dupont SARL")], stmt_id="N1"))
    assert _invoice(rt, "INV-EU-1") == ("paid", 0, [("direct_debit", "applied")])
    assert _invoice(rt, "INV-FR-1") == ("paid", 0, [("direct_debit", "applied")])
    assert _invoice(rt, "INV-EU-2")[0] == "open"
    cs = _collections(rt)
    assert cs["INV-EU-1"].status == "settled" and cs["INV-EU-2"].status == "pending"
    with transaction(rt.engine) as s:
        assert s.scalars(select(ReviewItem).where(ReviewItem.status == "open")).all() == []
    # The same notification again (a retried drop): nothing doubles.
    _ingest(rt, tmp_path, "n1-again.xml", camt("054", [
        E("120.00", ref="B1", e2e=eu1.end_to_end_id, name="Someone Else")], stmt_id="N1"))
    assert _invoice(rt, "INV-EU-1") == ("paid", 0, [("direct_debit", "applied")])


def test_batch_credit_settles_the_batch_and_a_final_return_reopens_and_deactivates(rt, tmp_path) -> None:
    rt, cs = _book(rt, tmp_path)
    batch = cs["INV-EU-1"].batch_ref
    assert {c.batch_ref for n, c in cs.items() if n.startswith("INV-EU") or n.startswith("INV-FR")} == {batch}
    _ingest(rt, tmp_path, "s1.xml", camt("053", [E("245.50", ref="BATCH1", text=[f"SEPA DD {batch}"])], stmt_id="S1"))
    for number in ("INV-EU-1", "INV-EU-2", "INV-FR-1"):
        assert _invoice(rt, number) == ("paid", 0, [("direct_debit", "applied")])
    # Then the bank returns INV-FR-1: account closed (final).
    _ingest(rt, tmp_path, "r1.xml", camt("054", [
        E("45.00", ref="RET1", e2e=cs["INV-FR-1"].end_to_end_id, direction="DBIT", return_reason="AC04")],
        stmt_id="R1"))
    assert _invoice(rt, "INV-FR-1") == ("open", 45_00, [("direct_debit", "reversed")])
    assert _invoice(rt, "INV-EU-1")[0] == "paid"
    cs2 = _collections(rt)
    assert (cs2["INV-FR-1"].status, cs2["INV-FR-1"].return_reason) == ("returned", "AC04")
    with transaction(rt.engine) as s:
        mandate = s.scalars(select(Mandate).where(Mandate.mandate_id == "M-FR-1")).one()
        assert mandate.status == "inactive" and "AC04" in (mandate.status_reason or "")
        item = s.scalars(select(ReviewItem).where(ReviewItem.status == "open")).one()
        assert "AC04" in item.explanation and "M-FR-1" in item.explanation and "deactivated" in item.explanation
    # The next run skips the customer: its mandate is inactive.
    files, skipped = collect(rt, as_of=DAY, out=tmp_path / "out2", actor="test")
    assert files == []


def test_return_before_batch_credit_keeps_the_invoice_open_and_explains_the_difference(rt, tmp_path) -> None:
    rt, cs = _book(rt, tmp_path)
    batch = cs["INV-EU-1"].batch_ref
    # Insufficient funds (not final) first, then the bank still credits the whole batch.
    _ingest(rt, tmp_path, "r1.xml", camt("054", [
        E("80.50", ref="RET1", e2e=cs["INV-EU-2"].end_to_end_id, direction="DBIT", return_reason="AM04")],
        stmt_id="R1"))
    assert _invoice(rt, "INV-EU-2") == ("open", 80_50, [])
    _ingest(rt, tmp_path, "s1.xml", camt("053", [E("245.50", ref="BATCH1", text=[batch])], stmt_id="S1"))
    assert _invoice(rt, "INV-EU-1") == ("paid", 0, [("direct_debit", "applied")])
    assert _invoice(rt, "INV-EU-2") == ("open", 80_50, [])  # returned: stays open, nothing applied
    with transaction(rt.engine) as s:
        credit = s.scalars(select(BankTransaction).where(BankTransaction.amount_minor == 245_50)).one()
        assert credit.applied_minor == 165_00
        item = s.scalars(select(ReviewItem).where(ReviewItem.transaction_id == credit.id)).one()
        assert "80.50" in item.explanation and "INV-EU-2" in item.explanation and "not applied" in item.explanation
        assert s.scalar(select(Mandate.status).where(Mandate.mandate_id == "M-EU-1")) == "active"
    # Not final: the next run collects INV-EU-2 again (RCUR: the mandate has collected before).
    files, _ = collect(rt, as_of=DAY, out=tmp_path / "out2", actor="test")
    assert [(f["format"], f["entries"], f["total"]) for f in files] == [("pain.008", 1, "80.50")]
    assert _collections(rt)["INV-EU-2"].sequence == "RCUR"


def test_nacha_return_of_a_pending_ach_debit_and_its_settlement_after(rt, tmp_path) -> None:
    rt, cs = _book(rt, tmp_path)
    us = cs["INV-US-1"]
    ret = EntrySpec(transaction_code=26, routing=ROUTING, account="0012345678", amount_cents=1500_00,
                    name="GLOBEX INC", returned=ReturnSpec(code="R02", original_trace=us.trace or ""))
    data = write_file([BatchSpec(company_name="REMIT DEMO INC", company_id="1121042882", odfi="23138010",
                                 sec="CCD", entry_description="INVOICE", entries=[ret],
                                 effective_date=date(2026, 12, 3))],
                      immediate_destination=" 121042882", immediate_origin=" 231380104",
                      creation=datetime(2026, 12, 3, 8, 0, tzinfo=UTC))
    _ingest(rt, tmp_path, "ret.ach", data)
    assert _invoice(rt, "INV-US-1") == ("open", 1500_00, [])
    c = _collections(rt)["INV-US-1"]
    assert (c.status, c.return_reason) == ("returned", "R02")
    with transaction(rt.engine) as s:
        assert s.scalar(select(Mandate.status).where(Mandate.mandate_id == "M-US-1")) == "inactive"


def test_api_lists_an_invoices_collections_and_a_customers_mandates(rt, tmp_path) -> None:
    from fastapi.testclient import TestClient

    from ledger.repositories import api_keys
    from server.app import create_app

    rt, cs = _book(rt, tmp_path)
    _ingest(rt, tmp_path, "r1.xml", camt("054", [
        E("80.50", ref="RET1", e2e=cs["INV-EU-2"].end_to_end_id, direction="DBIT", return_reason="AM04")],
        stmt_id="R1"))
    with transaction(rt.engine) as s:
        key = api_keys.create(s, name="bi", scopes=["ar:read"])
    with TestClient(create_app(rt)) as client:
        auth = {"Authorization": f"Bearer {key}"}
        body = client.get("/api/v1/invoices/INV-EU-2", headers=auth).json()
        [c] = body["collections"]
        assert (c["status"], c["return_reason"], c["amount"], c["mandate_id"]) == ("returned", "AM04", "80.50", "M-EU-1")
        assert c["sequence"] == "FRST" and c["return_detail"] == "insufficient funds"
        assert client.get("/api/v1/invoices/INV-NONE-1", headers=auth).json()["collections"] == []
        page = client.get("/api/v1/mandates", params={"customer_id": "C-US"}, headers=auth).json()
        assert [(m["mandate_id"], m["scheme"], m["account_type"], m["status"]) for m in page["items"]] == [
            ("M-US-1", "ach", "checking", "active")]
        assert page["next"] is None
        assert client.get("/api/v1/mandates").status_code == 401


def test_a_noc_on_an_ach_debit_updates_the_mandate_once_applied(rt, tmp_path) -> None:
    from ingest.ach.writer import ChangeSpec
    from ledger.models import ChangeProposal
    from ledger.repositories import change_proposals

    rt, cs = _book(rt, tmp_path)
    noc = EntrySpec(transaction_code=26, routing=ROUTING, account="0012345678", amount_cents=0, name="GLOBEX INC",
                    change=ChangeSpec(code="C06", corrected_data="1918171614       37",
                                      original_trace=cs["INV-US-1"].trace or "", original_rdfi="23138010"))
    data = write_file([BatchSpec(company_name="REMIT DEMO INC", company_id="1121042882", odfi="23138010",
                                 sec="COR", entry_description="INVOICE", entries=[noc],
                                 effective_date=date(2026, 12, 3))],
                      immediate_destination=" 121042882", immediate_origin=" 231380104",
                      creation=datetime(2026, 12, 3, 8, 0, tzinfo=UTC))
    _ingest(rt, tmp_path, "noc.ach", data)
    with transaction(rt.engine) as s:
        proposal = s.scalars(select(ChangeProposal)).one()
        assert proposal.customer_id == "C-US"  # found by the mandate's account
        assert s.scalar(select(Mandate.account).where(Mandate.mandate_id == "M-US-1")) == f"ABA:{ROUTING}:0012345678"
        change_proposals.apply(s, proposal.id, actor="reviewer@example.com")
    with transaction(rt.engine) as s:
        m = s.scalars(select(Mandate).where(Mandate.mandate_id == "M-US-1")).one()
        assert (m.account, m.account_type) == (f"ABA:{ROUTING}:1918171614", "savings")


def _pain002(batch: str, rows: list[tuple[str, str, str, str | None]]) -> bytes:
    """A pain.002.001.10: (end-to-end id, amount, status, reason) per transaction."""
    txs = "".join(
        f"<TxInfAndSts><StsId>ST-{e2e}</StsId><OrgnlEndToEndId>{e2e}</OrgnlEndToEndId><TxSts>{sts}</TxSts>"
        + (f"<StsRsnInf><Rsn><Cd>{reason}</Cd></Rsn></StsRsnInf>" if reason else "")
        + f'<OrgnlTxRef><Amt><InstdAmt Ccy="EUR">{amount}</InstdAmt></Amt></OrgnlTxRef></TxInfAndSts>'
        for e2e, amount, sts, reason in rows)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt>
<GrpHdr><MsgId>STS-1</MsgId><CreDtTm>2026-12-02T07:00:00</CreDtTm></GrpHdr>
<OrgnlGrpInfAndSts><OrgnlMsgId>{batch[:12]}</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.08</OrgnlMsgNmId>
<GrpSts>PART</GrpSts></OrgnlGrpInfAndSts>
<OrgnlPmtInfAndSts><OrgnlPmtInfId>{batch}</OrgnlPmtInfId><PmtInfSts>PART</PmtInfSts>{txs}</OrgnlPmtInfAndSts>
</CstmrPmtStsRpt></Document>""".encode()


def test_a_pain002_reject_returns_the_collection_and_a_final_reason_deactivates(rt, tmp_path) -> None:
    rt, cs = _book(rt, tmp_path)
    eu1, fr1 = cs["INV-EU-1"], cs["INV-FR-1"]
    _ingest(rt, tmp_path, "sts.xml", _pain002(eu1.batch_ref, [
        (eu1.end_to_end_id, "120.00", "ACCP", None), (fr1.end_to_end_id, "45.00", "RJCT", "MD01")]))
    after = _collections(rt)
    assert after["INV-EU-1"].status == "pending"
    assert (after["INV-FR-1"].status, after["INV-FR-1"].return_reason) == ("returned", "MD01")
    assert _invoice(rt, "INV-FR-1") == ("open", 45_00, [])
    with transaction(rt.engine) as s:
        assert s.scalar(select(Mandate.status).where(Mandate.mandate_id == "M-FR-1")) == "inactive"
    # The batch credit then carries only what stands: EU-1 and EU-2 applied, FR-1 stays open.
    _ingest(rt, tmp_path, "s1.xml", camt("053", [E("200.50", ref="BATCH1", text=[eu1.batch_ref])], stmt_id="S1"))
    with transaction(rt.engine) as s:
        credit = s.scalars(select(BankTransaction).where(BankTransaction.amount_minor == 200_50)).one()
        assert (credit.match_status, credit.applied_minor) == ("applied", 200_50)
        assert s.scalars(select(ReviewItem).where(ReviewItem.transaction_id == credit.id)).all() == []
    assert _invoice(rt, "INV-EU-2") == ("paid", 0, [("direct_debit", "applied")])
    assert _invoice(rt, "INV-FR-1") == ("open", 45_00, [])


def test_a_bai2_credit_with_an_ach_batch_reference_settles_that_batch(rt, tmp_path) -> None:
    rt, cs = _book(rt, tmp_path)
    batch = cs["INV-US-1"].batch_ref
    assert batch != cs["INV-JOE-1"].batch_ref  # CCD and PPD are two batches
    bai = (f"01,BANK,REMIT,261203,0800,1,,,2/\n02,REMIT,121042882,1,261202,,USD,2/\n"
           f"03,123456789,USD,010,0,,/\n16,165,150000,Z,BR-77,,ACH SETTLEMENT {batch}/\n"
           f"49,150000,3/\n98,150000,1,5/\n99,150000,1,7/\n")
    _ingest(rt, tmp_path, "day.bai", bai.encode())
    assert _invoice(rt, "INV-US-1") == ("paid", 0, [("direct_debit", "applied")])
    assert _invoice(rt, "INV-JOE-1") == ("open", 75_25, [])
    assert _collections(rt)["INV-US-1"].status == "settled"


def test_an_individual_credit_after_its_return_applies_nothing(rt, tmp_path) -> None:
    rt, cs = _book(rt, tmp_path)
    eu1 = cs["INV-EU-1"]
    _ingest(rt, tmp_path, "r1.xml", camt("054", [
        E("120.00", ref="RET1", e2e=eu1.end_to_end_id, direction="DBIT", return_reason="AM04")], stmt_id="R1"))
    # The credit the bank had booked before (files crossed): it pays nothing, even though it names the invoice.
    _ingest(rt, tmp_path, "n1.xml", camt("054", [
        E("120.00", ref="B1", e2e=eu1.end_to_end_id, name="Muster GmbH", text=["INV-EU-1"])], stmt_id="N1"))
    assert _invoice(rt, "INV-EU-1") == ("open", 120_00, [])
    with transaction(rt.engine) as s:
        credit = s.scalars(select(BankTransaction).where(BankTransaction.transaction_id.is_(None),
                                                         BankTransaction.amount_minor == 120_00)
                           .order_by(BankTransaction.id.desc())).first()
        assert credit is not None and credit.match_status == "returned" and credit.applied_minor == 0
    # Not final: collected again by the next run.
    files, _ = collect(rt, as_of=DAY, out=tmp_path / "out2", actor="test")
    assert [(f["entries"], f["total"]) for f in files] == [(1, "120.00")]


def test_a_disputed_invoice_is_not_debited_and_one_paid_otherwise_is_not_paid_twice(rt, tmp_path) -> None:
    from sqlalchemy import insert, update

    from ledger.models import Dispute

    rt, cs = _book(rt, tmp_path)
    eu1 = cs["INV-EU-1"]
    with transaction(rt.engine) as s:  # INV-EU-1 paid by transfer meanwhile (as an import would say)
        s.execute(update(Invoice).where(Invoice.number == "INV-EU-1").values(open_minor=0, status="paid"))
        late = s.scalar(select(Invoice.id).where(Invoice.number == "INV-EU-LATER"))
        s.execute(insert(Dispute).values(invoice_id=late, currency="EUR", amount_minor=10_00, reason_code="quality",
                                         source="manual", status="open", opened_by="test"))
    _ingest(rt, tmp_path, "n1.xml", camt("054", [E("120.00", ref="B1", e2e=eu1.end_to_end_id)], stmt_id="N1"))
    with transaction(rt.engine) as s:
        credit = s.scalars(select(BankTransaction).where(BankTransaction.end_to_end_id == eu1.end_to_end_id)).one()
        assert (credit.match_status, credit.applied_minor) == ("review", 0)
        item = s.scalars(select(ReviewItem).where(ReviewItem.transaction_id == credit.id)).one()
        assert "paid otherwise" in item.explanation
    assert _collections(rt)["INV-EU-1"].status == "settled"
    files, _ = collect(rt, as_of=date(2026, 12, 31), out=tmp_path / "out2", actor="test")
    assert files == []  # INV-EU-LATER is due now, but disputed
