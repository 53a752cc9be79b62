"""Ingest one bank file: archive it, register it, parse it, store what it says — once.

The job owns the transactions (DESIGN.md §2):
  1. archive the bytes (content-addressed) and register the file — committed on its own, so
     a file is never lost even if everything after fails;
  2. claim, parse and store in ONE transaction — a file is stored whole or not at all;
  3. on a parse error, roll that back and mark the file rejected with a message naming the
     file, record/line, field and value.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from core.errors import ParseError
from core.limits import DEFAULT_LIMITS, ParseLimits
from core.records import ADVICE_FORMATS, Format
from ingest import advice
from ingest.advice_store import store_advices
from ingest.archive import Archive, Archived
from ingest.formats import HEAD_BYTES, detect_format, iter_records
from ingest.changes import propose_changes
from ingest.held import hold_batches
from ingest.store import EntryStore
from ledger import audit
from ledger.db import transaction
from ledger.models import BankEntry, BankFile, BankTransaction, StatementRow
from ledger.repositories import bank_files
from ledger.types import utc_now


STORE_ATTEMPTS = 4  # parse-and-store tries of a file whose bookings other runs store at the same moment


@dataclass
class IngestResult:
    """What happened to one file; the shape of `remit ingest --json` (DESIGN.md §6)."""

    file: str
    status: str  # parsed | duplicate | rejected
    format: str | None = None
    file_id: int | None = None
    sha256: str | None = None
    statements: int = 0
    transactions: int = 0  # new bank transactions stored from this file
    entries_new: int = 0
    entries_duplicate: int = 0
    entries_upgraded: int = 0
    applied: int = 0  # cash applications made (matching runs in reconcile/)
    review: int = 0  # transactions sent to the review queue
    advices: int = 0  # remittance advices stored from this file (X12 820, advice CSV)
    error: str | None = None
    duplicate_of: int | None = None
    duplicate_of_status: str | None = None  # parsed | rejected: what became of the first copy
    hint: str | None = None  # what to do next (a rejected copy: the command that parses it again)
    warnings: list[str] = field(default_factory=list)
    new_transaction_ids: list[int] = field(default_factory=list, repr=False)

    def as_json(self) -> dict[str, object]:
        return {
            "file": self.file,
            "format": self.format,
            "status": self.status,
            "file_id": self.file_id,
            "sha256": self.sha256,
            "statements": self.statements,
            "transactions": self.transactions,
            "entries_new": self.entries_new,
            "entries_duplicate": self.entries_duplicate,
            "applied": self.applied,
            "review": self.review,
            "advices": self.advices,
            "error": self.error,
            "duplicate_of": self.duplicate_of,
            "duplicate_of_status": self.duplicate_of_status,
            "hint": self.hint,
            "warnings": self.warnings,
        }


class _CountingReader(io.RawIOBase):
    """Wraps the archived file to report parse progress in bytes."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        data = self.raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.consumed += n
        return n


class Ingestor:
    def __init__(
        self,
        engine: Engine,
        archive: Archive,
        *,
        limits: ParseLimits = DEFAULT_LIMITS,
        actor: str = "system",
        integrity: str = "warn",
    ) -> None:
        self.engine = engine
        self.archive = archive
        self.limits = limits
        self.actor = actor
        self.integrity = integrity  # warn | reject: statements that do not add up (ingest/integrity.py)

    def ingest_path(
        self,
        path: Path,
        *,
        source: str = "cli",
        fmt: Format | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> IngestResult:
        with path.open("rb") as stream:
            return self.ingest_stream(stream, name=path.name, source=source, fmt=fmt, progress=progress)

    def ingest_stream(
        self,
        stream: BinaryIO,
        *,
        name: str,
        source: str,
        fmt: Format | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> IngestResult:
        try:
            archived = self.archive.store(stream, max_bytes=self.limits.max_file_bytes)
        except ParseError as error:
            # Too large to keep: nothing was stored, say so plainly.
            return IngestResult(file=name, status="rejected", error=str(error.with_file(name)))
        file_id, previous = self._register(archived, name=name, source=source)
        if previous is not None:
            return _duplicate(name, previous, archived.sha256)
        return self._parse_and_store(file_id, archived, name=name, fmt=fmt, progress=progress)

    def _parse_and_store(self, file_id: int, archived: Archived, *, name: str, fmt: Format | None,
                         progress: Callable[[int, int], None] | None) -> IngestResult:
        if fmt is None:
            try:
                with self.archive.open(archived.sha256) as raw:
                    fmt = detect_format(raw.read(HEAD_BYTES))
            except ParseError as error:
                return self._reject(file_id, archived, name=name, error=error, fmt=None)
        for attempt in range(1, STORE_ATTEMPTS + 1):
            try:
                return self._process(file_id, archived, name=name, fmt=fmt, progress=progress)
            except ParseError as error:
                return self._reject(file_id, archived, name=name, error=error, fmt=fmt)
            except IntegrityError:
                # Another run stored an overlapping booking at the same moment: the retry sees
                # it and treats it as a duplicate instead of storing it twice. (A file that
                # overlaps several others stored at once may meet a second one on its retry.)
                if attempt == STORE_ATTEMPTS:
                    raise
            except SQLAlchemyError:
                raise  # the database is down or misconfigured: not the file's fault
            except Exception as error:  # noqa: BLE001 - a parser bug must not stop other files
                internal = ParseError(f"internal error while parsing ({type(error).__name__}: {error})")
                return self._reject(file_id, archived, name=name, error=internal, fmt=fmt)
        raise AssertionError("unreachable")

    def reprocess(self, file_id: int) -> IngestResult | None:
        """Parse a rejected file again from the archive, byte for byte (after an upgrade that
        reads it); None when there is no such file. A parsed file is not parsed twice (its
        statements and sightings are stored once): it is answered as a duplicate of itself."""
        with transaction(self.engine) as session:
            known = bank_files.get(session, file_id)
            if known is None:
                return None
            name, sha256, size, status = known.name, known.sha256, known.size_bytes, known.status
            if status == "rejected":
                session.execute(update(BankFile).where(BankFile.id == file_id, BankFile.status == "rejected")
                                .values(status="received", error=None))
                audit.record(session, actor=self.actor, action="bank_file.reprocess", entity_type="bank_file",
                             entity_id=file_id, before={"status": "rejected", "error": known.error},
                             after={"status": "received"})
            elif status != "received":  # parsed: nothing to do
                return _duplicate(name, known, sha256)
        archived = Archived(sha256=sha256, size=size, path=self.archive.path_for(sha256))
        return self._parse_and_store(file_id, archived, name=name, fmt=None, progress=None)

    # -- steps ----------------------------------------------------------------------------
    def _register(self, archived: Archived, *, name: str, source: str) -> tuple[int, BankFile | None]:
        """Register the file; return (id, previous) where previous is set for a duplicate."""
        try:
            with transaction(self.engine) as session:
                known = bank_files.get_by_sha256(session, archived.sha256)
                if known is not None:
                    # A file left 'received' by a crashed run is processed again, not skipped.
                    return known.id, (None if known.status == "received" else known)
                file_id = session.execute(
                    insert(BankFile)
                    .values(
                        sha256=archived.sha256,
                        name=name,
                        source=source,
                        size_bytes=archived.size,
                        archive_path=str(archived.path),
                        status="received",
                        warnings=[],
                        received_at=utc_now(),
                    )
                    .returning(BankFile.id)
                ).scalar_one()
                audit.record(
                    session,
                    actor=self.actor,
                    action="bank_file.received",
                    entity_type="bank_file",
                    entity_id=file_id,
                    after={"name": name, "sha256": archived.sha256, "source": source, "size": archived.size},
                )
                return file_id, None
        except IntegrityError:
            # Same bytes registered concurrently by another run.
            with transaction(self.engine) as session:
                known = bank_files.get_by_sha256(session, archived.sha256)
                assert known is not None
                return known.id, (None if known.status == "received" else known)

    def _process(
        self,
        file_id: int,
        archived: Archived,
        *,
        name: str,
        fmt: Format,
        progress: Callable[[int, int], None] | None,
    ) -> IngestResult:
        with transaction(self.engine) as session:
            if not bank_files.claim_for_processing(session, file_id):
                known = bank_files.get(session, file_id)
                assert known is not None
                return IngestResult(
                    file=name, status="duplicate", format=known.format, file_id=file_id,
                    sha256=archived.sha256, duplicate_of=file_id, duplicate_of_status=known.status,
                )
            if fmt in ADVICE_FORMATS:
                return self._store_advices(session, file_id, archived, name=name, fmt=fmt)
            with self.archive.open(archived.sha256) as raw:
                reader = _CountingReader(raw)
                source = io.BufferedReader(reader, buffer_size=1024 * 1024)
                store = EntryStore(session, file_id=file_id, actor=self.actor, integrity=self.integrity)
                tick = (lambda: progress(reader.consumed, archived.size)) if progress else None
                counts = store.consume(iter_records(fmt, source, limits=self.limits), tick)
                if progress:
                    progress(archived.size, archived.size)
            if counts.held_batches:  # a lockbox batch out of balance: its payments to review
                hold_batches(session, file_id=file_id, batches=counts.held_batches, actor=self.actor)
            if fmt is Format.ACH:  # notifications of change: proposed on the customer, for review
                propose_changes(session, file_id=file_id, actor=self.actor)
            session.execute(
                update(BankFile)
                .where(BankFile.id == file_id)
                .values(
                    format=fmt.value,
                    status="parsed",
                    warnings=counts.warnings,
                    statements=counts.statements,
                    entries_new=counts.entries_new,
                    entries_duplicate=counts.entries_duplicate,
                    transactions_new=counts.transactions_new,
                    processed_at=utc_now(),
                )
            )
            audit.record(
                session,
                actor=self.actor,
                action="bank_file.parsed",
                entity_type="bank_file",
                entity_id=file_id,
                before={"status": "received"},
                after={
                    "status": "parsed",
                    "format": fmt.value,
                    "statements": counts.statements,
                    "entries_new": counts.entries_new,
                    "entries_duplicate": counts.entries_duplicate,
                    "transactions_new": counts.transactions_new,
                },
            )
        return IngestResult(
            file=name,
            status="parsed",
            format=fmt.value,
            file_id=file_id,
            sha256=archived.sha256,
            statements=counts.statements,
            transactions=counts.transactions_new,
            entries_new=counts.entries_new,
            entries_duplicate=counts.entries_duplicate,
            entries_upgraded=counts.entries_upgraded,
            warnings=counts.warnings,
            new_transaction_ids=counts.new_transaction_ids,
        )

    def _store_advices(self, session: Session, file_id: int, archived: Archived, *, name: str,
                       fmt: Format) -> IngestResult:
        """A remittance advice file: its advices stored (ingest/advice_store.py), no bookings."""
        with self.archive.open(archived.sha256) as raw:
            data = raw.read(self.limits.max_file_bytes + 1)
        counts = store_advices(session, advice.parse(fmt, data), file_id=file_id, fmt=fmt.value, actor=self.actor)
        session.execute(update(BankFile).where(BankFile.id == file_id).values(
            format=fmt.value, status="parsed", warnings=counts.warnings, statements=0, entries_new=0,
            entries_duplicate=0, transactions_new=0, processed_at=utc_now()))
        audit.record(session, actor=self.actor, action="bank_file.parsed", entity_type="bank_file",
                     entity_id=file_id, before={"status": "received"},
                     after={"status": "parsed", "format": fmt.value, "advices": counts.stored,
                            "advices_duplicate": counts.duplicate})
        return IngestResult(file=name, status="parsed", format=fmt.value, file_id=file_id, sha256=archived.sha256,
                            advices=counts.stored, warnings=counts.warnings)

    def _reject(
        self, file_id: int, archived: Archived, *, name: str, error: ParseError, fmt: Format | None
    ) -> IngestResult:
        message = str(error.with_file(name))
        with transaction(self.engine) as session:
            session.execute(
                update(BankFile)
                .where(BankFile.id == file_id)
                .values(status="rejected", error=message, format=fmt and fmt.value, processed_at=utc_now())
            )
            audit.record(
                session,
                actor=self.actor,
                action="bank_file.rejected",
                entity_type="bank_file",
                entity_id=file_id,
                before={"status": "received"},
                after={"status": "rejected", "error": message},
            )
        return IngestResult(
            file=name, status="rejected", format=fmt and fmt.value, file_id=file_id,
            sha256=archived.sha256, error=message,
        )


def _duplicate(name: str, previous: BankFile, sha256: str) -> IngestResult:
    hint = (f"file #{previous.id} was rejected: after an upgrade, `remit files reprocess {previous.id}` "
            "parses it again" if previous.status == "rejected" else None)
    return IngestResult(file=name, status="duplicate", format=previous.format, file_id=previous.id, sha256=sha256,
                        duplicate_of=previous.id, duplicate_of_status=previous.status, hint=hint)


def session_counts(session: Session) -> dict[str, int]:
    """Row counts of the ingestion tables (for summaries and tests)."""
    return {
        "files": session.scalar(select(func.count()).select_from(BankFile)) or 0,
        "statements": session.scalar(select(func.count()).select_from(StatementRow)) or 0,
        "entries": session.scalar(select(func.count()).select_from(BankEntry)) or 0,
        "transactions": session.scalar(select(func.count()).select_from(BankTransaction)) or 0,
    }
