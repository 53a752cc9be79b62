"""Remittance advices (X12 820, CSV) through the pipeline: stored, linked to their payment in
either order of arrival, applied per their lines; a mismatch goes to review with the advice as
the suggestion; the same advice twice is applied once. SQLite and PostgreSQL."""

from __future__ import annotations

import io

from sqlalchemy import select

from ledger.db import transaction
from ledger.models import Application, BankTransaction, Invoice, RemittanceAdvice, ReviewItem
from reconcile.invoice_rows import parse_book
from tests.factories import E, camt
from workflows.invoices import import_invoices
from workflows.pipeline import ingest_stream

HEADER = "invoice_number,customer_id,customer_name,currency,amount,issue_date,terms"
CSV_HEADER = "payer,payment_reference,payment_amount,invoice_number,paid_amount,discount\n"


def _book(rt) -> None:  # type: ignore[no-untyped-def]
    rows = ["INV-1,C1,Acme Industries Inc,EUR,1000.00,2026-11-25,2/10 net 30",
            "INV-2,C1,Acme Industries Inc,EUR,490.00,2026-11-25,net 30",
            "INV-3,C2,Globex Corporation,EUR,700.00,2026-11-20,net 30",
            "INV-4,C2,Globex Corporation,EUR,500.00,2026-11-20,net 30"]
    book = parse_book(("\n".join((HEADER, *rows)) + "\n").encode(), "book.csv")
    assert not book.errors, book.errors
    import_invoices(rt, book, file="book.csv", actor="erp-import")


def _x12(trace: str, amount: str, *lines: str) -> bytes:
    isa = "ISA*00*          *00*          *ZZ*ACME           *ZZ*US             *261203*0900*U*00401*000000001*0*P*>~"
    body = [f"ST*820*0001", f"BPR*C*{amount}*C*ACH*CCP*01*021000021*DA*1*1**01*011000015*DA*2*20261203",
            f"TRN*1*{trace}", "N1*PR*ACME INDUSTRIES INC", "ENT*1", *lines, "SE*9*0001"]
    return (isa + "\n" + "~\n".join(body) + "~\n").encode()


def _ingest(rt, data: bytes, name: str):  # type: ignore[no-untyped-def]
    result = ingest_stream(rt, io.BytesIO(data), name=name, source="test", actor="test")
    assert result.status == "parsed", result.error
    return result


def _pay(rt, entry: E, name: str) -> int:  # type: ignore[no-untyped-def]
    result = _ingest(rt, camt("053", [entry], stmt_id=name), name)
    (tx,) = result.new_transaction_ids
    return tx


def _state(rt, tx: int):  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        t = s.get(BankTransaction, tx)
        apps = s.execute(select(Invoice.number, Application.applied_minor, Application.discount_minor)
                         .join(Invoice, Invoice.id == Application.invoice_id)
                         .where(Application.transaction_id == tx, Application.status == "applied")
                         .order_by(Invoice.number)).all()
        item = s.scalar(select(ReviewItem).where(ReviewItem.transaction_id == tx).order_by(ReviewItem.id.desc()))
        review = None if item is None else (item.status, item.reason, item.explanation, item.candidates)
        advices = s.execute(select(RemittanceAdvice.status, RemittanceAdvice.transaction_id, RemittanceAdvice.reason)
                            .order_by(RemittanceAdvice.id)).all()
        return t.match_status, t.applied_minor, [tuple(a) for a in apps], review, [tuple(a) for a in advices]


def test_an_820_before_its_payment_applies_it_per_its_lines_with_the_earned_discount(rt) -> None:
    _book(rt)
    advice = _ingest(rt, _x12("E2E-ACME-1", "1470.00", "RMR*IV*INV-1**980.00*1000.00*20.00",
                              "RMR*IV*INV-2**490.00"), "acme.820")
    assert (advice.format, advice.advices, advice.applied, advice.as_json()["advices"]) == ("x12.820", 1, 0, 1)
    # Paid by someone the book does not know, no remittance: alone it would go to review.
    tx = _pay(rt, E("1470.00", ref="BANK-1", e2e="E2E-ACME-1", name="First Payments Agent", date="2026-12-03"),
              "pay.xml")
    status, applied, apps, review, advices = _state(rt, tx)
    assert (status, applied) == ("applied", 147000)
    assert apps == [("INV-1", 98000, 2000), ("INV-2", 49000, 0)]
    assert review is None
    assert advices == [("applied", tx, None)]


def test_a_csv_advice_after_its_payment_takes_it_out_of_review(rt) -> None:
    _book(rt)
    tx = _pay(rt, E("1200.00", ref="GLX-REF-9", name="Unknown Sender Ltd", date="2026-12-03"), "pay.xml")
    assert _state(rt, tx)[0] == "review"
    csv = (CSV_HEADER + "Globex Corporation,GLX-REF-9,1200.00,INV-3,700.00,\n"
           "Globex Corporation,GLX-REF-9,1200.00,INV-4,500.00,0\n").encode()
    result = _ingest(rt, csv, "globex.csv")
    assert (result.format, result.advices, result.applied) == ("advice.csv", 1, 1)
    status, applied, apps, review, advices = _state(rt, tx)
    assert (status, applied, apps) == ("applied", 120000, [("INV-3", 70000, 0), ("INV-4", 50000, 0)])
    assert review is not None and review[0] == "resolved"
    assert advices == [("applied", tx, None)]


def test_payer_amount_and_date_link_an_advice_without_a_reference(rt) -> None:
    _book(rt)
    _ingest(rt, _x12("NOT-ON-THE-PAYMENT", "490.00", "RMR*IV*INV-2**490.00"), "acme.820")
    tx = _pay(rt, E("490.00", ref="B-77", name="Industries Inc ACME", date="2026-12-03"), "pay.xml")
    status, _, apps, _, advices = _state(rt, tx)
    assert (status, apps, advices) == ("applied", [("INV-2", 49000, 0)], [("applied", tx, None)])


def test_lines_that_do_not_add_up_send_the_payment_to_review_with_the_advice_as_suggestion(rt) -> None:
    _book(rt)
    _ingest(rt, _x12("E2E-ACME-2", "1470.00", "RMR*IV*INV-1**1000.00", "RMR*IV*INV-2**400.00"), "acme.820")
    tx = _pay(rt, E("1470.00", e2e="E2E-ACME-2", name="First Payments Agent", date="2026-12-03"), "pay.xml")
    status, applied, apps, review, advices = _state(rt, tx)
    assert (status, applied, apps) == ("review", 0, [])
    assert review is not None and review[:2] == ("open", "advice_mismatch")
    assert "its lines pay 1400.00 EUR, the payment is 1470.00 EUR" in review[2]
    (suggestion,) = review[3]
    assert [(a["invoice_number"], a["applied"]) for a in suggestion["allocations"]] == [
        ("INV-1", "1000.00"), ("INV-2", "400.00")]
    assert advices[0][:2] == ("review", tx) and "1400.00" in advices[0][2]


def test_a_discount_the_terms_do_not_grant_goes_to_review(rt) -> None:
    _book(rt)
    _ingest(rt, _x12("E2E-ACME-3", "480.00", "RMR*IV*INV-2**480.00*490.00*10.00"), "acme.820")
    tx = _pay(rt, E("480.00", e2e="E2E-ACME-3", name="First Payments Agent", date="2026-12-03"), "pay.xml")
    status, _, apps, review, _ = _state(rt, tx)
    assert (status, apps) == ("review", [])
    assert review is not None and "discount 10.00 taken, the book's terms grant no discount" in review[2]


def test_the_same_advice_twice_is_applied_once(rt) -> None:
    _book(rt)
    tx = _pay(rt, E("1200.00", ref="GLX-REF-9", name="Unknown Sender Ltd", date="2026-12-03"), "pay.xml")
    rows = "Globex Corporation,GLX-REF-9,1200.00,INV-3,700.00,\nGlobex Corporation,GLX-REF-9,1200.00,INV-4,500.00,\n"
    first = _ingest(rt, (CSV_HEADER + rows).encode(), "globex.csv")
    again = _ingest(rt, (CSV_HEADER + rows + "\n").encode(), "globex-resent.csv")  # other bytes, same advice
    assert (first.advices, again.advices, again.applied) == (1, 0, 0)
    assert "was received before" in again.warnings[0]
    status, applied, apps, _, advices = _state(rt, tx)
    assert (status, applied, len(apps), advices) == ("applied", 120000, 2, [("applied", tx, None)])


def test_an_advice_for_a_payment_the_matcher_applied_already_is_only_linked(rt) -> None:
    _book(rt)
    tx = _pay(rt, E("490.00", ref="B-1", name="ACME Industries, Inc.", date="2026-12-03"), "pay.xml")
    before = _state(rt, tx)
    assert before[:3] == ("applied", 49000, [("INV-2", 49000, 0)])
    result = _ingest(rt, _x12("B-1", "490.00", "RMR*IV*INV-2**490.00"), "acme.820")
    assert (result.advices, result.applied, result.review) == (1, 0, 0)
    status, applied, apps, _, advices = _state(rt, tx)
    assert (status, applied, apps) == before[:3]
    assert advices[0][:2] == ("linked", tx) and "applied already" in advices[0][2]


# -- a matching run links the advices still waiting ------------------------------------------


def _stored_only(rt, data: bytes, name: str) -> None:  # type: ignore[no-untyped-def]
    """The file stored and its advices kept, but no link step and no matching run after it:
    what a process that died between the two leaves behind."""
    result = rt.ingestor(actor="test").ingest_stream(io.BytesIO(data), name=name, source="test")
    assert (result.status, result.advices) == ("parsed", 1), result.error


def _audit_actions(rt) -> list[str]:  # type: ignore[no-untyped-def]
    from ledger.models import AuditEvent

    with transaction(rt.engine) as s:
        return list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_remit_match_links_a_waiting_advice_to_a_payment_in_review_and_applies_it_once(rt) -> None:
    from workflows.pipeline import match_settled

    _book(rt)
    tx = _pay(rt, E("1200.00", ref="GLX-REF-9", name="Unknown Sender Ltd", date="2026-12-03"), "pay.xml")
    assert _state(rt, tx)[0] == "review"
    _stored_only(rt, (CSV_HEADER + "Globex Corporation,GLX-REF-9,1200.00,INV-3,700.00,\n"
                      "Globex Corporation,GLX-REF-9,1200.00,INV-4,500.00,\n").encode(), "globex.csv")
    assert _state(rt, tx)[4] == [("waiting", None, None)]

    summary = match_settled(rt, actor="cli:match")  # what `remit match` runs
    assert (summary.advices, summary.applied, summary.review) == (1, 1, 0)
    status, applied, apps, review, advices = _state(rt, tx)
    assert (status, applied, apps) == ("applied", 120000, [("INV-3", 70000, 0), ("INV-4", 50000, 0)])
    assert review is not None and review[0] == "resolved"  # the matcher's item, closed by the advice
    assert advices == [("applied", tx, None)]

    before = (_state(rt, tx), _audit_actions(rt))
    again = match_settled(rt, actor="cli:match", include_review=True)
    assert (again.advices, again.applied, again.review) == (0, 0, 0)
    assert (_state(rt, tx), _audit_actions(rt)) == before  # nothing changed, nothing recorded


def test_a_waiting_advice_whose_payment_is_still_unmatched_decides_it_before_the_matcher(rt) -> None:
    """The payment stored, the run that would have matched it never ran (a crash): the next run
    applies it per the advice, not per the matcher's guess."""
    from workflows.pipeline import match_settled

    _book(rt)
    _stored_only(rt, _x12("E2E-ACME-9", "490.00", "RMR*IV*INV-2**490.00"), "acme.820")
    result = rt.ingestor(actor="test").ingest_stream(
        io.BytesIO(camt("053", [E("490.00", e2e="E2E-ACME-9", name="First Payments Agent", date="2026-12-03")],
                        stmt_id="pay.xml")), name="pay.xml", source="test")
    (tx,) = result.new_transaction_ids
    assert _state(rt, tx)[0] == "unmatched"
    summary = match_settled(rt, actor="cli:match")
    assert (summary.advices, summary.applied) == (1, 1)
    status, _, apps, _, advices = _state(rt, tx)
    assert (status, apps, advices) == ("applied", [("INV-2", 49000, 0)], [("applied", tx, None)])


def test_an_advice_that_does_not_add_up_is_not_decided_again_by_include_review(rt) -> None:
    from workflows.pipeline import match_settled

    _book(rt)
    tx = _pay(rt, E("1470.00", e2e="E2E-ACME-2", name="First Payments Agent", date="2026-12-03"), "pay.xml")
    _stored_only(rt, _x12("E2E-ACME-2", "1470.00", "RMR*IV*INV-1**1000.00", "RMR*IV*INV-2**400.00"), "acme.820")
    summary = match_settled(rt, actor="cli:match", include_review=True)
    assert (summary.advices, summary.applied, summary.review) == (1, 0, 1)
    status, _, apps, review, advices = _state(rt, tx)
    assert (status, apps) == ("review", [])
    assert review is not None and review[:2] == ("open", "advice_mismatch")  # the advice's item stands
    assert advices[0][:2] == ("review", tx)
    # A later run with --include-review leaves it too: the payer's own word is in review, not a guess.
    before = _state(rt, tx)
    match_settled(rt, actor="cli:match", include_review=True)
    assert _state(rt, tx) == before


def test_an_invoice_import_links_a_waiting_advice_before_it_rematches(rt) -> None:
    """The advice names invoices the book does not have yet; its payment waits in review. The
    import that brings them runs the rematch, which links the advice first and applies per it."""
    _book(rt)
    tx = _pay(rt, E("300.00", ref="NEW-REF-1", name="Unknown Sender Ltd", date="2026-12-03"), "pay.xml")
    assert _state(rt, tx)[0] == "review"
    _stored_only(rt, (CSV_HEADER + "Globex Corporation,NEW-REF-1,300.00,INV-7,300.00,\n").encode(), "globex.csv")
    book = parse_book((HEADER + "\nINV-7,C2,Globex Corporation,EUR,300.00,2026-11-28,net 30\n").encode(), "more.csv")
    assert not book.errors, book.errors
    imported = import_invoices(rt, book, file="more.csv", actor="erp-import")
    assert imported.rematched["applied"] == 1, imported.rematched
    status, applied, apps, _, advices = _state(rt, tx)
    assert (status, applied, apps, advices) == ("applied", 30000, [("INV-7", 30000, 0)], [("applied", tx, None)])


def test_the_sweep_links_an_advice_a_crash_left_waiting(rt) -> None:
    from workflows.pipeline import sweep

    _book(rt)
    tx = _pay(rt, E("490.00", ref="B-SWEEP", name="Unknown Sender Ltd", date="2026-12-03"), "pay.xml")
    _stored_only(rt, _x12("B-SWEEP", "490.00", "RMR*IV*INV-2**490.00"), "acme.820")
    result = sweep(rt)
    assert result.match is not None and (result.match.advices, result.match.applied) == (1, 1)
    assert _state(rt, tx)[0] == "applied"
    assert sweep(rt).match is None  # nothing left waiting


def test_the_dry_run_shows_the_payment_a_waiting_advice_would_decide_and_changes_nothing(rt) -> None:
    from datetime import date

    from workflows.pipeline import decisions

    _book(rt)
    tx = _pay(rt, E("1200.00", ref="GLX-REF-9", name="Unknown Sender Ltd", date="2026-12-03"), "pay.xml")
    _stored_only(rt, (CSV_HEADER + "Globex Corporation,GLX-REF-9,1200.00,INV-3,700.00,\n"
                      "Globex Corporation,GLX-REF-9,1200.00,INV-4,500.00,\n").encode(), "globex.csv")
    before = (_state(rt, tx), _audit_actions(rt))
    (only,) = [d for d in decisions(rt, today=date(2026, 12, 4), include_review=True) if d["transaction_id"] == tx]
    assert (only["action"], only["invoice_numbers"], only["reason"]) == ("advice", ["INV-3", "INV-4"],
                                                                          "remittance_advice")
    assert (_state(rt, tx), _audit_actions(rt)) == before


def test_an_advice_in_review_for_an_invoice_not_in_the_book_applies_once_the_import_brings_it(rt) -> None:
    """Linked on arrival, but INV-8 was not in the book: review. The import that brings INV-8
    tries the advice again — applied per its lines; an import of something else changes nothing."""
    _book(rt)
    tx = _pay(rt, E("750.00", ref="GLX-REF-8", name="Unknown Sender Ltd", date="2026-12-03"), "pay.xml")
    _ingest(rt, (CSV_HEADER + "Globex Corporation,GLX-REF-8,750.00,INV-3,700.00,\n"
                 "Globex Corporation,GLX-REF-8,750.00,INV-8,50.00,\n").encode(), "globex.csv")
    status, _, apps, review, advices = _state(rt, tx)
    assert (status, apps) == ("review", []) and review[1] == "advice_mismatch"
    assert advices[0][:2] == ("review", tx) and "invoice INV-8 is not in the book" in advices[0][2]

    def _import(row: str, name: str) -> dict[str, int]:
        book = parse_book((HEADER + "\n" + row + "\n").encode(), name)
        assert not book.errors, book.errors
        return import_invoices(rt, book, file=name, actor="erp-import").rematched

    _import("INV-9,C1,Acme Industries Inc,EUR,80.00,2026-11-28,net 30", "other.csv")
    assert _state(rt, tx)[0] == "review"  # names nothing new: not tried again
    assert _import("INV-8,C2,Globex Corporation,EUR,50.00,2026-11-28,net 30", "more.csv")["applied"] == 1
    status, applied, apps, review, advices = _state(rt, tx)
    assert (status, applied, apps) == ("applied", 75000, [("INV-3", 70000, 0), ("INV-8", 5000, 0)])
    assert review[0] == "resolved" and advices == [("applied", tx, None)]
    _import("INV-8,C2,Globex Corporation,EUR,50.00,2026-11-28,net 30", "again.csv")  # re-sent: nothing doubles
    assert _state(rt, tx)[:3] == ("applied", 75000, [("INV-3", 70000, 0), ("INV-8", 5000, 0)])
