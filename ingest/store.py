"""Store a parsed record stream: statements, entries (once), transactions, sightings.

Runs inside the caller's transaction, so a file is stored whole or not at all. Entries are
written in chunks with bulk statements (100k-entry files), and looked up against entries
that other files already reported (core.identity) so nothing is stored twice.

A 100k-entry file is stored entry by entry in Python, so the hot path builds each row as a
tuple in the driver's own terms (ledger.bulk.insert_tuples), with statements written once
per file, not per chunk; labels for error messages are made only when an error is raised.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from json.encoder import encode_basestring
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core.contract import balance_json, change_info_json, return_info_json
from core.errors import ParseError, ParseWarning
from core.identity import account_scope, key_triple
from core.money import AmountError, format_amount, from_minor, to_minor
from core.records import Entry, InvoiceRef, Record, Statement, Transaction
from ingest import integrity, sequences
from ledger import bulk
from ledger.models import AuditEvent, BankEntry, BankEntrySighting, BankTransaction, StatementCheck, StatementRow
from ledger.types import utc_now
from ledger.write_behind import WriteBehind

CHUNK = 500
_STATUS_RANK = {"info": 0, "pending": 1, "booked": 2}

Keys = tuple[str | None, str | None, str | None]  # ref_key, e2e_key, content_key
Pending = tuple[Entry, Keys, int]  # the entry, its keys made unique in the file, its number

_ENTRY_COLUMNS = (
    "id", "file_id", "statement_id", "account", "currency", "amount_minor", "direction", "status",
    "booking_date", "value_date", "bank_reference", "reversal", "kind", "bank_code",
    "additional_info", "charges_minor", "ref_key", "e2e_key", "content_key", "created_at",
)  # fmt: skip
_TRANSACTION_COLUMNS = (
    "id", "entry_id", "seq", "amount_minor", "currency", "end_to_end_id", "instruction_id",
    "transaction_id", "uetr", "mandate_id", "check_number", "counterparty_name",
    "counterparty_account", "remittance", "references", "invoices", "return_reason",
    "return_original_reference", "return_info", "change_code", "change_info", "ultimate_name",
    "ultimate_id",
)  # fmt: skip
_SIGHTING_COLUMNS = ("entry_id", "file_id", "status")
_KEY_COLUMNS = ("ref_key", "e2e_key", "content_key")
_LOOKUP = "SELECT id, ref_key, e2e_key, content_key, status, file_id FROM bank_entries WHERE "
# One parameter per key column, however many keys: no statement to build per chunk. Each key
# is looked for in its own column only: a key is the digest of a text that starts with its
# kind ("ref", "e2e", "content"), and each column only ever holds keys of its own kind.
_LOOKUP_PG = _LOOKUP + " OR ".join(f"{c} = ANY(CAST(%({c})s AS VARCHAR[]))" for c in _KEY_COLUMNS)
_LOOKUP_SQLITE = _LOOKUP + " OR ".join(f"{c} IN (SELECT value FROM json_each(?))" for c in _KEY_COLUMNS)


@dataclass
class StoreCounts:
    statements: int = 0
    entries_new: int = 0
    entries_duplicate: int = 0
    entries_upgraded: int = 0
    transactions_new: int = 0
    warnings: list[str] = field(default_factory=list)
    new_transaction_ids: list[int] = field(default_factory=list)
    held_batches: set[str] = field(default_factory=set)  # lockbox batches out of balance (ingest/held.py)


def _minor(amount: Any, currency: str | None, *, record: str, field_name: str) -> int:
    try:
        return to_minor(amount, currency)
    except AmountError as error:
        raise ParseError(str(error), record=record, field=field_name, value=format_amount(amount)) from None


class EntryStore:
    def __init__(self, session: Session, *, file_id: int, actor: str, integrity: str = "warn") -> None:
        self.session = session
        self.file_id = file_id
        self.actor = actor
        self.integrity = integrity  # warn | reject (ingest/integrity.py)
        self.counts = StoreCounts()
        self._now = utc_now()
        self._statement_row: int | None = None
        self._statement: Statement | None = None
        self._scope = ""  # the statement's account as the identity keys use it
        self._statement_seq = 0
        self._entry_seq = 0
        self._pending: list[Pending] = []
        # 64-bit prefixes of keys already used in this file: repeats inside one file are
        # distinct bookings and get an occurrence suffix (flat memory for 100k entries).
        self._seen: dict[int, int] = {}
        self._sqlite = session.get_bind().dialect.name == "sqlite"
        # What the driver stores for a date and for the creation time (text on SQLite).
        self._dates: dict[date, str] = {}
        self._created = bulk.sqlite_datetime(self._now) if self._sqlite else self._now
        self._writer: WriteBehind = WriteBehind(session)  # consume() opens its own

    # -- stream ---------------------------------------------------------------------------
    def consume(self, records: Iterable[Record], progress: Callable[[], None] | None = None) -> StoreCounts:
        # Chunks are written behind the parse (ledger.write_behind): the server stores one
        # while the next is parsed.
        with WriteBehind(self.session) as self._writer:
            self._consume(records, progress)
        return self.counts

    def _consume(self, records: Iterable[Record], progress: Callable[[], None] | None) -> None:
        pending = self._pending
        for record in records:
            if isinstance(record, Entry):
                if self._statement_row is None:
                    self._open_statement(Statement(id=None, account=None))
                    pending = self._pending
                self._add(record)
                if len(pending) >= CHUNK:
                    self._flush()
                    pending = self._pending
                    if progress:
                        progress()
            elif isinstance(record, Statement):
                self._flush()
                self._open_statement(record)
                pending = self._pending
            elif isinstance(record, ParseWarning):
                if record.integrity:  # the parser's balance check: flagged, or refused
                    self._writer.drain()  # its statement's row is written
                    self._integrity_problem(integrity.balance_failure(record))
                else:
                    self.counts.warnings.append(str(record))
                if record.hold:  # e.g. a lockbox batch out of balance: its payments to review
                    self.counts.held_batches.add(record.hold)
        self._flush()

    def _integrity_problem(self, failure: integrity.Failure) -> None:
        """A statement that failed a check: refused, or a warning and a statement check to review."""
        if self.integrity == "reject":
            raise integrity.refuse(failure.message, self._statement_seq)
        self.counts.warnings.append(failure.message)
        st = self._statement
        self.session.execute(insert(StatementCheck).values(
            file_id=self.file_id, statement_id=self._statement_row, account=st.account if st else None,
            kind=failure.kind, message=failure.message.removeprefix(integrity.PREFIX),
            expected=failure.expected, found=failure.found, currency=_balance_ccy(st) if st else None,
            detail=failure.detail, status="open", created_at=self._now))

    def _previous_closing(self, st: Statement) -> tuple[str | None, Decimal] | None:
        """(id, closing balance) of the latest earlier statement of the account in another file."""
        if not st.account or st.from_date is None or st.opening_balance is None:
            return None
        row = self.session.execute(
            select(StatementRow.statement_id, StatementRow.closing_minor, StatementRow.currency)
            .where(StatementRow.account == st.account, StatementRow.file_id != self.file_id,
                   StatementRow.closing_minor.is_not(None), StatementRow.to_date < st.from_date,
                   StatementRow.currency.is_(None) if st.currency is None else StatementRow.currency == st.currency)
            .order_by(StatementRow.to_date.desc(), StatementRow.id.desc()).limit(1)
        ).first()
        return None if row is None else (row[0], from_minor(row[1], row[2] or _balance_ccy(st)))

    def _open_statement(self, st: Statement) -> None:
        self._writer.drain()  # the previous statement's chunks use its row and numbers: written first
        self._statement_seq += 1
        label = integrity.label_of(self._statement_seq, st)
        continuity = integrity.continuity_problem(label, st, self._previous_closing(st))
        self._entry_seq = 0
        record = f"statement {self._statement_seq}"
        currency = st.currency
        values = dict(
            file_id=self.file_id,
            seq=self._statement_seq,
            statement_id=st.id,
            account=st.account,
            currency=currency,
            opening_minor=None
            if st.opening_balance is None
            else _minor(st.opening_balance, _balance_ccy(st), record=record, field_name="opening_balance"),
            closing_minor=None
            if st.closing_balance is None
            else _minor(st.closing_balance, _balance_ccy(st), record=record, field_name="closing_balance"),
            from_date=st.from_date,
            to_date=st.to_date,
            balances=[balance_json(b) for b in st.balances],
        )
        self._statement_row = self.session.execute(
            insert(StatementRow).values(**values).returning(StatementRow.id)
        ).scalar_one()
        self._statement = st
        self._scope = account_scope(st.account)
        self.counts.statements += 1
        if continuity is not None:
            self._integrity_problem(continuity)
        integrity.resolve_bridged(self.session, st, file_id=self.file_id, actor=self.actor)
        for failure in list(sequences.check_and_keep(self.session, file_id=self.file_id, statement_row=self._statement_row,
                                                     statement=st, label=label, actor=self.actor)):
            self._integrity_problem(failure)

    def _add(self, entry: Entry) -> None:
        self._entry_seq += 1
        ref_key, e2e_key, content_key = key_triple(self._scope, entry)
        keys = (
            None if ref_key is None else self._unique_in_file(ref_key),
            None if e2e_key is None else self._unique_in_file(e2e_key),
            None if content_key is None else self._unique_in_file(content_key),
        )
        self._pending.append((entry, keys, self._entry_seq))

    def _unique_in_file(self, key: str) -> str:
        short = int(key[:16], 16)
        n = self._seen.get(short, 0) + 1
        self._seen[short] = n
        return key if n == 1 else f"{key[:36]}#{n}"

    def _record(self, entry_seq: int) -> str:
        """The entry's label in error messages."""
        return f"statement {self._statement_seq} entry {entry_seq}"

    # -- chunk ----------------------------------------------------------------------------
    def _flush(self) -> None:
        if self._pending:
            chunk, self._pending = self._pending, []
            self._writer.submit(lambda: self._store(chunk))

    def _store(self, chunk: list[Pending]) -> None:
        """Write one chunk (on the write-behind thread: the connection, the counts and the
        current statement's row are its own until the next drain)."""
        existing = self._existing(chunk)
        if not existing:  # a new file's entries: nothing to compare
            self._insert(chunk)
            return
        new: list[Pending] = []
        sightings: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        audits: list[dict[str, Any]] = []
        for item in chunk:
            entry, keys, _ = item
            match = next((existing[k] for k in keys if k and k in existing), None)
            if match is None:
                new.append(item)
                continue
            self.counts.entries_duplicate += 1
            sightings.append({"entry_id": match["id"], "file_id": self.file_id, "status": entry.status.value})
            self._supersede(match, entry, keys, updates, audits)
        if new:
            self._insert(new)
        if updates:
            self._update(updates)
        if audits:
            bulk.insert_rows(self.session.connection(), AuditEvent.__table__, audits)
        if sightings:
            self._insert_sightings(sightings)

    def _existing(self, chunk: list[Pending]) -> dict[str, dict[str, Any]]:
        """Stored entries that have any of the chunk's keys, by each of their keys."""
        refs = [keys[0] for _, keys, _ in chunk if keys[0]]
        e2es = [keys[1] for _, keys, _ in chunk if keys[1]]
        contents = [keys[2] for _, keys, _ in chunk if keys[2]]
        if not (refs or e2es or contents):
            return {}
        conn = self.session.connection()
        if self._sqlite:
            rows = conn.exec_driver_sql(_LOOKUP_SQLITE, (json.dumps(refs), json.dumps(e2es), json.dumps(contents)))
        else:
            rows = conn.exec_driver_sql(_LOOKUP_PG, {"ref_key": refs, "e2e_key": e2es, "content_key": contents})
        found: dict[str, dict[str, Any]] = {}
        for row in rows.mappings():
            for k in (row["ref_key"], row["e2e_key"], row["content_key"]):
                if k:
                    found[k] = dict(row)
        return found

    def _supersede(
        self,
        match: dict[str, Any],
        entry: Entry,
        keys: Keys,
        updates: list[dict[str, Any]],
        audits: list[dict[str, Any]],
    ) -> None:
        """A later report of a known booking: upgrade pending/info to booked, learn missing
        keys. The row's changes go to `updates`, an upgrade's audit event to `audits`
        (audit.record's row): the chunk writes them in sets, in this order."""
        changes: dict[str, Any] = {}
        if _STATUS_RANK[entry.status.value] > _STATUS_RANK[match["status"]]:
            changes.update(status=entry.status.value, booking_date=entry.booking_date, value_date=entry.value_date)
        for name, new_key in zip(("ref_key", "e2e_key"), keys):
            if new_key and not match[name] and "#" not in new_key:
                changes[name] = new_key
                match[name] = new_key
        if not changes:
            return
        updates.append({"id": match["id"], **changes})
        if "status" in changes:
            self.counts.entries_upgraded += 1
            audits.append(dict(
                at=utc_now(),
                actor=self.actor,
                action="bank_entry.status_changed",
                entity_type="bank_entry",
                entity_id=str(match["id"]),
                before={"status": match["status"]},
                after={"status": entry.status.value, "file_id": self.file_id},
            ))  # fmt: skip
            match["status"] = entry.status.value

    def _update(self, updates: list[dict[str, Any]]) -> None:
        """UPDATE known entries in the order the changes were made: runs of rows that set the
        same columns, each row at most once a run (a booking reported twice in one chunk)."""
        conn = self.session.connection()
        run: list[dict[str, Any]] = []
        ids: set[int] = set()
        for row in updates:
            if run and (row.keys() != run[0].keys() or row["id"] in ids):
                bulk.update_rows(conn, BankEntry.__table__, run)
                run, ids = [], set()
            run.append(row)
            ids.add(row["id"])
        bulk.update_rows(conn, BankEntry.__table__, run)

    def _insert(self, new: list[Pending]) -> None:
        """New entries, their transactions and sightings. Every entry row is made (and its
        amounts checked) before the first transaction row, as errors must name the same one."""
        conn = self.session.connection()
        rows = [self._entry_row(entry, keys, seq) for entry, keys, seq in new]
        ids = bulk.reserve_ids(conn, BankEntry.__table__, len(rows))
        bulk.insert_tuples(conn, BankEntry.__table__, _ENTRY_COLUMNS, [(i, *row) for i, row in zip(ids, rows, strict=True)])
        tx_rows: list[tuple[Any, ...]] = []
        for entry_id, (entry, _keys, entry_seq) in zip(ids, new, strict=True):
            for seq, tx in enumerate(entry.transactions, start=1):
                tx_rows.append(self._transaction_row(entry_id, seq, tx, entry, entry_seq))
        if tx_rows:
            tx_ids = bulk.reserve_ids(conn, BankTransaction.__table__, len(tx_rows))
            bulk.insert_tuples(conn, BankTransaction.__table__, _TRANSACTION_COLUMNS,
                               [(i, *row) for i, row in zip(tx_ids, tx_rows, strict=True)])
            self.counts.new_transaction_ids.extend(tx_ids)
            self.counts.transactions_new += len(tx_ids)
        # Fresh ids: no sighting of them can exist yet, and each is named once.
        file_id = self.file_id
        bulk.insert_tuples(conn, BankEntrySighting.__table__, _SIGHTING_COLUMNS,
                           [(i, file_id, e.status.value) for i, (e, _, _) in zip(ids, new)])
        self.counts.entries_new += len(ids)

    def _insert_sightings(self, rows: list[dict[str, Any]]) -> None:
        # A file may name one booking twice (same entry in a 054 section and a 053 section).
        unique = {(r["entry_id"], r["file_id"]): r for r in rows}
        already = set(
            self.session.scalars(
                select(BankEntrySighting.entry_id).where(
                    BankEntrySighting.file_id == self.file_id,
                    BankEntrySighting.entry_id.in_([k[0] for k in unique]),
                )
            )
        )
        fresh = [r for (entry_id, _), r in unique.items() if entry_id not in already]
        if fresh:
            bulk.insert_rows(self.session.connection(), BankEntrySighting.__table__, fresh)

    def _date(self, value: date | None) -> Any:
        """A date as the driver stores it (ISO text on SQLite; a file has a handful)."""
        if value is None or not self._sqlite:
            return value
        text = self._dates.get(value)
        if text is None:
            text = self._dates[value] = value.isoformat()
        return text

    def _entry_row(self, entry: Entry, keys: Keys, entry_seq: int) -> tuple[Any, ...]:
        """The row of _ENTRY_COLUMNS after "id"."""
        statement = self._statement
        assert statement is not None and self._statement_row is not None
        currency = entry.currency or statement.currency
        if not currency:
            raise ParseError("entry has no currency and its statement names none",
                             record=self._record(entry_seq), field="currency")
        try:
            amount_minor = to_minor(entry.amount, currency)
            charges = entry.charges
            charges_minor = None if charges is None else to_minor(charges, currency)
        except AmountError:  # the same checks again, to name the field that failed
            record = self._record(entry_seq)
            _minor(entry.amount, currency, record=record, field_name="amount")
            _minor(entry.charges, currency, record=record, field_name="charges")
            raise
        return (
            self.file_id,
            self._statement_row,
            statement.account,
            currency.upper(),
            amount_minor,
            entry.direction.value,
            entry.status.value,
            self._date(entry.booking_date),
            self._date(entry.value_date),
            entry.bank_reference,
            entry.reversal,
            entry.kind.value,
            entry.bank_code,
            entry.additional_info,
            charges_minor,
            *keys,
            self._created,
        )

    def _transaction_row(
        self, entry_id: int, seq: int, tx: Transaction, entry: Entry, entry_seq: int
    ) -> tuple[Any, ...]:
        """The row of _TRANSACTION_COLUMNS after "id"."""
        currency = tx.currency or entry.currency
        amount = tx.amount
        if amount is None:
            amount_minor = None
        else:
            try:
                amount_minor = to_minor(amount, currency)
            except AmountError:
                record = f"{self._record(entry_seq)} transaction {seq}"
                _minor(amount, currency, record=record, field_name="amount")
                raise
        ret, chg = tx.return_info, tx.change_info
        return (
            entry_id,
            seq,
            amount_minor,
            currency,
            tx.end_to_end_id,
            tx.instruction_id,
            tx.transaction_id,
            tx.uetr,
            tx.mandate_id,
            tx.check_number,
            tx.counterparty_name,
            tx.counterparty_account,
            _json_strings(tx.remittance),
            _json_strings(tx.references),
            _json_invoices(tx.invoices) if tx.invoices else "[]",
            None if ret is None else ret.reason_code,
            None if ret is None else ret.original_reference,
            None if ret is None else bulk.json_text(return_info_json(ret)),
            None if chg is None else chg.change_code,
            None if chg is None else bulk.json_text(change_info_json(chg)),
            tx.ultimate_name,
            tx.ultimate_id,
        )


def _balance_ccy(st: Statement) -> str | None:
    return st.currency or next((b.currency for b in st.balances if b.currency), None)


# JSON columns as the text bulk.json_text (json.dumps, ensure_ascii=False) makes of
# core.contract's lists, written directly for the two shapes every transaction has.


def _json_strings(values: tuple[str, ...]) -> str:
    """json.dumps(list(values), ensure_ascii=False)."""
    if not values:
        return "[]"
    return "[" + ", ".join(map(encode_basestring, values)) + "]"


def _json_invoices(invoices: tuple[InvoiceRef, ...]) -> str:
    """json.dumps(core.contract.invoices_json(...), ensure_ascii=False)."""
    items = [
        '{"number": ' + encode_basestring(i.number) + ', "amount": '
        + ("null" if i.amount is None else encode_basestring(format(i.amount, "f"))) + "}"
        for i in invoices
    ]
    return "[" + ", ".join(items) + "]"
