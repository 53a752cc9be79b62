"""Round trip: generated records ▸ iso20022.writer ▸ iso20022.camt parser ▸ the same records.

For each camt.053 version the writer supports (001.02, 001.04, 001.08), hypothesis builds
statements with realistic content (XML-special and non-ASCII text, IBANs and other account
ids, batches of 1-5 transactions summing to the entry amount, invoices, creditor refs,
returns, reversals, pending entries), writes them, parses them back and compares field by
field. Written documents are also validated against the bundled ISO XSDs, and every real
camt.053 sample of the shared corpus must survive parse ▸ write ▸ parse unchanged.

Normalizations — what the format cannot carry, so the comparison does not expect it:
  N1 Transaction.uetr: Refs/UETR exists only from 001.08; expected None for 02/04.
  N2 ReturnInfo: camt RtrInf carries only Rsn (Cd/Prtry) and AddtlInf; original_reference is
     filled by the parser from the transaction's EndToEndId/InstrId, and original_rdfi,
     date_of_death, dishonored/contested codes are ACH-only: none of these are compared.
  N3 Entry.kind / Entry.charges / Transaction.change_info are not written (kind is derived
     by the parser from BkTxCd; NOCs are ACH-only) and not compared.
  N4 Statement.opening_balance / closing_balance are not written directly: the writer writes
     `balances`, and the parser derives opening (OPBD, else PRCD) and closing (CLBD) from them.
     The generator keeps them consistent, so they are compared with the generated values.
  N5 None vs empty: camt text elements have minLength 1, so generated optional text is either
     None or non-empty (after strip); tuples are () when absent. Nothing to map.
  N6 Statement from/to dates travel as FrDtTm/ToDtTm; only the date part is compared.
  N7 Amounts compare as Decimal values (10.5 == 10.50); exactness is checked separately by
     summing per direction and currency ("never loses a cent").
  N8 EndToEndId "NOTPROVIDED" (any case) is the ISO placeholder for "none"; the parser reads
     it as None, so a generated "NOTPROVIDED" is expected back as None.
  N9 Free text — counterparty names, Ustrd lines, AddtlNtryInf, RtrInf/AddtlInf — is read
     with white-space runs collapsed to one space (line breaks and indentation inside are
     layout); identifiers and references are compared exactly.
"""

from __future__ import annotations

import string
from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.money import exponent, from_minor
from core.records import (
    Balance,
    Direction,
    Entry,
    EntryStatus,
    Format,
    InvoiceRef,
    ParsedFile,
    ReturnInfo,
    Statement,
    Transaction,
    collect,
)
from iso20022.writer import SUPPORTED_VERSIONS, format_camt_amount, looks_like_iban, write_camt053
from tests.support import SHARED, shared_samples

CREATED = datetime(2026, 11, 24, 18, 30, 0)
CURRENCIES = ("EUR", "USD", "CHF", "JPY")
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- strategies -----------------------------------------------------------------------------

# Printable text incl. the XML specials and non-ASCII (Latin-1, Latin Extended, CJK, an
# astral-plane emoji) — everything a bank lets a payer type into a reference field.
_ALPHABET = (
    string.ascii_letters
    + string.digits
    + " .,-/:;()+?!#%*=_@&<>\"'"
    + "äöüÄÖÜßéèçñøåłžšÉ€£¥–’“”"
    + "株式会社😀"
)
_REF_ALPHABET = string.ascii_letters + string.digits + "-/.&<>'\" ÄÖÜ"


def _text(max_size: int, alphabet: str = _ALPHABET) -> st.SearchStrategy[str]:
    # Parsers strip element text, so leading/trailing spaces are not part of a value (N5).
    return (
        st.text(alphabet=alphabet, min_size=1, max_size=max_size)
        .map(str.strip)
        .filter(bool)
    )


def _opt(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


def _minor_units_cap(currency: str) -> int:
    """999,999,999.99 (or 999,999,999 for JPY) in minor units."""
    exp = exponent(currency)
    return 999_999_999 * 10**exp + (10**exp - 1)


def _iban(country: str, bban: str) -> str:
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    check = 98 - int(numeric) % 97
    return f"{country}{check:02d}{bban}"


_ibans = st.one_of(
    st.text(string.digits, min_size=18, max_size=18).map(lambda b: _iban("DE", b)),
    st.text(string.digits, min_size=17, max_size=17).map(lambda b: _iban("CH", b)),
    st.tuples(
        st.text(string.ascii_uppercase, min_size=4, max_size=4),
        st.text(string.digits, min_size=14, max_size=14),
    ).map(lambda t: _iban("GB", t[0] + t[1])),
)
_other_accounts = st.one_of(
    st.tuples(
        st.text(string.digits, min_size=9, max_size=9), st.text(string.digits, min_size=4, max_size=17)
    ).map(lambda t: f"ABA:{t[0]}:{t[1]}"),
    st.text(string.ascii_uppercase + string.digits + "-", min_size=4, max_size=34)
    .filter(lambda s: not looks_like_iban(s)),
)
_accounts = _ibans | _other_accounts

_bank_codes = st.sampled_from(
    [
        "PMNT/RCDT/ESCT", "PMNT/ICDT/ESCT", "PMNT/RDDT/ESDD", "PMNT/RCHQ/URCQ", "PMNT/RCDT/DMCT",
        "NTRF+166", "195", "166:BAI", "PMNT/RCDT/ESCT; N654:ABNAMRO",  # parser spelling: Cd:Issr, "; "
    ]
)
_return_reasons = st.sampled_from(["AC04", "AC06", "MD06", "AM04", "MS03", "FOCR", "R01", "R02", "R10"])
_dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


# Strategies are built once (not inside the composites): re-creating them per draw makes
# hypothesis re-validate them every time, which was most of this file's run time.
_ref = _text(35, _REF_ALPHABET)
_opt_ref = _opt(_ref)
_opt_name = _opt(_text(70))
_remittance = st.lists(_text(140), max_size=3).map(tuple)
_creditor_refs = st.lists(_ref, max_size=2).map(tuple)
_opt_check = _opt(st.text(string.digits, min_size=1, max_size=10))
_opt_uetr = _opt(st.uuids(version=4).map(str))
_opt_return = _opt(st.builds(ReturnInfo, reason_code=_return_reasons, additional_info=_opt(_text(105))))
_opt_account = _opt(_accounts)
_opt_dates = _opt(_dates)
_opt_bank_code = _opt(_bank_codes)
_opt_entry_info = _opt(_text(200))
_BALANCE_TYPES = ["OPBD", "CLBD", "CLAV", "FWAV", "ITBD", "OPAV", "PRCD", "010", "015", "040"]
_balance_types = st.lists(st.sampled_from(_BALANCE_TYPES), min_size=1, max_size=4, unique=True)
_units = {c: st.integers(1, _minor_units_cap(c)) for c in CURRENCIES}
_signed_units = {c: st.integers(-_minor_units_cap(c), _minor_units_cap(c)) for c in CURRENCIES}
# 1-5 transaction amounts per entry; each at most a fifth of the cap so the entry fits too.
_parts = {
    c: st.lists(st.integers(1, _minor_units_cap(c) // 5), min_size=1, max_size=5) for c in CURRENCIES
}
_invoices = {
    c: st.lists(
        st.builds(InvoiceRef, number=_ref, amount=_opt(_units[c].map(lambda u, c=c: from_minor(u, c)))),
        max_size=3,
    ).map(tuple)
    for c in CURRENCIES
}


@st.composite
def transactions(draw: st.DrawFn, currency: str, amount_units: int) -> Transaction:
    return Transaction(
        amount=from_minor(amount_units, currency),
        currency=currency,
        end_to_end_id=draw(_opt_ref),
        instruction_id=draw(_opt_ref),
        transaction_id=draw(_opt_ref),
        uetr=draw(_opt_uetr),
        mandate_id=draw(_opt_ref),
        check_number=draw(_opt_check),
        counterparty_name=draw(_opt_name),
        counterparty_account=draw(_opt_account),
        remittance=draw(_remittance),
        references=draw(_creditor_refs),
        invoices=draw(_invoices[currency]),
        return_info=draw(_opt_return),
    )


# Mostly the account's currency; about one entry in ten in another (FX accounts, mixed files).
_entry_currency = {c: st.sampled_from([c] * 9 + [o for o in CURRENCIES if o != c]) for c in CURRENCIES}


@st.composite
def entries(draw: st.DrawFn, account_currency: str) -> Entry:
    currency = draw(_entry_currency[account_currency])
    # 1-5 transactions whose amounts sum to the entry amount (each at least one minor unit).
    parts = draw(_parts[currency])
    return Entry(
        amount=from_minor(sum(parts), currency),
        currency=currency,
        direction=draw(st.sampled_from(Direction)),
        status=draw(st.sampled_from(EntryStatus)),
        booking_date=draw(_opt_dates),
        value_date=draw(_opt_dates),
        bank_reference=draw(_opt_ref),
        reversal=draw(st.booleans()),
        bank_code=draw(_opt_bank_code),
        additional_info=draw(_opt_entry_info),
        transactions=tuple(draw(transactions(currency, units)) for units in parts),
    )


_entries = {c: st.lists(entries(c), max_size=5).map(tuple) for c in CURRENCIES}


@st.composite
def statements(draw: st.DrawFn) -> Statement:
    currency = draw(st.sampled_from(CURRENCIES))
    balances = []
    for balance_type in draw(_balance_types):
        day = draw(_dates).isoformat()
        if draw(st.booleans()):
            day += "T17:00:00"
        amount = from_minor(draw(_signed_units[currency]), currency)
        balances.append(Balance(balance_type, amount, currency, day))
    by_type = {b.type: b.amount for b in balances}
    dated = draw(st.booleans())
    from_day = draw(_dates)
    return Statement(
        id=draw(_ref),
        account=draw(_accounts),
        currency=currency,
        opening_balance=by_type.get("OPBD", by_type.get("PRCD")),  # N4
        closing_balance=by_type.get("CLBD"),
        from_date=from_day if dated else None,
        to_date=draw(st.dates(min_value=from_day, max_value=date(2099, 12, 31))) if dated else None,
        balances=tuple(balances),
        entries=draw(_entries[currency]),
    )


documents = st.lists(statements(), min_size=1, max_size=3)

# --- projections: the fields the writer writes, normalized (see N1-N7) ----------------------


def _squash(value: str | None) -> str | None:
    """N9: free text with white-space runs collapsed."""
    return None if value is None else " ".join(value.split())


def _tx_view(tx: Transaction, version: str) -> dict[str, Any]:
    ret = tx.return_info
    return {
        "amount": tx.amount,
        "currency": tx.currency,
        "end_to_end_id": None if (tx.end_to_end_id or "").upper() == "NOTPROVIDED" else tx.end_to_end_id,  # N8
        "instruction_id": tx.instruction_id,
        "transaction_id": tx.transaction_id,
        "uetr": tx.uetr if version == "001.08" else None,  # N1 (parsed side is None anyway)
        "mandate_id": tx.mandate_id,
        "check_number": tx.check_number,
        "counterparty_name": _squash(tx.counterparty_name),  # N9
        "counterparty_account": tx.counterparty_account,
        "remittance": tuple(_squash(line) for line in tx.remittance),  # N9
        "references": tuple(tx.references),
        "invoices": tuple((i.number, i.amount) for i in tx.invoices),
        "return": None if ret is None else (ret.reason_code, _squash(ret.additional_info)),  # N2, N9
    }


def _entry_view(e: Entry, version: str) -> dict[str, Any]:
    return {  # N3: kind, charges not compared
        "amount": e.amount,
        "currency": e.currency,
        "direction": e.direction,
        "status": e.status,
        "booking_date": e.booking_date,
        "value_date": e.value_date,
        "bank_reference": e.bank_reference,
        "reversal": e.reversal,
        "bank_code": e.bank_code,
        "additional_info": _squash(e.additional_info),  # N9
        "transactions": [_tx_view(t, version) for t in e.transactions],
    }


def _statement_view(s: Statement) -> dict[str, Any]:
    return {
        "id": s.id,
        "account": s.account,
        "currency": s.currency,
        "opening_balance": s.opening_balance,  # N4
        "closing_balance": s.closing_balance,
        "from_date": s.from_date,  # N6: a date on both sides
        "to_date": s.to_date,
        "balances": [(b.type, b.amount, b.currency, b.date) for b in s.balances],
    }


def _assert_same(expected: list[Statement], parsed: ParsedFile, version: str) -> None:
    """Field-by-field comparison, so a failure names the statement/entry/field that differs."""
    assert len(parsed.statements) == len(expected), "statement count"
    for si, (want, got) in enumerate(zip(expected, parsed.statements)):
        assert _statement_view(got) == _statement_view(want), f"{version} statement {si}"
        assert len(got.entries) == len(want.entries), f"{version} statement {si}: entry count"
        for ei, (we, ge) in enumerate(zip(want.entries, got.entries)):
            wv, gv = _entry_view(we, version), _entry_view(ge, version)
            wtx, gtx = wv.pop("transactions"), gv.pop("transactions")
            assert gv == wv, f"{version} statement {si} entry {ei}"
            assert len(gtx) == len(wtx), f"{version} statement {si} entry {ei}: transaction count"
            for ti, (wt, gt) in enumerate(zip(wtx, gtx)):
                for name in wt:
                    assert gt[name] == wt[name], (
                        f"{version} statement {si} entry {ei} tx {ti} field {name}: "
                        f"parsed {gt[name]!r}, written {wt[name]!r}"
                    )


def _sums(stmts: tuple[Statement, ...] | list[Statement]) -> Counter[tuple[Direction, str]]:
    totals: Counter[tuple[Direction, str]] = Counter()
    for s in stmts:
        for e in s.entries:
            totals[(e.direction, e.currency or "")] += e.amount  # type: ignore[assignment]
    return totals


# --- XSD ------------------------------------------------------------------------------------

_schemas: dict[str, Any] = {}


def _schema(version: str) -> Any:
    from lxml import etree

    if version not in _schemas:
        path = SHARED / "iso20022" / "xsd" / f"camt.053.{version}.xsd"
        if not path.exists():
            pytest.skip(f"ISO schemas not present: {path}")
        _schemas[version] = etree.XMLSchema(etree.parse(str(path)))
    return _schemas[version]


def _assert_valid(data: bytes, version: str) -> None:
    from lxml import etree

    schema = _schema(version)
    if not schema.validate(etree.fromstring(data)):
        pytest.fail(f"camt.053.{version} output not XSD-valid: {schema.error_log.filter_from_errors()[:5]}")


# --- tests ----------------------------------------------------------------------------------


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
@SETTINGS
@given(stmts=documents)
def test_writer_output_is_xsd_valid(version: str, stmts: list[Statement]) -> None:
    _assert_valid(write_camt053(stmts, version=version, created=CREATED), version)


@SETTINGS
@given(stmts=documents, pretty=st.booleans())
def test_roundtrip_through_parser(stmts: list[Statement], pretty: bool) -> None:
    camt = pytest.importorskip("iso20022.camt")
    for version in SUPPORTED_VERSIONS:
        # Indented and single-line output: the parser must not depend on layout whitespace.
        data = write_camt053(stmts, version=version, created=CREATED, pretty=pretty)
        parsed = collect(Format.CAMT053, camt.iter_records(BytesIO(data)))
        # Random balances need not add up: the integrity warning (Bal/CLBD) is the data's.
        warnings = [w for w in parsed.warnings if w.field != "Bal/CLBD"]
        assert warnings == [], f"{version}: {[str(w) for w in warnings]}"
        _assert_same(stmts, parsed, version)
        # Amounts never lose a cent: exact per-direction, per-currency totals.
        assert _sums(parsed.statements) == _sums(stmts), version


@pytest.mark.parametrize(
    "sample", shared_samples("iso20022", "*camt053*.xml"), ids=lambda p: p.name
)
@pytest.mark.parametrize("version", ["001.02", "001.08"])
def test_parsed_real_samples_survive_a_rewrite(sample: Path, version: str) -> None:
    """parse(sample) ▸ write ▸ parse gives the same records: real-world shapes (DtTm dates,
    proprietary balance types, five decimals, batches, returns) through the writer."""
    camt = pytest.importorskip("iso20022.camt")
    with sample.open("rb") as source:
        first = collect(Format.CAMT053, camt.iter_records(source))
    data = write_camt053(list(first.statements), version=version, created=CREATED)
    second = collect(Format.CAMT053, camt.iter_records(BytesIO(data)))
    # A statement that does not add up (Bal/CLBD) still does not after the rewrite.
    # (The writer may write amounts to the currency's decimals: compare the figures.)
    def balance(parsed: ParsedFile) -> list[tuple[str | None, Decimal]]:
        return [(w.record, Decimal(w.value or "")) for w in parsed.warnings if w.field == "Bal/CLBD"]

    assert balance(second) == balance(first)
    rest = [w for w in second.warnings if w.field != "Bal/CLBD"]
    assert rest == [], [str(w) for w in rest]
    _assert_same(list(first.statements), second, version)


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_detect_recognizes_written_documents(version: str) -> None:
    camt = pytest.importorskip("iso20022.camt")
    data = write_camt053([_example_statement()], version=version, created=CREATED)
    assert camt.detect(data[:4096]) == Format.CAMT053


# --- writer unit tests (no parser needed) ---------------------------------------------------


def _example_statement() -> Statement:
    tx = Transaction(
        Decimal("1250.00"),
        "EUR",
        end_to_end_id="E2E-1",
        counterparty_name="Müller & Söhne <GmbH> \"Q\" 'A'",
        counterparty_account="DE89370400440532013000",
        remittance=("Rechnung 4711 & 4712 < fällig >",),
        invoices=(InvoiceRef("4711", Decimal("1000.00")), InvoiceRef("4712")),
        references=("RF18539007547034",),
    )
    entry = Entry(
        Decimal("1250.00"), "EUR", Direction.CREDIT, booking_date=date(2026, 11, 2),
        bank_reference="REF-1", bank_code="PMNT/RCDT/ESCT", transactions=(tx,),
    )
    return Statement(
        "STMT-1", "CH9300762011623852957", "EUR",
        balances=(Balance("OPBD", Decimal("-5.00"), "EUR", "2026-11-01"),),
        entries=(entry,),
    )


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        ("12.5", "EUR", "12.50"),
        ("1250", "JPY", "1250"),
        ("0", "USD", "0.00"),
        ("1.23456", "EUR", "1.23456"),  # extra precision is kept, never rounded
        ("7.000", "KWD", "7.000"),
        ("999999999.99", "CHF", "999999999.99"),
    ],
)
def test_amount_text_uses_currency_exponent(amount: str, currency: str, text: str) -> None:
    assert format_camt_amount(Decimal(amount), currency) == text


def test_amounts_refuse_floats_and_signs() -> None:
    with pytest.raises(TypeError):
        format_camt_amount(12.5, "EUR")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        format_camt_amount(Decimal("-1"), "EUR")


def test_text_is_escaped_and_survives_xml_parsing() -> None:
    from lxml import etree

    data = write_camt053([_example_statement()], version="001.08", created=CREATED)
    assert b"M\xc3\xbcller &amp; S\xc3\xb6hne &lt;GmbH&gt;" in data
    ns = {"c": "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"}
    doc = etree.fromstring(data)
    assert doc.findtext(".//c:Dbtr/c:Pty/c:Nm", namespaces=ns) == "Müller & Söhne <GmbH> \"Q\" 'A'"
    assert doc.findtext(".//c:Ustrd", namespaces=ns) == "Rechnung 4711 & 4712 < fällig >"


def test_control_characters_are_refused() -> None:
    st_ = _example_statement()
    bad = Statement("bad\x01id", st_.account, st_.currency, balances=st_.balances)
    with pytest.raises(ValueError, match="XML"):
        write_camt053([bad])


def test_streaming_records_equal_whole_statements() -> None:
    """write_camt053_to with a parser-shaped stream (Statement, Entry, ...) = write_camt053."""
    from dataclasses import replace

    from iso20022.writer import write_camt053_to

    whole = _example_statement()
    stream = [replace(whole, entries=()), *whole.entries]
    buffer = BytesIO()
    size = write_camt053_to(buffer, stream, version="001.04", created=CREATED)
    assert buffer.getvalue() == write_camt053([whole], version="001.04", created=CREATED)
    assert size == len(buffer.getvalue())


def test_statement_without_balance_is_refused() -> None:
    with pytest.raises(ValueError, match="balance"):
        write_camt053([Statement("S", "X")])
