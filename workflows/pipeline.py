"""A received file, end to end: ingest (its own transactions), then match and apply.

Matching runs over every booked transaction still unmatched, not only the file's new ones: a
booking first reported pending (camt.054) becomes cash when the evening camt.053 confirms it,
and payments a crashed run stored but never matched are picked up by the next file — the same
file sent again included (a duplicate still runs the matcher); so are remittance advices a
crashed run stored but never linked (each run links the waiting ones first). Nothing waits
for an operator.

In workflows/: the use case owns its transactions; the upload route, `remit ingest`, the inbox
and SFTP jobs and the demo all call it; `remit match` runs match_settled, or with --dry-run
reads the decisions and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import exists, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ingest.service import IngestResult
from ledger.models import BankEntry, BankTransaction, RemittanceAdvice
from ledger.repositories import bank_files
from receivables.dd_settle import settle_collections
from receivables.plan_service import sync_for_invoices
from reconcile import rematch
from reconcile.advice import AdviceSummary, in_review_by_advice, settle_advices
from reconcile.advice import preview as advice_preview
from reconcile.payouts import settle_payouts
from reconcile.recorded import settle_recorded
from reconcile.model import MatchSettings
from reconcile.service import MatchSummary, decide, dry_run_json, match_pending
from workflows.runtime import Runtime

# A run that finds payments or invoices changed under it leaves them for another run; it
# follows at once, this many times at most (then the next file or the sweep job takes them).
SETTLE_ROUNDS = 3
# A file still `received` this long after it came was left by a run that died (its own run
# claims and processes it within seconds): the sweep processes it from the archive.
STRANDED_AFTER = timedelta(minutes=10)
# PostgreSQL's answers to two transactions that got in each other's way: try again.
_RETRYABLE = {"40001", "40P01"}  # serialization_failure, deadlock_detected


def credit_plans(session: Session, invoice_ids: set[int], actor: str) -> None:
    # Instalments of active payment plans are credited from their invoices' open amounts.
    sync_for_invoices(session, invoice_ids, actor=actor)


def match(
    session: Session, rt: Runtime, *, actor: str, today: date, include_review: bool = False,
    advices: bool = True,
) -> MatchSummary:
    """One matching run in the caller's transaction: the runtime's settings, plans credited.
    What the bank reports about remit's own direct debits is taken first (settled or returned
    collections, receivables/dd_settle.py): their link to the invoice wins over matching; so
    are the bank's settlements of payments recorded via the API (reconcile/recorded.py), which
    apply nothing again. Then remittance advices still waiting are linked to their payments
    (unmatched or in review) and those applied per their lines (reconcile/advice.py), before
    the matcher decides what is left."""
    settle_collections(session, actor=actor)
    settle_recorded(session, actor=actor)
    settle_payouts(session, actor=actor)  # a day's recorded payments paid out in one credit
    settings = rt.match_settings()
    linked = _settle_advices(session, actor=actor, settings=settings, today=today) if advices else None
    # A payment its advice applied or sent to review is not decided again (--include-review
    # would read it back): the payer's own word, in review, is not replaced by a guess.
    skip = (linked.transaction_ids if linked else set()) | (in_review_by_advice(session) if include_review else set())
    summary = match_pending(session, actor=actor, today=today, settings=settings, include_review=include_review,
                            after_apply=credit_plans, skip=skip)
    return _with_advices(summary, linked)


def _settle_advices(session: Session, *, actor: str, settings: MatchSettings, today: date,
                    retry: Sequence[str] = ()) -> AdviceSummary:
    """The waiting advices linked and applied (and those in review that name an invoice of
    `retry`, just imported, tried again); plans credited for the invoices they paid."""
    linked = settle_advices(session, actor=actor, settings=settings, today=today, retry=retry)
    if linked.invoice_ids:
        credit_plans(session, linked.invoice_ids, actor)
    return linked


def _with_advices(summary: MatchSummary, linked: AdviceSummary | None) -> MatchSummary:
    if linked is not None:
        summary.advices += linked.linked
        summary.applied += linked.applied
        summary.review += linked.review
    return summary


def match_settled(rt: Runtime, *, actor: str, today: date | None = None,
                  include_review: bool = False) -> MatchSummary:
    """Matching runs, each its own transaction, until nothing is left over for a later one."""
    today = today or datetime.now(timezone.utc).date()
    total = MatchSummary()
    for round_ in range(SETTLE_ROUNDS):
        # The first round links the waiting advices; a later one only takes what it deferred.
        summary = _run_with_retry(rt, actor=actor, today=today, include_review=include_review and round_ == 0,
                                  advices=round_ == 0)
        total.advices += summary.advices
        total.applied += summary.applied
        total.review += summary.review
        total.ignored += summary.ignored
        total.returned += summary.returned
        total.errors += summary.errors
        total.deferred = summary.deferred
        if not summary.deferred:
            break
    return total


def decisions(rt: Runtime, *, today: date, include_review: bool = False) -> list[dict[str, object]]:
    """What a run would decide now (`remit match --dry-run`): read in a transaction that is
    rolled back, so nothing changes. A payment a waiting remittance advice would be linked to
    is listed as the advice's (action `advice`), not as the matcher's guess."""
    with Session(rt.engine) as session:
        advised = advice_preview(session)
        out = dry_run_json(decide(session, today=today, settings=rt.match_settings(), include_review=include_review,
                                  skip={a["transaction_id"] for a in advised}))
        session.rollback()
    return sorted([*out, *advised], key=lambda o: o["transaction_id"])  # type: ignore[arg-type,return-value]


def rematch_opened(rt: Runtime, numbers: Sequence[str], *, actor: str,
                   today: date | None = None) -> MatchSummary:
    """After an import created or reopened the invoices `numbers` (committed already): the
    payments with money on account that may pay them are matched again, for what is left of
    each, in a transaction of its own — a failure here never undoes the import. Remittance
    advices still waiting are linked first: a payment one describes is applied per its lines;
    an advice in review that names one of `numbers` is tried again (its invoice was missing)."""
    if not numbers:
        return MatchSummary()
    today = today or datetime.now(timezone.utc).date()
    settings = rt.match_settings()

    def run(session: Session) -> MatchSummary:
        linked = _settle_advices(session, actor=actor, settings=settings, today=today, retry=numbers)
        ids = [i for i in rematch.candidates(session, numbers, settings) if i not in linked.transaction_ids]
        if not ids:
            return _with_advices(MatchSummary(), linked)
        return _with_advices(match_pending(session, actor=actor, today=today, settings=settings,
                                           transaction_ids=ids, rematch=True, after_apply=credit_plans), linked)

    return _with_retry(rt, run)


def _run_with_retry(rt: Runtime, **options: Any) -> MatchSummary:
    return _with_retry(rt, lambda session: match(session, rt, **options))


def _with_retry(rt: Runtime, run: Callable[[Session], Any]) -> Any:
    for attempt in range(3):
        try:
            with rt.unit_of_work() as session:
                return run(session)
        except DBAPIError as error:
            code = getattr(error.orig, "sqlstate", None)
            if code not in _RETRYABLE or attempt == 2:
                raise
    raise AssertionError("unreachable")


def match_after(rt: Runtime, result: IngestResult, *, actor: str) -> IngestResult:
    """Match after any file, stored, duplicate or rejected: whatever is unmatched gets its run.
    The run links remittance advices first: a payment described by one is applied per its lines."""
    summary = match_settled(rt, actor=actor)
    result.applied = summary.applied
    result.review = summary.review + summary.returned
    return result


def ingest_path(rt: Runtime, path: Path, *, source: str, actor: str, **options: Any) -> IngestResult:
    return match_after(rt, rt.ingestor(actor=actor).ingest_path(path, source=source, **options), actor=actor)


def ingest_stream(rt: Runtime, stream: BinaryIO, *, name: str, source: str, actor: str) -> IngestResult:
    return match_after(rt, rt.ingestor(actor=actor).ingest_stream(stream, name=name, source=source), actor=actor)


def reprocess(rt: Runtime, file_id: int, *, actor: str) -> IngestResult | None:
    """A rejected file parsed again from the archive (after an upgrade), then matched; None
    when there is no such file."""
    result = rt.ingestor(actor=actor).reprocess(file_id)
    return None if result is None else match_after(rt, result, actor=actor)


@dataclass
class SweepResult:
    files: list[IngestResult] = field(default_factory=list)  # stranded files processed again
    match: MatchSummary | None = None  # None: nothing was waiting

    def as_json(self) -> dict[str, object]:
        return {"files": [f.as_json() for f in self.files],
                "match": None if self.match is None else self.match.as_json()}


def sweep(rt: Runtime, *, actor: str = "sweep") -> SweepResult:
    """Take up what a crash left behind: files registered but never processed (from the
    archive, byte for byte), then payments stored but never matched and remittance advices
    never linked (the run links them). Cheap when there are none."""
    result = SweepResult()
    cutoff = datetime.now(timezone.utc) - STRANDED_AFTER
    with rt.unit_of_work() as session:
        stranded = [(f.name, f.sha256) for f in bank_files.stranded(session, received_before=cutoff)]
    ingestor = rt.ingestor(actor=actor)
    for name, sha256 in stranded:
        with ingestor.archive.open(sha256) as stream:
            result.files.append(ingestor.ingest_stream(stream, name=name, source="sweep"))
    with rt.unit_of_work() as session:
        waiting = session.scalar(select(exists().where(
            BankTransaction.match_status == "unmatched", BankEntry.id == BankTransaction.entry_id,
            BankEntry.status == "booked"))) or session.scalar(select(exists().where(
                RemittanceAdvice.status == "waiting")))
    if waiting:
        result.match = match_settled(rt, actor=actor)
    return result
