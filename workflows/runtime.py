"""Wiring shared by the CLI, the web app and jobs: settings → engine, archive, ingestor.

In workflows/: every use case starts from a Runtime, and api/ and cli/ both hand one in."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.limits import ParseLimits
from core.settings import Settings, get_settings
from ingest.archive import Archive
from ingest.service import Ingestor
from ledger.db import engine_for, transaction
from ledger.migrate import upgrade
from reconcile.model import MatchSettings

REPO_ROOT = Path(__file__).resolve().parents[1]


def fixtures_dir() -> Path:
    """fixtures/ of the checkout (editable install), or $REMIT_FIXTURES_DIR, or ./fixtures."""
    for candidate in (os.environ.get("REMIT_FIXTURES_DIR"), REPO_ROOT / "fixtures", Path.cwd() / "fixtures"):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return REPO_ROOT / "fixtures"


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    archive: Archive

    def match_settings(self) -> MatchSettings:
        s = self.settings
        return MatchSettings(
            auto_threshold=s.match_auto_threshold,
            margin=s.match_margin,
            suggest_threshold=s.match_suggest_threshold,
            fee_tolerance=s.fee_tolerance,
            fee_tolerances=tuple(sorted(s.fee_tolerances.items())),
            discount_grace_days=s.discount_grace_days,
        )

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One transaction, committed when the block ends and rolled back when it raises.
        Only workflows commit (DESIGN.md §2): a web request's session (web.session) is one of
        these, so api/ and ui/ routes never begin or commit anything themselves."""
        with transaction(self.engine) as session:
            yield session

    def ingestor(self, actor: str = "system") -> Ingestor:
        limits = ParseLimits(max_file_bytes=self.settings.max_file_bytes)
        return Ingestor(self.engine, self.archive, limits=limits, actor=actor,
                        integrity=self.settings.statement_integrity)


def runtime(settings: Settings | None = None, *, migrate: bool = False) -> Runtime:
    settings = settings or get_settings()
    if migrate:
        upgrade(settings.database_url)
    return Runtime(settings=settings, engine=engine_for(settings.database_url), archive=Archive(settings.archive_dir))
