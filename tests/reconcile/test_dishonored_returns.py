"""A dishonored return (ACH R61–R69) undoes the return it dishonors: the payment stands again and
is matched afresh; a contested dishonor (R71–R77) goes to review and changes nothing."""

from __future__ import annotations

import io
from datetime import datetime

from sqlalchemy import select

from ingest import ach
from ledger.db import transaction
from ledger.models import Application, BankTransaction, Invoice, ReviewItem
from reconcile.invoice_rows import parse_book
from workflows.invoices import import_invoices
from workflows.pipeline import ingest_stream, match_settled

ORIGINAL_TRACE = "121042880000001"


def _file(code: int, trace: str, *, returned: ach.ReturnSpec | None = None, day: int = 20,
          addenda: tuple[str, ...] = ()) -> bytes:
    entry = ach.EntrySpec(transaction_code=code, routing="231380104", account="555000111", amount_cents=2_500_00,
                          name="OUR COMPANY", identification="CUST-77", trace=trace, returned=returned,
                          addenda=addenda)
    batch = ach.BatchSpec(company_name="GLOBEX CORP", company_id="1234567890", odfi="12104288", sec="CCD",
                          entry_description="INVOICES", entries=[entry])
    return ach.write_file([batch], immediate_destination="231380104", immediate_origin="121042882",
                          creation=datetime(2026, 11, day, 9, 30))


def _dishonor(record_code: str, trace: str, day: int) -> bytes:
    """A return entry whose addenda 99 is the dishonored (or contested) layout naming the original."""
    ret = _file(21, trace, returned=ach.ReturnSpec("R01", ORIGINAL_TRACE, "23138010"), day=day)
    lines = ret.split(b"\n")
    i = next(k for k, line in enumerate(lines) if line.startswith(b"799"))
    if record_code <= "R70":
        record = ("799" + record_code + ORIGINAL_TRACE + " " * 6 + "23138010" + " " * 3 + "231380100000042" + "327"
                  + "01" + "DISHONORED UNTIMELY".ljust(21) + trace)
    else:
        record = ("799" + record_code + ORIGINAL_TRACE + "261118" + "23138010" + "322" + "231380100000042" + "327"
                  + "01" + "121042880000009" + "330" + "69" + " " + trace)
    lines[i] = record.encode()
    return b"\n".join(lines)


def _state(rt) -> tuple[str, list[tuple[str, int]], int]:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        status = s.scalar(select(BankTransaction.match_status).where(BankTransaction.transaction_id == ORIGINAL_TRACE))
        apps = [tuple(r) for r in s.execute(select(Invoice.number, Application.applied_minor)
                                             .join(Invoice, Invoice.id == Application.invoice_id)
                                             .where(Application.status == "applied"))]
        open_minor = s.scalar(select(Invoice.open_minor).where(Invoice.number == "INV-1001"))
        return status, apps, open_minor


def _setup(rt) -> None:  # type: ignore[no-untyped-def]
    book = parse_book(b"invoice_number,customer_id,customer_name,currency,amount,issue_date,customer_accounts\n"
                      b"INV-1001,C1,Globex Corp,USD,2500.00,2026-11-01,ACH-CO:1234567890\n", "book.csv")
    import_invoices(rt, book, file="book.csv", actor="erp")
    paid = _file(22, ORIGINAL_TRACE, addenda=("RMR*IV*INV-1001**2500.00\\",))
    assert ingest_stream(rt, io.BytesIO(paid), name="in.ach", source="test", actor="test").status == "parsed"
    assert _state(rt) == ("applied", [("INV-1001", 250000)], 0)
    back = _file(21, "231380100000011", returned=ach.ReturnSpec("R01", ORIGINAL_TRACE, "23138010"), day=21)
    assert ingest_stream(rt, io.BytesIO(back), name="ret.ach", source="test", actor="test").status == "parsed"
    assert _state(rt) == ("returned", [], 250000)


def test_a_dishonored_return_lets_the_payment_stand_and_apply_again(rt) -> None:
    _setup(rt)
    result = ingest_stream(rt, io.BytesIO(_dishonor("R69", "121042880000077", 22)), name="dis.ach", source="test",
                           actor="test")
    assert result.status == "parsed", result.error
    match_settled(rt, actor="test")  # the run after the dishonor matches the payment afresh
    assert _state(rt) == ("applied", [("INV-1001", 250000)], 0)
    with transaction(rt.engine) as s:
        explanation = s.scalar(select(ReviewItem.explanation).where(ReviewItem.explanation.like("Dishonored%")))
        assert explanation is not None and "R69" in explanation


def test_a_contested_dishonor_goes_to_review_and_changes_nothing(rt) -> None:
    _setup(rt)
    result = ingest_stream(rt, io.BytesIO(_dishonor("R71", "231380100000099", 22)), name="con.ach", source="test",
                           actor="test")
    assert result.status == "parsed", result.error
    match_settled(rt, actor="test")
    assert _state(rt) == ("returned", [], 250000)
    with transaction(rt.engine) as s:
        assert s.scalar(select(ReviewItem.explanation).where(ReviewItem.explanation.like("%contests%"))) is not None
