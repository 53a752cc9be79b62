"""Property: what the ACH writer writes, the reader reads back exactly -- never losing a cent."""

from __future__ import annotations

import io
import string
from datetime import date, datetime
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.records import Direction, Format, collect
from ingest import ach
from ingest.ach import codes
from ingest.ach.records import RECORD_LENGTH, aba_check_digit
from ingest.ach.writer import MAX_AMOUNT_CENTS

ORIGIN = "121042882"
# Transcribed from the Nacha transaction-code table, not taken from ingest.ach.codes: the
# credit codes (x1-x4); every other code (x6-x9 and 55, loan reversal) is a debit.
CREDIT_CODES = {21, 22, 23, 24, 31, 32, 33, 34, 41, 42, 43, 44, 51, 52, 53, 54}
RETURN_NOC_CODES = {21, 26, 31, 36, 41, 46, 51, 56}
PRINTABLE = "".join(chr(c) for c in range(0x20, 0x7F))


def _text(max_size: int, alphabet: str = PRINTABLE) -> st.SearchStrategy[str]:
    # Fixed-width fields lose leading/trailing blanks; generate values that have none, and
    # often values filling the whole field (where an off-by-one column would show).
    short = st.text(alphabet, min_size=1, max_size=max_size).map(str.strip).filter(bool)
    full = st.text(alphabet, min_size=max_size, max_size=max_size).filter(lambda s: s == s.strip())
    return st.one_of(short, full)


digits = lambda n: st.text(string.digits, min_size=n, max_size=n)  # noqa: E731
returns = st.builds(
    ach.ReturnSpec,
    # dishonored/contested codes have their own addenda layouts, which the writer refuses
    code=st.sampled_from(sorted(
        set(codes.RETURN_CODES) - codes.DISHONORED_RETURN_CODES - codes.CONTESTED_RETURN_CODES
    )),
    original_trace=digits(15),
    original_rdfi=digits(8),
    info=st.one_of(st.just(""), _text(44)),
)
changes = st.builds(
    ach.ChangeSpec,
    code=st.sampled_from(sorted(codes.CHANGE_CODES)),
    corrected_data=_text(29),
    original_trace=digits(15),
    original_rdfi=digits(8),
)
entries = st.builds(
    ach.EntrySpec,
    transaction_code=st.sampled_from(sorted(codes.TRANSACTION_CODES)),
    routing=digits(8).map(lambda r: r + aba_check_digit(r)),
    account=_text(17, string.ascii_uppercase + string.digits + "-"),
    amount_cents=st.one_of(
        st.integers(0, MAX_AMOUNT_CENTS), st.sampled_from([0, 1, 99, MAX_AMOUNT_CENTS])
    ),
    name=_text(22),
    identification=st.one_of(st.just(""), _text(15)),
    trace=st.one_of(st.none(), digits(15)),
    addenda=st.lists(_text(80), max_size=3).map(tuple),
    returned=st.one_of(st.none(), returns),
    change=st.one_of(st.none(), changes),
)
batches = st.builds(
    ach.BatchSpec,
    company_name=_text(16),
    company_id=st.one_of(st.just(ORIGIN), _text(10, string.ascii_uppercase + string.digits)),
    odfi=digits(8),
    entries=st.lists(entries, min_size=1, max_size=6),
    sec=st.sampled_from(["PPD", "CCD", "WEB", "TEL"]),
    entry_description=_text(10),
    effective_date=st.dates(date(2000, 1, 1), date(2069, 12, 31)),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    batches=st.lists(batches, min_size=1, max_size=4),
    crlf=st.booleans(),
    created=st.datetimes(datetime(2000, 1, 1), datetime(2069, 12, 31)),
)
def test_written_files_read_back_exactly(
    batches: list[ach.BatchSpec], crlf: bool, created: datetime
) -> None:
    data = ach.write_file(
        batches, immediate_destination="231380104", immediate_origin=ORIGIN, creation=created,
        line_ending="\r\n" if crlf else "\n",
    )
    lines = data.decode("ascii").splitlines()
    assert all(len(line) == RECORD_LENGTH for line in lines) and len(lines) % 10 == 0

    parsed = collect(Format.ACH, ach.iter_records(io.BytesIO(data)))
    # controls, counts, hashes and codes all agree; only random NOC corrected data can fail
    # its change code's layout (round 2 checks it: C02 needs 9 digits, C05 a code...)
    assert [w for w in parsed.warnings if w.field != "corrected data"] == []
    assert len(parsed.statements) == len(batches)

    sequence = 0
    debit = credit = 0
    for batch, statement in zip(batches, parsed.statements, strict=True):
        assert statement.account == "231380104" and statement.currency == "USD"
        assert len(statement.entries) == len(batch.entries)
        for spec, entry in zip(batch.entries, statement.entries, strict=True):
            sequence += 1
            trace = spec.trace or f"{batch.odfi}{sequence:07d}"
            credit_code = spec.transaction_code in CREDIT_CODES
            direction = Direction.CREDIT if credit_code else Direction.DEBIT
            if direction is Direction.CREDIT:
                credit += spec.amount_cents
            else:
                debit += spec.amount_cents
            assert entry.amount == Decimal(spec.amount_cents).scaleb(-2)
            assert entry.amount.as_tuple().exponent == -2
            assert entry.direction is direction
            assert entry.bank_reference == trace
            assert entry.bank_code == f"{batch.sec}/{spec.transaction_code}"
            assert entry.booking_date == entry.value_date == batch.effective_date
            assert entry.additional_info == batch.entry_description
            (tx,) = entry.transactions
            assert tx.amount == entry.amount and tx.transaction_id == trace
            # The payer of a CCD credit is the originating company, unless the file is its own
            # (company id = immediate origin) or the entry is a return/NOC.
            returned = spec.returned or spec.change or spec.transaction_code in RETURN_NOC_CODES
            incoming = batch.sec == "CCD" and credit_code and batch.company_id != ORIGIN
            if incoming and not returned:
                expected = (batch.company_name, f"ACH-CO:{batch.company_id}")
            else:
                expected = (spec.name, f"ABA:{spec.routing}:{spec.account}")
            assert (tx.counterparty_name, tx.counterparty_account) == expected
            assert tx.remittance == tuple(filter(None, (spec.identification, *spec.addenda)))
            if spec.returned:
                r = spec.returned
                ret = tx.return_info
                assert ret is not None
                assert (ret.reason_code, ret.original_reference, ret.original_rdfi) == (
                    r.code, r.original_trace, r.original_rdfi)
                assert ret.additional_info == (r.info or None)
            else:
                assert tx.return_info is None
            if spec.change:
                c = spec.change
                chg = tx.change_info
                assert chg is not None
                assert (chg.change_code, chg.corrected_data, chg.original_reference) == (
                    c.code, c.corrected_data, c.original_trace)
            else:
                assert tx.change_info is None

    # Never lose a cent: parsed totals per direction equal the generated cents.
    def parsed_total(direction: Direction) -> Decimal:
        return sum((e.amount for e in parsed.entries() if e.direction is direction), Decimal(0))

    assert parsed_total(Direction.DEBIT) == Decimal(debit).scaleb(-2)
    assert parsed_total(Direction.CREDIT) == Decimal(credit).scaleb(-2)
