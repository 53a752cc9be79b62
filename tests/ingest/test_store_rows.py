"""The bulk store writes exactly what the records say (SQLite and PostgreSQL).

ingest/store.py builds rows as driver-ready tuples and the identity keys as text laid out by
hand, for speed; these tests hold both to the plain definitions: every column of every stored
entry and transaction against the parsed record (amounts via core.money, JSON columns as
`json.dumps(..., ensure_ascii=False)` of core.contract's shapes), and the keys against
`_digest` of their parts.
"""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

from hypothesis import assume, given
from hypothesis import strategies as st
from sqlalchemy import text

from core.contract import change_info_json, invoices_json, return_info_json
from core.identity import _digest, account_scope, key_triple
from core.money import format_amount, to_minor
from core.records import Direction, Entry, EntryStatus, Kind, Transaction
from ingest.formats import parse_path
from ledger.db import transaction
from tests.factories import E, camt

SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "samples"
# Returns, referred documents, notifications of change, batches, several currencies.
FILES = [
    SAMPLES / "camt" / "moov-postfinance-camt054-v04-return.xml",
    SAMPLES / "camt" / "iso20022js-abnamro-camt053-v02.xml",
    SAMPLES / "camt" / "moov-fi-camt053-v02-sample.xml",
    SAMPLES / "camt" / "genkgo-camt053-v02-multi-statement.xml",
    SAMPLES / "lockbox" / "fundersclub-test_lockbox.bai",
    SAMPLES / "ach" / "moov-return-no-batch-controls.ach",
    SAMPLES / "ach" / "moov-dishonored-return.ach",
    SAMPLES / "ach" / "moov-cor-example.ach",
]
# Text JSON must keep as written: non-ASCII, quotes, backslashes, several lines.
ODD_TEXT = camt("053", [
    E("10.00", ref="R1", e2e="E1", name='Müller "&" Søn', text=["Rechnung 1 – ü", 'a\\b "c"'],
      return_reason="AC04"),
    E("12.5", ref="R2", name="日本", text=["x", "y", "z"], direction="DBIT", status="PDNG"),
    E("7", e2e="NOTPROVIDED", name="No keys but content", ccy="JPY"),
])  # fmt: skip


def _reference_keys(account: str | None, entry: Entry) -> tuple[str | None, str | None, str | None]:
    """core.identity's keys as first written: `_digest` over the parts (the definition)."""
    scope = (account or "").strip().upper()
    day = entry.value_date or entry.booking_date
    amount = format_amount(entry.amount.normalize()) if entry.amount is not None else None
    base = (scope, entry.direction.value, entry.currency or "")
    ref_key = None
    if entry.bank_reference:
        qualifier = day.isoformat() if entry.kind is Kind.ACH and day else ""
        ref_key = _digest("ref", *base, entry.bank_reference.strip(), qualifier)
    e2e_key = None
    if len(entry.transactions) == 1:
        e2e = entry.transactions[0].end_to_end_id
        if e2e and e2e.strip().upper() not in {"NOTPROVIDED", "NONREF"}:
            e2e_key = _digest("e2e", *base, e2e.strip(), amount, day)
    content_key = None
    if ref_key is None and e2e_key is None:
        tx = entry.transactions[0] if entry.transactions else None
        content_key = _digest(
            "content", *base, amount, day,
            tx.counterparty_account if tx else None,
            tx.counterparty_name if tx else None,
            "|".join(tx.remittance) if tx else None,
            entry.additional_info,
        )  # fmt: skip
    return ref_key, e2e_key, content_key


_text = st.one_of(st.none(), st.text(max_size=12), st.sampled_from([" NOTPROVIDED ", "nonref", "  ", "ü x"]))


@st.composite
def _entries(draw: st.DrawFn) -> Entry:
    transactions = draw(
        st.lists(
            st.builds(
                Transaction,
                amount=st.none(),
                end_to_end_id=_text,
                counterparty_name=_text,
                counterparty_account=_text,
                remittance=st.lists(st.text(max_size=6), max_size=3).map(tuple),
            ),
            max_size=2,
        )
    )
    return Entry(
        amount=draw(st.decimals(min_value=0, max_value=10**9, places=3)),
        currency=draw(st.sampled_from([None, "", "EUR", "jpy"])),
        direction=draw(st.sampled_from(Direction)),
        status=EntryStatus.BOOKED,
        booking_date=draw(st.one_of(st.none(), st.dates())),
        value_date=draw(st.one_of(st.none(), st.dates())),
        bank_reference=draw(_text),
        kind=draw(st.sampled_from(Kind)),
        additional_info=draw(_text),
        transactions=tuple(transactions),
    )


@given(account=_text, entry=_entries())
def test_identity_keys_are_the_digests_of_their_parts(account: str | None, entry: Entry) -> None:
    assert key_triple(account_scope(account), entry) == _reference_keys(account, entry)


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _expected(paths: list[Path]) -> tuple[list[tuple], list[tuple]]:
    """(entry rows, transaction rows) as the records define them, in storage order."""
    entries: list[tuple] = []
    transactions: list[tuple] = []
    for path in paths:
        parsed = parse_path(path)
        for statement in parsed.statements:
            for entry in statement.entries:
                currency = entry.currency or statement.currency
                assert currency
                entries.append((
                    statement.account, currency.upper(), to_minor(entry.amount, currency),
                    entry.direction.value, entry.status.value,
                    entry.booking_date, entry.value_date, entry.bank_reference, entry.reversal,
                    entry.kind.value, entry.bank_code, entry.additional_info,
                    None if entry.charges is None else to_minor(entry.charges, currency),
                ))  # fmt: skip
                for seq, tx in enumerate(entry.transactions, start=1):
                    tx_currency = tx.currency or entry.currency
                    ret, chg = tx.return_info, tx.change_info
                    transactions.append((
                        len(entries), seq,
                        None if tx.amount is None else to_minor(tx.amount, tx_currency),
                        tx_currency, tx.end_to_end_id, tx.instruction_id, tx.transaction_id,
                        tx.uetr, tx.mandate_id, tx.check_number, tx.counterparty_name,
                        tx.counterparty_account,
                        _json(list(tx.remittance)),
                        _json(list(tx.references)), _json(invoices_json(tx)),
                        ret.reason_code if ret else None, ret.original_reference if ret else None,
                        None if ret is None else _json(return_info_json(ret)),
                        chg.change_code if chg else None,
                        None if chg is None else _json(change_info_json(chg)),
                        tx.ultimate_name, tx.ultimate_id,
                    ))  # fmt: skip
    return entries, transactions


def _as_date(value: object) -> object:
    return date.fromisoformat(value) if isinstance(value, str) else value


def test_stored_rows_say_what_the_records_say(rt, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    odd = tmp_path / "odd.xml"
    odd.write_bytes(ODD_TEXT)
    files = [*FILES, odd]
    for path in files:
        result = rt.ingestor().ingest_stream(io.BytesIO(path.read_bytes()), name=path.name, source="test")
        assert result.status == "parsed", result.error
    expected_entries, expected_transactions = _expected(files)
    assert len(expected_entries) > 20 and len(expected_transactions) >= len(expected_entries)
    # JSON columns as the text stored (PostgreSQL's json keeps it verbatim).
    as_text = "CAST({} AS TEXT)" if rt.engine.dialect.name == "postgresql" else "{}"
    remittance, references, invoices, return_info, change_info = (
        as_text.format(f'"{c}"') for c in ("remittance", "references", "invoices", "return_info", "change_info")
    )
    with transaction(rt.engine) as session:
        entries = session.execute(text(
            "SELECT id, account, currency, amount_minor, direction, status, booking_date, value_date,"
            " bank_reference, reversal, kind, bank_code, additional_info, charges_minor"
            " FROM bank_entries ORDER BY id"
        )).all()  # fmt: skip
        transactions = session.execute(text(
            "SELECT entry_id, seq, amount_minor, currency, end_to_end_id, instruction_id,"
            " transaction_id, uetr, mandate_id, check_number, counterparty_name,"
            f" counterparty_account, {remittance}, {references}, {invoices}, return_reason,"
            f" return_original_reference, {return_info}, change_code, {change_info},"
            " ultimate_name, ultimate_id, match_status, applied_minor, version FROM bank_transactions ORDER BY id"
        )).all()  # fmt: skip
        sightings = session.execute(text("SELECT entry_id, status FROM bank_entry_sightings")).all()
    stored = [
        (*row[1:6], _as_date(row[6]), _as_date(row[7]), row[8], bool(row[9]), *row[10:]) for row in entries
    ]
    assert stored == expected_entries
    position = {row[0]: n for n, row in enumerate(entries, start=1)}  # entry id -> its place
    assert [(position[row[0]], *row[1:22]) for row in transactions] == expected_transactions
    assert [tuple(row[22:]) for row in transactions] == [("unmatched", 0, 1)] * len(transactions)
    assert sorted((position[i], s) for i, s in sightings) == [
        (n, entry[4]) for n, entry in enumerate(expected_entries, start=1)
    ]


def test_a_booking_reported_twice_in_a_later_file_is_upgraded_in_report_order(rt) -> None:  # type: ignore[no-untyped-def]
    """Two entries of one file that are the same stored booking (one by its bank reference,
    one by its end-to-end id) each upgrade it, in file order: the second one's dates stay,
    and each upgrade is audited."""
    pending = camt("054", [E("10.00", ref="X1", e2e="E1", status="PDNG", date="2026-11-20")])
    booked = camt("053", [
        E("10.00", ref="X1", e2e="OTHER", date="2026-11-21"),
        E("10.00", e2e="E1", date="2026-11-20"),
    ])  # fmt: skip
    for data, name in ((pending, "a.xml"), (booked, "b.xml")):
        result = rt.ingestor().ingest_stream(io.BytesIO(data), name=name, source="test")
        assert result.status == "parsed", result.error
    assert (result.entries_new, result.entries_duplicate, result.entries_upgraded) == (0, 2, 2)
    with transaction(rt.engine) as session:
        entries = session.execute(text("SELECT status, booking_date, value_date FROM bank_entries")).all()
        events = session.execute(text(
            "SELECT action, entity_type FROM audit_events WHERE action LIKE 'bank_entry.%' ORDER BY id"
        )).all()  # fmt: skip
        sightings = session.execute(
            text("SELECT status FROM bank_entry_sightings ORDER BY file_id")
        ).scalars().all()
    assert [(s, _as_date(b), _as_date(v)) for s, b, v in entries] == [
        ("booked", date(2026, 11, 20), date(2026, 11, 20))
    ]
    assert events == [("bank_entry.status_changed", "bank_entry")] * 2
    assert sightings == ["pending", "booked"]
