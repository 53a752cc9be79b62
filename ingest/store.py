"""Store a parsed record stream: statements, entries (once), transactions, sightings.

Runs inside the caller's transaction, so a file is stored whole or not at all. Entries are
written in chunks with bulk statements (100k-entry files), and looked up against entries
that other files already reported (core.identity) so nothing is stored twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, any_, bindparam, insert, or_, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from core.errors import ParseError, ParseWarning
from core.identity import EntryKeys, entry_keys
from core.money import AmountError, format_amount, to_minor
from core.contract import balance_json, change_info_json, invoices_json, return_info_json
from core.records import Entry, Record, Statement, Transaction
from ledger import audit, bulk
from ledger.types import utc_now
from ledger.models import BankEntry, BankEntrySighting, BankTransaction, StatementRow

CHUNK = 500
_STATUS_RANK = {"info": 0, "pending": 1, "booked": 2}


@dataclass
class StoreCounts:
    statements: int = 0
    entries_new: int = 0
    entries_duplicate: int = 0
    entries_upgraded: int = 0
    transactions_new: int = 0
    warnings: list[str] = field(default_factory=list)
    new_transaction_ids: list[int] = field(default_factory=list)


def _minor(amount: Any, currency: str | None, *, record: str, field_name: str) -> int:
    try:
        return to_minor(amount, currency)
    except AmountError as error:
        raise ParseError(str(error), record=record, field=field_name, value=format_amount(amount)) from None


class EntryStore:
    def __init__(self, session: Session, *, file_id: int, actor: str) -> None:
        self.session = session
        self.file_id = file_id
        self.actor = actor
        self.counts = StoreCounts()
        self._now = utc_now()
        self._statement_row: int | None = None
        self._statement: Statement | None = None
        self._statement_seq = 0
        self._entry_seq = 0
        self._pending: list[tuple[Entry, EntryKeys, str]] = []
        # 64-bit prefixes of keys already used in this file: repeats inside one file are
        # distinct bookings and get an occurrence suffix (flat memory for 100k entries).
        self._seen: dict[int, int] = {}

    # -- stream ---------------------------------------------------------------------------
    def consume(self, records: Iterable[Record], progress: Callable[[], None] | None = None) -> StoreCounts:
        for record in records:
            if isinstance(record, Statement):
                self._flush()
                self._open_statement(record)
            elif isinstance(record, Entry):
                if self._statement_row is None:
                    self._open_statement(Statement(id=None, account=None))
                self._add(record)
                if len(self._pending) >= CHUNK:
                    self._flush()
                    if progress:
                        progress()
            elif isinstance(record, ParseWarning):
                self.counts.warnings.append(str(record))
        self._flush()
        return self.counts

    def _open_statement(self, st: Statement) -> None:
        self._statement_seq += 1
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
        self.counts.statements += 1

    def _add(self, entry: Entry) -> None:
        assert self._statement is not None
        self._entry_seq += 1
        record = f"statement {self._statement_seq} entry {self._entry_seq}"
        keys = entry_keys(self._statement.account, entry)
        keys = EntryKeys(*(self._unique_in_file(k) for k in (keys.ref_key, keys.e2e_key, keys.content_key)))
        self._pending.append((entry, keys, record))

    def _unique_in_file(self, key: str | None) -> str | None:
        if key is None:
            return None
        short = int(key[:16], 16)
        n = self._seen.get(short, 0) + 1
        self._seen[short] = n
        return key if n == 1 else f"{key[:36]}#{n}"

    # -- chunk ----------------------------------------------------------------------------
    def _flush(self) -> None:
        if not self._pending:
            return
        chunk, self._pending = self._pending, []
        existing = self._existing([k for _, keys, _ in chunk for k in keys.all()])
        new: list[tuple[Entry, EntryKeys, str]] = []
        sightings: list[dict[str, Any]] = []
        for entry, keys, record in chunk:
            match = next((existing[k] for k in keys.all() if k in existing), None)
            if match is None:
                new.append((entry, keys, record))
                continue
            self.counts.entries_duplicate += 1
            sightings.append({"entry_id": match["id"], "file_id": self.file_id, "status": entry.status.value})
            self._supersede(match, entry, keys)
        if new:
            self._insert(new)
        if sightings:
            self._insert_sightings(sightings)

    def _existing(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        if not keys:
            return {}
        if self.session.get_bind().dialect.name == "postgresql":
            # One array parameter instead of ~1,500 bound values per chunk.
            wanted = bindparam("keys", value=keys, type_=postgresql.ARRAY(String))
            match = [BankEntry.ref_key == any_(wanted), BankEntry.e2e_key == any_(wanted),
                     BankEntry.content_key == any_(wanted)]
        else:
            match = [BankEntry.ref_key.in_(keys), BankEntry.e2e_key.in_(keys), BankEntry.content_key.in_(keys)]
        rows = self.session.execute(
            select(
                BankEntry.id, BankEntry.ref_key, BankEntry.e2e_key, BankEntry.content_key,
                BankEntry.status, BankEntry.file_id,
            ).where(or_(*match))
        ).mappings()
        found: dict[str, dict[str, Any]] = {}
        for row in rows:
            for k in (row["ref_key"], row["e2e_key"], row["content_key"]):
                if k:
                    found[k] = dict(row)
        return found

    def _supersede(self, match: dict[str, Any], entry: Entry, keys: EntryKeys) -> None:
        """A later report of a known booking: upgrade pending/info to booked, learn missing keys."""
        changes: dict[str, Any] = {}
        if _STATUS_RANK[entry.status.value] > _STATUS_RANK[match["status"]]:
            changes.update(status=entry.status.value, booking_date=entry.booking_date, value_date=entry.value_date)
        for name in ("ref_key", "e2e_key"):
            new_key = getattr(keys, name)
            if new_key and not match[name] and "#" not in new_key:
                changes[name] = new_key
                match[name] = new_key
        if not changes:
            return
        self.session.execute(update(BankEntry).where(BankEntry.id == match["id"]).values(**changes))
        if "status" in changes:
            self.counts.entries_upgraded += 1
            audit.record(
                self.session,
                actor=self.actor,
                action="bank_entry.status_changed",
                entity_type="bank_entry",
                entity_id=match["id"],
                before={"status": match["status"]},
                after={"status": entry.status.value, "file_id": self.file_id},
            )
            match["status"] = entry.status.value

    def _insert(self, new: list[tuple[Entry, EntryKeys, str]]) -> None:
        assert self._statement is not None
        rows = [self._entry_row(entry, keys, record) for entry, keys, record in new]
        ids = self._insert_returning_ids(BankEntry.__table__, rows)
        tx_rows: list[dict[str, Any]] = []
        for entry_id, (entry, _keys, record) in zip(ids, new, strict=True):
            for seq, tx in enumerate(entry.transactions, start=1):
                tx_rows.append(_transaction_row(entry_id, seq, tx, entry, f"{record} transaction {seq}"))
        if tx_rows:
            tx_ids = self._insert_returning_ids(BankTransaction.__table__, tx_rows)
            self.counts.new_transaction_ids.extend(tx_ids)
            self.counts.transactions_new += len(tx_ids)
        self._insert_sightings(
            [{"entry_id": i, "file_id": self.file_id, "status": e.status.value} for i, (e, _, _) in zip(ids, new)]
        )
        self.counts.entries_new += len(ids)

    def _insert_returning_ids(self, table: Any, rows: list[dict[str, Any]]) -> list[int]:
        """Bulk insert with ids reserved up front, so no per-row RETURNING round trip."""
        return bulk.insert_with_ids(self.session.connection(), table, rows)

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

    def _entry_row(self, entry: Entry, keys: EntryKeys, record: str) -> dict[str, Any]:
        assert self._statement is not None and self._statement_row is not None
        currency = entry.currency or self._statement.currency
        if not currency:
            raise ParseError("entry has no currency and its statement names none", record=record, field="currency")
        return dict(
            file_id=self.file_id,
            statement_id=self._statement_row,
            account=self._statement.account,
            currency=currency.upper(),
            amount_minor=_minor(entry.amount, currency, record=record, field_name="amount"),
            direction=entry.direction.value,
            status=entry.status.value,
            booking_date=entry.booking_date,
            value_date=entry.value_date,
            bank_reference=entry.bank_reference,
            reversal=entry.reversal,
            kind=entry.kind.value,
            bank_code=entry.bank_code,
            additional_info=entry.additional_info,
            charges_minor=None
            if entry.charges is None
            else _minor(entry.charges, currency, record=record, field_name="charges"),
            ref_key=keys.ref_key,
            e2e_key=keys.e2e_key,
            content_key=keys.content_key,
            created_at=self._now,
        )


def _balance_ccy(st: Statement) -> str | None:
    return st.currency or next((b.currency for b in st.balances if b.currency), None)


def _transaction_row(entry_id: int, seq: int, tx: Transaction, entry: Entry, record: str) -> dict[str, Any]:
    currency = tx.currency or entry.currency
    ret, chg = tx.return_info, tx.change_info
    return dict(
        entry_id=entry_id,
        seq=seq,
        amount_minor=None if tx.amount is None else _minor(tx.amount, currency, record=record, field_name="amount"),
        currency=currency,
        end_to_end_id=tx.end_to_end_id,
        instruction_id=tx.instruction_id,
        transaction_id=tx.transaction_id,
        uetr=tx.uetr,
        mandate_id=tx.mandate_id,
        check_number=tx.check_number,
        counterparty_name=tx.counterparty_name,
        counterparty_account=tx.counterparty_account,
        remittance=list(tx.remittance),
        references=list(tx.references),
        invoices=invoices_json(tx),
        return_reason=ret.reason_code if ret else None,
        return_original_reference=ret.original_reference if ret else None,
        return_info=return_info_json(ret),
        change_code=chg.change_code if chg else None,
        change_info=change_info_json(chg),
    )

