"""A received file, end to end: ingest (its own transactions), then match and apply (one more).

Matching runs over every booked transaction still unmatched, not only the file's new ones: a
booking first reported pending (camt.054) becomes cash when the evening camt.053 confirms it.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO

from api.runtime import Runtime
from ingest.service import IngestResult
from ledger.db import transaction
from reconcile.service import match_pending


def match_after(rt: Runtime, result: IngestResult, *, actor: str) -> IngestResult:
    if result.status != "parsed":
        return result
    today = datetime.now(timezone.utc).date()
    with transaction(rt.engine) as session:
        summary = match_pending(session, actor=actor, today=today, settings=rt.match_settings())
    result.applied, result.review = summary.applied, summary.review + summary.returned
    return result


def ingest_path(rt: Runtime, path: Path, *, source: str, actor: str, **options: Any) -> IngestResult:
    return match_after(rt, rt.ingestor(actor=actor).ingest_path(path, source=source, **options), actor=actor)


def ingest_stream(rt: Runtime, stream: BinaryIO, *, name: str, source: str, actor: str) -> IngestResult:
    return match_after(rt, rt.ingestor(actor=actor).ingest_stream(stream, name=name, source=source), actor=actor)
