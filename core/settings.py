"""Runtime settings, from the environment (REMIT_*) or a .env file."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Development defaults for secrets: fine on a laptop, refused in production (see below).
DEFAULT_SECRET = "dev-insecure-change-me"


class InsecureSettings(ValueError):
    """Production mode with a default or weak secret: refuse to start."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REMIT_", env_file=".env", extra="ignore")

    environment: Literal["development", "production"] = "development"
    # Keys the HMAC digests of API keys and UI session tokens kept in the database.
    secret_key: str = DEFAULT_SECRET
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
    # Webhook: invoice status changes POSTed to this URL, signed with HMAC-SHA256 of the secret.
    webhook_url: str | None = None
    webhook_secret: str = DEFAULT_SECRET
    webhook_timeout_seconds: float = 10.0
    webhook_max_attempts: int = 8  # then the event is marked failed (still listed, never dropped)
    webhook_poll_seconds: int = 15
    # Web UI sessions: cookie lifetime, and whether the cookie needs HTTPS (always in production).
    session_hours: int = 12
    secure_cookies: bool = False

    @model_validator(mode="after")
    def _production_needs_real_secrets(self) -> Settings:
        if self.environment != "production":
            return self
        problems = []
        if _weak(self.secret_key):
            problems.append("REMIT_SECRET_KEY is the development default or shorter than 32 characters")
        if self.webhook_url and _weak(self.webhook_secret):
            problems.append("REMIT_WEBHOOK_SECRET is the development default or shorter than 32 characters")
        if problems:
            raise InsecureSettings("refusing to start in production mode: " + "; ".join(problems))
        self.secure_cookies = True
        return self


def _weak(secret: str) -> bool:
    return secret == DEFAULT_SECRET or len(secret) < 32


def get_settings() -> Settings:
    return Settings()
