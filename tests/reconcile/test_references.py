from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest

from reconcile.model import OpenInvoice
from reconcile.normalize import po_key, ref_key
from reconcile.references import Source, extract, one_edit

from .builders import invoice, payment

BOOK = [
    invoice("INV-1001", "C1", "100.00"), invoice("INV-1002", "C1", "200.00"), invoice("INV-1003", "C1", "300.00"),
    invoice("INV-2024-0042", "C1", "42.00"), invoice("90001", "C2", "10.00", po="PO-4500123"),
    invoice("INV-7", "C2", "7.00"), invoice("2026", "C2", "20.26"), invoice("123456", "C2", "1.00"),
]


def _index(book: list[OpenInvoice]) -> tuple[dict[str, list[OpenInvoice]], dict[str, list[OpenInvoice]]]:
    by_number: dict[str, list[OpenInvoice]] = defaultdict(list)
    by_po: dict[str, list[OpenInvoice]] = defaultdict(list)
    for inv in book:
        by_number[ref_key(inv.number) or ""].append(inv)
        if inv.po_number:
            by_po[po_key(inv.po_number) or ""].append(inv)
    return by_number, by_po


BY_NUMBER, BY_PO = _index(BOOK)


def numbers(*lines: str, **kw: object) -> list[str]:
    ex = extract(payment("1.00", *lines, **kw), BY_NUMBER, BY_PO)  # type: ignore[arg-type]
    return sorted(h.invoice.number for h in ex.hits)


@pytest.mark.parametrize("line", [
    "INV-1001", "inv 1001", "Invoice no. 1001", "RE: INV#1001", "payment 0001001 thanks", "INV1001",
    "Rechnung Nr. 1001", "ref:inv-1001.", "1001",
])
def test_one_invoice_in_many_shapes(line: str) -> None:
    assert numbers(line) == ["INV-1001"]


@pytest.mark.parametrize("line", [
    "INV 1001, 1002 and 1003", "INV 1001/1002/1003", "Inv.1001,1002,1003", "invoices 1001 + 1002 & 1003",
    "INV-1001 INV-1002 INV-1003",
])
def test_several_invoices_in_one_line(line: str) -> None:
    assert numbers(line) == ["INV-1001", "INV-1002", "INV-1003"]


@pytest.mark.parametrize("line", ["INV 2024 0042", "INV-2024-0042", "2024/0042", "inv2024-0042", "INV.2024.0042"])
def test_numbers_split_by_the_payer_are_joined(line: str) -> None:
    assert numbers(line) == ["INV-2024-0042"]


def test_lines_are_searched_one_by_one() -> None:
    assert numbers("Payment for", "INV 1002") == ["INV-1002"]


def test_amounts_dates_and_years_are_not_references() -> None:
    assert numbers("EUR 1.234,56 paid on 12.11.2026") == []
    assert numbers("Nov 2026 statement") == []
    assert numbers("INV 2026") == ["2026"]  # explicit prefix: still a reference


def test_short_bare_numbers_are_not_references_but_prefixed_ones_are() -> None:
    assert numbers("qty 7 pcs") == []
    assert numbers("INV 7") == ["INV-7"]


def test_po_numbers_are_found_and_marked_as_po() -> None:
    ex = extract(payment("1.00", "PO 4500123"), BY_NUMBER, BY_PO)
    assert [(h.invoice.number, h.source) for h in ex.hits] == [("90001", Source.PO)]
    ex = extract(payment("1.00", "P.O. 4500-123"), BY_NUMBER, BY_PO)
    assert [h.source for h in ex.hits] == [Source.PO]


def test_structured_invoices_carry_their_amounts() -> None:
    ex = extract(payment("300.00", invoices=(("INV-1001", "100.00"), ("1002", "200.00"))), BY_NUMBER, BY_PO)
    assert [(h.invoice.number, h.source, h.amount) for h in ex.hits] == [
        ("INV-1001", Source.STRUCTURED, Decimal("100.00")), ("INV-1002", Source.STRUCTURED, Decimal("200.00"))]


def test_structured_source_wins_over_text_for_the_same_invoice() -> None:
    ex = extract(payment("100.00", "INV 1001", invoices=(("INV-1001", None),)), BY_NUMBER, BY_PO)
    assert [h.source for h in ex.hits] == [Source.STRUCTURED]


def _rf(payload: str) -> str:
    """An ISO 11649 reference with correct check digits for a payload."""
    digits = "".join(str(int(c, 36)) for c in payload + "RF00")
    check = 98 - int(digits) % 97
    return f"RF{check:02d}{payload}"


def test_valid_rf_payload_names_the_invoice() -> None:
    rf = _rf("1001")
    ex = extract(payment("1.00", references=(rf,)), BY_NUMBER, BY_PO)
    assert [(h.invoice.number, h.source) for h in ex.hits] == [("INV-1001", Source.RF)]


def test_rf_in_free_text_printed_in_groups() -> None:
    rf = _rf("000000001002")
    grouped = " ".join(rf[i:i + 4] for i in range(0, len(rf), 4))
    ex = extract(payment("1.00", f"Ref {grouped} thank you"), BY_NUMBER, BY_PO)
    assert [(h.invoice.number, h.source) for h in ex.hits] == [("INV-1002", Source.RF)]


def test_rf_with_bad_check_digits_is_not_trusted() -> None:
    rf = _rf("1001")
    bad = f"RF{(int(rf[2:4]) + 1) % 100:02d}1001"
    ex = extract(payment("1.00", references=(bad,)), BY_NUMBER, BY_PO)
    assert ex.hits == ()
    assert ex.unknown == (bad,)
    assert "check digits" in ex.notes[0]


def test_swiss_qr_reference_payload() -> None:
    from stdnum.ch import esr
    body = "123456".zfill(26)
    ref = body + esr.calc_check_digit(body)
    ex = extract(payment("1.00", references=(ref,)), BY_NUMBER, BY_PO)
    assert [h.invoice.number for h in ex.hits] == ["123456"]


def test_unknown_explicit_references_and_probes() -> None:
    ex = extract(payment("1.00", "INV 10021 thanks"), BY_NUMBER, BY_PO)
    assert ex.hits == ()
    assert ex.unknown == ("INV 10021",)
    assert "10021" in [p.key for p in ex.probes]


@pytest.mark.parametrize(("text", "named"), [
    ("Invoice F2026/3134 thanks", "INVOICE F2026/3134"),  # not 'INVOICE F2026'
    ("pmt inv-5", "INV-5"),
    ("Rechnung Nr. 4711-22", "NR. 4711-22"),
    ("INV#10021, INV 10022", "INV#10021"),
])
def test_an_unknown_reference_is_named_as_written(text: str, named: str) -> None:
    """The reviewer reads the number the payer wrote, separators and all (the tokens lose them)."""
    ex = extract(payment("1.00", text), BY_NUMBER, BY_PO)
    assert ex.hits == () and ex.unknown[0] == named


@pytest.mark.parametrize(("probe", "hit"), [
    ("100128", True),   # substitution
    ("100213", True),   # adjacent transposition
    ("10013", True),    # dropped digit
    ("1001238", True),  # extra digit
    ("100123", False),  # equal: that is an exact hit, not a fuzzy one
    ("102013", False),  # two edits
    ("200132", False),
])
def test_one_edit(probe: str, hit: bool) -> None:
    assert bool(one_edit(probe, ["100123"])) is hit


def test_one_edit_needs_long_enough_keys() -> None:
    assert one_edit("1235", ["1234"]) == []
    assert one_edit("12345", ["12346", "99999", "12345"]) == [0]


DATED_BOOK = [invoice("2026-3844", "C1", "10.00"), invoice("2026-2026", "C2", "10.00"),
              invoice("2026-0218", "C2", "10.00"), invoice("INV-1001", "C1", "10.00"), invoice("INV-1002", "C1", "10.00"),
              invoice("INV-1003", "C1", "10.00")]


@pytest.mark.parametrize(("text", "named"), [
    ("25.02.2026 2026-3844", ["2026-3844"]),  # the date's year is no half of '2026 2026'
    ("VALUE 02/06/2026 2026-3844", ["2026-3844"]),
    ("VALUE 2026-02-18", []),  # a date, not invoice 2026-0218
    ("DATED 02.18.26 INV 1001", ["INV-1001"]),  # US order
    ("2026-0218", ["2026-0218"]),  # written as the invoice number: still the invoice
    ("INV 1001/02/03", ["INV-1001", "INV-1002", "INV-1003"]),  # a shortened list is no date
    ("2026-2026 paid 31.13.2026", ["2026-2026"]),  # no month 13: not a date, nothing to mask
])
def test_a_written_out_date_is_no_reference(text: str, named: list[str]) -> None:
    by_number, by_po = _index(DATED_BOOK)
    ex = extract(payment("10.00", text), by_number, by_po)
    assert sorted(h.invoice.number for h in ex.hits) == named
