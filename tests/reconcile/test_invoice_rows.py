"""Reading the invoice book (pure: no database): valid rows, rejected values, warnings."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconcile.invoice_rows import BookFileError, parse_book

HEADER = "invoice_number,customer_id,customer_name,currency,amount,open_amount,issue_date,due_date,terms,po_number,customer_accounts"
GOOD = "INV-1,C1,Acme GmbH,EUR,1250.00,,2026-10-21,2026-11-20,net 30,PO-9,DE89 3704 0044 0532 0130 00"


def csv_book(*rows: str, header: str = HEADER, name: str = "book.csv"):  # type: ignore[no-untyped-def]
    return parse_book(("\n".join((header, *rows)) + "\n").encode(), name)


def jsonl_book(*objects: dict, name: str = "book.jsonl"):  # type: ignore[no-untyped-def]
    return parse_book("\n".join(json.dumps(o) for o in objects).encode(), name)


def invoice(**overrides: object) -> dict:
    base = {"invoice_number": "INV-1", "customer_id": "C1", "customer_name": "Acme", "currency": "EUR",
            "amount": "100.00", "issue_date": "2026-10-01"}
    return {**base, **overrides}


def errors_of(book) -> list[tuple[int, str | None, str | None]]:  # type: ignore[no-untyped-def]
    return [(e.row, e.column, e.value) for e in book.errors]


def test_a_good_csv_row_becomes_an_invoice_row_in_minor_units() -> None:
    book = csv_book(GOOD)
    assert (book.format, book.rows_read, book.errors, book.warnings) == ("csv", 1, (), ())
    (row,) = book.rows
    assert (row.row, row.invoice_number, row.customer_id, row.customer_name) == (2, "INV-1", "C1", "Acme GmbH")
    assert (row.currency, row.amount_minor, row.open_minor) == ("EUR", 125000, 125000)  # open defaults to amount
    assert row.amount == Decimal("1250.00") and isinstance(row.amount, Decimal)
    assert (row.issue_date, row.due_date, row.terms, row.po_number) == (
        date(2026, 10, 21), date(2026, 11, 20), "net 30", "PO-9")
    assert row.accounts == ("DE89370400440532013000",)  # normalized


def test_optional_columns_may_be_absent_and_due_date_comes_from_the_terms() -> None:
    book = csv_book(
        "INV-1,C1,Acme,EUR,100.00,2026-10-21,2/10 net 30",
        "INV-2,C1,Acme,EUR,100.00,2026-10-21,EOM",
        "INV-3,C1,Acme,EUR,100.00,2026-10-21,",
        header="invoice_number,customer_id,customer_name,currency,amount,issue_date,terms",
    )
    assert book.errors == ()
    assert [r.due_date for r in book.rows] == [date(2026, 11, 20), date(2026, 10, 31), None]
    assert all(r.accounts == () and r.po_number is None for r in book.rows)


def test_rows_say_which_optional_columns_they_carry() -> None:
    book = csv_book(
        "INV-1,C1,Acme,EUR,100.00,2026-10-21,net 30",
        "INV-2,C1,Acme,EUR,100.00,2026-10-21,made up",
        header="invoice_number,customer_id,customer_name,currency,amount,issue_date,terms",
    )
    assert book.rows[0].given == {"terms", "due_date"}  # the due date came from the terms
    assert book.rows[1].given == {"terms"}  # unknown terms derive nothing
    assert csv_book(GOOD).rows[0].given == set(HEADER.split(",")) - {
        "invoice_number", "customer_id", "customer_name", "currency", "amount", "issue_date"}
    (row,) = jsonl_book(invoice(po_number=None)).rows
    assert row.given == {"po_number"}  # a key with null is given (and empty); an absent key is not


def test_bom_header_spelling_delimiters_and_unknown_columns() -> None:
    text = ("\ufeffInvoice Number;Customer-ID; CUSTOMER_NAME ;Currency;Amount;Issue Date;Colour;Region\n"
            "INV-1;C1;Acme;eur;1,250.00;2026-10-21;blue;EMEA\n")
    book = parse_book(text.encode("utf-8"), "export.csv")
    assert book.errors == ()
    (row,) = book.rows
    assert (row.currency, row.amount_minor) == ("EUR", 125000)
    assert book.warnings == ("ignored unknown column(s): colour, region",)  # one warning, not one per row


def test_json_lines_amounts_as_strings_or_integers_accounts_as_list_or_text() -> None:
    book = jsonl_book(
        invoice(amount="1250.00", open_amount=1000, customer_accounts=["DE89 3704 0044 0532 0130 00"]),
        invoice(invoice_number="INV-2", currency="JPY", amount=125000, customer_accounts="091000019:000123-45"),
    )
    assert book.errors == ()
    first, second = book.rows
    assert (first.amount_minor, first.open_minor, first.accounts) == (125000, 100000, ("DE89370400440532013000",))
    assert (second.amount_minor, second.accounts) == (125000, ("ABA:091000019:12345",))


def test_aliases_extension() -> None:
    book = csv_book(
        "INV-1,C1,Fabrikam International Corp.,EUR,1.00,2026-10-01,FABRIKAM INTL CORP; Fabrikam  Inc ;fabrikam international corp.",
        header="invoice_number,customer_id,customer_name,currency,amount,issue_date,customer_aliases",
    )
    # Whitespace tidied; the customer's own name is not stored again as an alias.
    assert book.rows[0].aliases == ("FABRIKAM INTL CORP", "Fabrikam Inc")


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("amount", "12,50", "decimal point"),  # a decimal comma is never guessed
        ("amount", "1,250", "decimal point"),  # ambiguous: 1250 or 1.25?
        ("amount", "1e3", "no exponent"),
        ("amount", "12.345", "2 decimal place"),  # sub-cent: an error, never rounded
        ("amount", "-5.00", "negative"),
        ("amount", "$5.00", "decimal point"),
        ("amount", "", "required"),
        ("amount", "9999999999999999.00", "too large"),
        ("amount", "1." + "0" * 70, "longer than 64 characters"),  # not a crash of the whole file
        ("open_amount", "1250.01", "more than the invoice amount"),
        ("open_amount", "0.001", "2 decimal place"),
        ("issue_date", "2026-13-01", "YYYY-MM-DD"),
        ("issue_date", "20/11/2026", "YYYY-MM-DD"),
        ("issue_date", "20261120", "YYYY-MM-DD"),
        ("due_date", "2026-10-01", "before the issue date"),
        ("currency", "EURO", "three letters"),
        ("currency", "E1R", "three letters"),
        ("currency", "ABC", "not an ISO 4217 currency code"),  # three letters, but no currency
        ("currency", "XYZ", "not an ISO 4217 currency code"),
        ("customer_accounts", "DE89 3704 0044 0532 0130 01", "not a valid IBAN"),
        ("customer_accounts", "091000018:12345", "routing"),
        ("invoice_number", "X" * 65, "longer than 64"),
        ("customer_name", "", "required"),
    ],
)
def test_a_bad_value_rejects_its_row_naming_row_column_and_value(column: str, value: str, message: str) -> None:
    fields = dict(zip(HEADER.split(","), GOOD.split(",")))
    fields[column] = value
    bad = ",".join(f'"{v}"' for v in fields.values())
    book = csv_book(GOOD, bad, GOOD.replace("INV-1", "INV-3"))
    assert [r.invoice_number for r in book.rows] == ["INV-1", "INV-3"]  # the good rows are unaffected
    (error,) = book.errors
    assert (error.row, error.column, error.value) == (3, column, value)
    assert message in error.message
    assert str(error).startswith(f"row 3, column {column}")


def test_yen_has_no_decimals_and_dinar_three() -> None:
    book = jsonl_book(
        invoice(currency="JPY", amount="100.50"),
        invoice(invoice_number="INV-2", currency="KWD", amount="1.125"),
    )
    assert errors_of(book) == [(1, "amount", "100.50")]
    assert book.rows[0].amount_minor == 1125


def test_every_bad_column_of_a_row_is_reported() -> None:
    book = csv_book("INV-1,C1,Acme,EURO,1e3,,2026-02-30,,net 30,,")
    assert errors_of(book) == [(2, "currency", "EURO"), (2, "amount", "1e3"), (2, "issue_date", "2026-02-30")]
    assert book.rows == () and book.rejected_rows == 1


@pytest.mark.parametrize("amount", [1250.0, 12.5, 1e3])
def test_a_json_float_amount_is_an_error_money_is_never_float(amount: float) -> None:
    book = jsonl_book(invoice(amount=amount), invoice(invoice_number="INV-2"))
    (error,) = book.errors
    assert (error.row, error.column, error.value) == (1, "amount", json.dumps(amount))
    assert "float" in error.message
    assert [r.invoice_number for r in book.rows] == ["INV-2"]


def test_json_lines_bad_lines_and_values() -> None:
    lines = [
        json.dumps(invoice()),
        "{not json",
        json.dumps([1, 2]),
        json.dumps(invoice(invoice_number="INV-4", amount=True)),
        json.dumps(invoice(invoice_number=10425.0)),
        '{"invoice_number": "INV-6", "Invoice Number": "INV-7", "customer_id": "C1"}',
        json.dumps({"invoice_number": "INV-7"}),
        '{"invoice_number": "INV-8", "customer_id": "C1", "customer_name": "A", "currency": "EUR", '
        '"amount": NaN, "issue_date": "2026-10-01"}',
        "",
        json.dumps(invoice(invoice_number=10426)),  # an integer identifier is fine
    ]
    book = parse_book("\n".join(lines).encode(), "book.jsonl")
    assert [r.invoice_number for r in book.rows] == ["INV-1", "10426"]
    rows_with_errors = {e.row for e in book.errors}
    assert rows_with_errors == {2, 3, 4, 5, 6, 7, 8}
    assert ("invoice_number", None) in [(e.column, e.value) for e in book.errors if e.row == 6]  # key twice
    missing = {e.column for e in book.errors if e.row == 7}
    assert missing == {"customer_id", "customer_name", "currency", "amount", "issue_date"}
    assert book.rows_read == 9  # blank lines are not rows


def test_unknown_terms_are_kept_as_text_with_a_warning_naming_row_column_value() -> None:
    book = csv_book("INV-1,C1,Acme,EUR,100.00,,2026-10-01,,pay when you can,,")
    (row,) = book.rows
    assert (row.terms, row.due_date) == ("pay when you can", None)
    (warning,) = book.warnings
    assert warning.startswith("row 2, column terms = 'pay when you can': unknown payment terms")


def test_a_shifted_csv_row_is_rejected_not_guessed() -> None:
    book = csv_book(GOOD, "INV-2,C1,Contoso, Ltd,EUR,100.00,,2026-10-01,,net 30,,", GOOD.replace("INV-1", "INV-3"))
    assert [r.invoice_number for r in book.rows] == ["INV-1", "INV-3"]
    (error,) = book.errors
    assert (error.row, error.column) == (3, None) and "12 fields, the header has 11" in error.message


def test_row_numbers_are_spreadsheet_rows() -> None:
    book = csv_book("", GOOD, ",,,,,,,,,,", 'INV-2,C1,"Acme\nGmbH",EUR,x,,2026-10-01,,,,')
    assert book.rows[0].row == 3  # header 1, blank 2
    assert errors_of(book) == [(5, "amount", "x")]


def test_one_invoice_twice_identical_is_a_warning_different_rejects_both() -> None:
    book = csv_book(
        GOOD,
        GOOD,
        GOOD.replace("INV-1", "INV-2"),
        GOOD.replace("INV-1", "INV-2").replace("1250.00", "1300.00"),
    )
    assert [(r.row, r.invoice_number) for r in book.rows] == [(2, "INV-1"), (3, "INV-1")]
    assert book.warnings == ("row 3, column invoice_number = 'INV-1': repeats row 2 exactly",)
    assert errors_of(book) == [(4, "invoice_number", "INV-2"), (5, "invoice_number", "INV-2")]


def test_a_customer_named_two_ways_in_one_file_is_a_warning() -> None:
    book = csv_book(GOOD, GOOD.replace("INV-1", "INV-2").replace("Acme GmbH", "ACME GmbH & Co. KG"))
    assert len(book.rows) == 2
    (warning,) = book.warnings
    assert "customer C1 has 2 names" in warning and "'ACME GmbH & Co. KG', is kept" in warning


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "a.csv", "empty file"),
        (b"\n\n", "a.jsonl", "empty file"),
        ("invoice_number;amount\n1;2\n".encode(), "a.csv", "missing from the header: customer_id"),
        (f"{HEADER},Amount\n".encode(), "a.csv", "named twice"),
        ("invoice_number,customer_name\nINV-1,Müller".encode("latin-1"), "a.csv", "not UTF-8"),
        (b'[{"invoice_number": "INV-1"}]', "a.json", "JSON array"),
    ],
)
def test_an_unreadable_file_is_rejected_whole(data: bytes, name: str, message: str) -> None:
    with pytest.raises(BookFileError, match=message):
        parse_book(data, name)


def test_format_from_content_when_the_name_says_nothing() -> None:
    assert parse_book(json.dumps(invoice()).encode(), "export").format == "jsonl"
    assert parse_book(f"{HEADER}\n{GOOD}\n".encode(), "export").format == "csv"


@given(st.decimals(min_value=0, max_value=Decimal("9999999999.99"), places=2, allow_nan=False))
def test_any_two_decimal_amount_survives_exactly(amount: Decimal) -> None:
    book = jsonl_book(invoice(amount=format(amount, "f")))
    assert book.errors == ()
    assert book.rows[0].amount == amount and book.rows[0].amount_minor == int(amount * 100)
