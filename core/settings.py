"""Runtime settings, from the environment (REMIT_*) or a .env file."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REMIT_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///remit.db"
    archive_dir: Path = Path("remit-archive")
    inbox_dir: Path | None = None  # polled by `remit serve` when set
    inbox_poll_seconds: int = 60
    max_file_bytes: int = 2 * 1024**3


def get_settings() -> Settings:
    return Settings()
