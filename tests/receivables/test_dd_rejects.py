"""pain.002 rejects of a whole payment information block or message: every collection of it
is returned with the reason (invoices stay open; a final reason deactivates the mandates),
nothing twice however often the report comes, and nothing settled is reversed on its word."""

from __future__ import annotations

from sqlalchemy import select

from ledger.db import transaction
from ledger.models import AuditEvent, BankTransaction, Mandate, ReviewItem
from tests.factories import E, camt
from tests.receivables.test_dd_settlement import DAY, _book, _collections, _ingest, _invoice
from workflows.direct_debit import collect

SEPA = ("INV-EU-1", "INV-EU-2", "INV-FR-1")  # one FRST batch of 245.50 EUR in message RDD261201001


def _report(msg_id: str, original: str, *, group: str = "PART", reason: str | None = None, ctrl: str | None = None,
            blocks: str = "") -> bytes:
    rsn = f"<StsRsnInf><Rsn><Cd>{reason}</Cd></Rsn></StsRsnInf>" if reason else ""
    sum_ = f"<OrgnlCtrlSum>{ctrl}</OrgnlCtrlSum>" if ctrl else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt>
<GrpHdr><MsgId>{msg_id}</MsgId><CreDtTm>2026-12-02T07:00:00</CreDtTm></GrpHdr>
<OrgnlGrpInfAndSts><OrgnlMsgId>{original}</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.08</OrgnlMsgNmId>{sum_}
<GrpSts>{group}</GrpSts>{rsn if group == "RJCT" else ""}</OrgnlGrpInfAndSts>{blocks}
</CstmrPmtStsRpt></Document>""".encode()


def _block(batch: str, *, reason: str, ctrl: str | None = None, txs: str = "") -> str:
    sum_ = f"<OrgnlCtrlSum>{ctrl}</OrgnlCtrlSum>" if ctrl else ""
    return (f"<OrgnlPmtInfAndSts><OrgnlPmtInfId>{batch}</OrgnlPmtInfId>{sum_}<PmtInfSts>RJCT</PmtInfSts>"
            f"<StsRsnInf><Rsn><Cd>{reason}</Cd></Rsn></StsRsnInf>{txs}</OrgnlPmtInfAndSts>")


def _open_reviews(rt) -> list[ReviewItem]:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        items = list(s.scalars(select(ReviewItem).where(ReviewItem.status == "open").order_by(ReviewItem.id)))
        for item in items:
            s.expunge(item)
    return items


def test_a_whole_message_rejected_for_a_final_reason_returns_every_debit_once(rt, tmp_path) -> None:
    rt, cs = _book(rt, tmp_path)
    message = cs["INV-EU-1"].file_name.removesuffix(".pain008.xml")
    _ingest(rt, tmp_path, "sts1.xml", _report("STS-1", message, group="RJCT", reason="MD01", ctrl="245.50"))
    after = _collections(rt)
    assert {(n, after[n].status, after[n].return_reason) for n in SEPA} == {(n, "returned", "MD01") for n in SEPA}
    assert after["INV-US-1"].status == "pending"  # the ACH file of the same run is another message
    for number in SEPA:
        assert _invoice(rt, number)[:2] == ("open", cs[number].amount_minor)
        assert _invoice(rt, number)[2] == []
    with transaction(rt.engine) as s:
        assert dict(s.execute(select(Mandate.mandate_id, Mandate.status)).all()) == {
            "M-EU-1": "inactive", "M-FR-1": "inactive", "M-US-1": "active", "M-US-2": "active"}
        reject = s.scalars(select(BankTransaction).where(BankTransaction.return_original_reference == message)).one()
        assert reject.match_status == "returned"
    [item] = _open_reviews(rt)
    assert item.transaction_id == reject.id
    for word in ("MD01", "INV-EU-1", "INV-EU-2", "INV-FR-1", "M-EU-1", "M-FR-1", "deactivated", "stay open"):
        assert word in item.explanation
    # The bank sends the report again under another MsgId: nothing is returned twice.
    _ingest(rt, tmp_path, "sts2.xml", _report("STS-2", message, group="RJCT", reason="MD01", ctrl="245.50"))
    again = _collections(rt)
    assert {again[n].returned_by for n in SEPA} == {reject.id}
    assert [i.id for i in _open_reviews(rt)] == [item.id]
    with transaction(rt.engine) as s:
        second = s.scalars(select(BankTransaction).where(BankTransaction.return_original_reference == message,
                                                         BankTransaction.id != reject.id)).one()
        assert second.match_status == "returned"
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "collection.batch_rejected")
                          .order_by(AuditEvent.id.desc())).first()
        assert event is not None and event.after["returned"] == [] and len(event.after["returned_before"]) == 3
    # The mandates are inactive: the next run debits none of these customers.
    files, _ = collect(rt, as_of=DAY, out=tmp_path / "out2", actor="test")
    assert files == []


def test_a_block_rejected_for_a_passing_reason_is_collected_again(rt, tmp_path) -> None:
    rt, cs = _book(rt, tmp_path)
    batch, message = cs["INV-EU-1"].batch_ref, cs["INV-EU-1"].file_name.removesuffix(".pain008.xml")
    fr1 = cs["INV-FR-1"]
    # The block is rejected (no control sum), one transaction of it named with a reason of its own.
    detail = (f"<TxInfAndSts><StsId>ST-1</StsId><OrgnlEndToEndId>{fr1.end_to_end_id}</OrgnlEndToEndId>"
              "<TxSts>RJCT</TxSts><StsRsnInf><Rsn><Cd>AM04</Cd></Rsn></StsRsnInf>"
              '<OrgnlTxRef><Amt><InstdAmt Ccy="EUR">45.00</InstdAmt></Amt></OrgnlTxRef></TxInfAndSts>')
    _ingest(rt, tmp_path, "sts1.xml", _report("STS-1", message, blocks=_block(batch, reason="DT01", txs=detail)))
    after = _collections(rt)
    assert [(after[n].status, after[n].return_reason) for n in SEPA] == [
        ("returned", "DT01"), ("returned", "DT01"), ("returned", "AM04")]
    assert _open_reviews(rt) == []  # not final: nothing for a person to do
    with transaction(rt.engine) as s:
        assert set(s.scalars(select(Mandate.status))) == {"active"}
    # The next run debits the three invoices again, as first debits (none of their mandates collected).
    files, _ = collect(rt, as_of=DAY, out=tmp_path / "out2", actor="test")
    assert [(f["format"], f["entries"], f["total"]) for f in files] == [("pain.008", 3, "245.50")]
    fresh = _collections(rt)
    assert {fresh[n].sequence for n in SEPA} == {"FRST"} and {fresh[n].status for n in SEPA} == {"pending"}
    # The old report again (another MsgId) touches neither the old collections nor the new ones.
    _ingest(rt, tmp_path, "sts2.xml", _report("STS-2", message, blocks=_block(batch, reason="DT01")))
    assert {fresh[n].batch_ref for n in SEPA} != {batch}
    assert {_collections(rt)[n].status for n in SEPA} == {"pending"}
    # The new batch's credit settles all three: nothing was applied before, so nothing twice.
    _ingest(rt, tmp_path, "s1.xml", camt("053", [E("245.50", ref="B2", text=[fresh["INV-EU-1"].batch_ref])],
                                         stmt_id="S1"))
    for number in SEPA:
        assert _invoice(rt, number) == ("paid", 0, [("direct_debit", "applied")])


def test_a_reject_of_a_batch_already_settled_reverses_nothing_and_asks_a_person(rt, tmp_path) -> None:
    rt, cs = _book(rt, tmp_path)
    batch, message = cs["INV-EU-1"].batch_ref, cs["INV-EU-1"].file_name.removesuffix(".pain008.xml")
    _ingest(rt, tmp_path, "s1.xml", camt("053", [E("245.50", ref="B1", text=[batch])], stmt_id="S1"))
    _ingest(rt, tmp_path, "sts1.xml", _report("STS-1", message, blocks=_block(batch, reason="AC04", ctrl="245.50")))
    for number in SEPA:
        assert _invoice(rt, number) == ("paid", 0, [("direct_debit", "applied")])
    assert {_collections(rt)[n].status for n in SEPA} == {"settled"}
    with transaction(rt.engine) as s:
        assert set(s.scalars(select(Mandate.status))) == {"active"}  # nothing was returned
        reject = s.scalars(select(BankTransaction).where(BankTransaction.return_original_reference == batch)).one()
        assert reject.match_status == "review"
    [item] = _open_reviews(rt)
    assert item.transaction_id == reject.id
    assert "AC04" in item.explanation and "already settled" in item.explanation and "INV-FR-1" in item.explanation


def test_a_control_sum_that_is_not_the_batchs_returns_nothing(rt, tmp_path) -> None:
    rt, cs = _book(rt, tmp_path)
    batch, message = cs["INV-EU-1"].batch_ref, cs["INV-EU-1"].file_name.removesuffix(".pain008.xml")
    _ingest(rt, tmp_path, "sts1.xml", _report("STS-1", message, blocks=_block(batch, reason="MS03", ctrl="999.00")))
    assert {_collections(rt)[n].status for n in SEPA} == {"pending"}
    [item] = _open_reviews(rt)
    assert "999.00" in item.explanation and "245.50" in item.explanation and "nothing returned" in item.explanation


def test_the_batch_credit_after_a_whole_reject_applies_nothing(rt, tmp_path) -> None:
    rt, cs = _book(rt, tmp_path)
    batch, message = cs["INV-EU-1"].batch_ref, cs["INV-EU-1"].file_name.removesuffix(".pain008.xml")
    _ingest(rt, tmp_path, "sts1.xml", _report("STS-1", message, group="RJCT", reason="AM04"))
    _ingest(rt, tmp_path, "s1.xml", camt("053", [E("245.50", ref="B1", text=[batch])], stmt_id="S1"))
    for number in SEPA:
        assert _invoice(rt, number)[2] == []
    with transaction(rt.engine) as s:
        credit = s.scalars(select(BankTransaction).where(BankTransaction.amount_minor == 245_50,
                                                         BankTransaction.return_original_reference.is_(None))).one()
        # No collection of the batch is pending any more: the credit is ordinary matching's, which
        # applies nothing (its text names no invoice) and leaves it to a person.
        assert (credit.match_status, credit.applied_minor) == ("review", 0)


def test_a_reject_left_to_a_person_is_not_decided_again_by_later_runs(rt, tmp_path) -> None:
    from workflows.pipeline import match_settled

    rt, cs = _book(rt, tmp_path)
    batch, message = cs["INV-EU-1"].batch_ref, cs["INV-EU-1"].file_name.removesuffix(".pain008.xml")
    _ingest(rt, tmp_path, "s1.xml", camt("053", [E("245.50", ref="B1", text=[batch])], stmt_id="S1"))
    _ingest(rt, tmp_path, "sts1.xml", _report("STS-1", message, blocks=_block(batch, reason="AC04")))
    match_settled(rt, actor="test")
    match_settled(rt, actor="test")
    with transaction(rt.engine) as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "collection.batch_rejected")).all()
        assert len(events) == 1 and events[0].after["settled_not_reversed"] != []
    assert len(_open_reviews(rt)) == 1
