"""A received file, end to end: ingest (its own transactions), then match and apply (one more).

Matching runs over every booked transaction still unmatched, not only the file's new ones: a
booking first reported pending (camt.054) becomes cash when the evening camt.053 confirms it.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy.orm import Session

from api.runtime import Runtime
from ingest.service import IngestResult
from ledger.db import transaction
from receivables.plan_service import sync_for_invoices
from reconcile.service import MatchSummary, match_pending


def _credit_plans(session: Session, invoice_ids: set[int], actor: str) -> None:
    # Instalments of active payment plans are credited from their invoices' open amounts.
    sync_for_invoices(session, invoice_ids, actor=actor)


def match(
    session: Session, rt: Runtime, *, actor: str, today: date, include_review: bool = False
) -> MatchSummary:
    """One matching run as every caller runs it: the runtime's settings, plans credited."""
    return match_pending(session, actor=actor, today=today, settings=rt.match_settings(),
                         include_review=include_review, after_apply=_credit_plans)


def match_after(rt: Runtime, result: IngestResult, *, actor: str) -> IngestResult:
    if result.status != "parsed":
        return result
    today = datetime.now(timezone.utc).date()
    with transaction(rt.engine) as session:
        summary = match(session, rt, actor=actor, today=today)
    result.applied, result.review = summary.applied, summary.review + summary.returned
    return result


def ingest_path(rt: Runtime, path: Path, *, source: str, actor: str, **options: Any) -> IngestResult:
    return match_after(rt, rt.ingestor(actor=actor).ingest_path(path, source=source, **options), actor=actor)


def ingest_stream(rt: Runtime, stream: BinaryIO, *, name: str, source: str, actor: str) -> IngestResult:
    return match_after(rt, rt.ingestor(actor=actor).ingest_stream(stream, name=name, source=source), actor=actor)
