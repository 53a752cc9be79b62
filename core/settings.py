"""Runtime settings, from the environment (REMIT_*) or a .env file."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REMIT_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///remit.db"
    archive_dir: Path = Path("remit-archive")
    inbox_dir: Path | None = None  # polled by `remit serve` when set
    inbox_poll_seconds: int = 60
    sftp_connections_file: Path | None = None  # TOML/JSON of bank SFTP connections (ingest.sftp)
    sftp_workdir: Path = Path("remit-sftp")  # downloads land here (as .part) before ingestion
    max_file_bytes: int = 2 * 1024**3
    # Matching (reconcile.model.MatchSettings): when cash is applied without a person.
    match_auto_threshold: int = 90  # apply only at or above this score (0..100) ...
    match_margin: int = 15  # ... and this far ahead of the runner-up
    match_suggest_threshold: int = 40
    fee_tolerance: Decimal = Decimal("25.00")  # short-pay written off as bank charges, at most
    fee_tolerance_percent: Decimal = Decimal("1.0")  # ... and at most this % of the invoices
    discount_grace_days: int = 3


def get_settings() -> Settings:
    return Settings()
