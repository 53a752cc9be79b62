"""Runtime settings, from the environment (REMIT_*) or a .env file."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.money import exponent, is_currency

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
    # Files queued by `remit collect --send` go to their connection's upload_dir this often
    # (remit serve / worker; connections with upload_dir only). 0: only `remit sftp send`.
    sftp_send_seconds: int = Field(300, ge=0)
    max_file_bytes: int = 2 * 1024**3
    # A statement that does not add up (opening + entries != closing) or does not follow on
    # from the account's last one: a warning on the file, or (reject) the file refused.
    statement_integrity: Literal["warn", "reject"] = "warn"
    # The sweep (remit serve / worker): files a crash left half-received and payments stored
    # but never matched are taken up again this often, without anyone asking. 0: never.
    match_sweep_seconds: int = Field(300, ge=0)
    # HTTP request bodies (uploads, JSON): larger ones are refused with 413, by Content-Length
    # before anything is read, else by counting while the body streams in.
    max_upload_bytes: int = Field(64 * 1024**2, ge=1024, le=2**40)
    # Matching (reconcile.model.MatchSettings): when cash is applied without a person.
    match_auto_threshold: int = 90  # apply only at or above this score (0..100) ...
    match_margin: int = 15  # ... and this far ahead of the runner-up
    match_suggest_threshold: int = 40
    # Short-pay written off as bank charges, at most (absolute, any currency without its own) ...
    fee_tolerance: Decimal = Field(Decimal("25.00"), ge=0)
    # ... per currency: REMIT_FEE_TOLERANCES='{"EUR":"25.00","USD":"30.00","JPY":"3000"}'.
    fee_tolerances: dict[str, Decimal] = Field(default_factory=dict)
    # Accepted so old .env files keep working, but without effect: the tolerance is absolute.
    fee_tolerance_percent: Decimal = Decimal("1.0")
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
    # Workbench sign-in lock-out, counted in the database (every instance sees every failure):
    # this many failed sign-ins from one client address within the window lock it out.
    login_max_failures: int = Field(10, ge=1, le=10_000)
    login_lockout_seconds: int = Field(300, ge=1, le=7 * 24 * 3600)
    # Reminders (receivables/reminders.py): email by SMTP; the daily job runs when a cron is set.
    smtp_host: str | None = None  # unset: email reminders are recorded failed ("not configured")
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password_file: Path | None = None  # the password is read from this file, never the env
    smtp_starttls: bool = False
    smtp_from: str = "Accounts Receivable <ar@example.com>"
    smtp_timeout_seconds: float = 30.0
    # A temporary failure (4xx, connection refused or dropped before the message was handed
    # over) is tried again after smtp_retry_seconds, doubling (at most 60 s), up to this many
    # attempts in a run; then the reminder is `failed` and the next run tries again.
    smtp_max_attempts: int = Field(3, ge=1, le=10)
    smtp_retry_seconds: float = Field(2.0, ge=0, le=60)
    reminders_cron: str | None = None  # e.g. "0 6 * * *" (UTC, after the nightly ingest)
    reminder_templates_dir: Path | None = None  # overrides receivables/templates by file name
    # "How to pay" in reminders: the payee's bank details when set (the IBAN is checked here,
    # shown in groups of four), then payment_instructions; without an IBAN, payment_instructions
    # alone (unset: a plain "pay by bank transfer, quote the invoice number").
    payee_name: str | None = None
    payee_iban: str | None = None
    payee_bic: str | None = None
    payment_instructions: str | None = None
    # Computed customer segments (remit dunning segments; the daily reminders job): a slow payer
    # averages more than this many days late over its last N paid invoices; large by open balance.
    segment_slow_days: int = 15
    segment_history: int = 5
    segment_large_open: Decimal = Decimal("50000")
    # Late fees (receivables/fees.py): none | finance_charge | eu; amounts in invoice currency.
    late_fee_mode: Literal["none", "finance_charge", "eu"] = "none"
    late_fee_monthly_rate: Decimal = Field(Decimal("1.5"), ge=0, le=100)  # % a month
    late_fee_grace_days: int = Field(0, ge=0, le=3650)
    late_fee_minimum: Decimal = Field(Decimal("0"), ge=0)  # per charge (finance_charge)
    late_fee_cap: Decimal | None = Field(None, ge=0)  # all fees of one invoice (finance_charge)
    eu_reference_rate: Decimal = Field(Decimal("2.15"), ge=-100, le=100)  # ECB MRO, % a year
    late_fee_eu_compensation: Decimal = Field(Decimal("40.00"), ge=0)  # EUR invoices only
    late_fee_cron: str = "30 6 * * *"  # UTC, daily after the nightly ingest; when mode != none
    plans_cron: str | None = None  # payment plans' daily run (api/plans.py), e.g. "15 6 * * *" UTC
    # Direct debits (`remit collect`, receivables/collect.py): who collects. SEPA (pain.008) ...
    sepa_creditor_id: str | None = None  # creditor identifier, e.g. DE98ZZZ09999999999
    sepa_creditor_name: str | None = None
    sepa_creditor_iban: str | None = None  # the account the collections are credited to
    sepa_creditor_bic: str | None = None  # optional (IBAN-only is allowed in SEPA)
    # ... and ACH (NACHA): immediate origin, company id and name, originating bank (ODFI) routing.
    ach_origin: str | None = None  # 10 characters: often " " + routing, or "1" + tax id
    ach_company_id: str | None = None  # 10 characters
    ach_company_name: str | None = None  # 16 characters
    ach_odfi: str | None = None  # 9-digit routing number of the originating bank

    @field_validator("fee_tolerances")
    @classmethod
    def _tolerances_fit_their_currency(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        """Upper-case ISO codes, amounts >= 0 in whole minor units (JPY has none, KWD three)."""
        checked = {}
        for code, amount in value.items():
            currency = code.strip().upper()
            if not is_currency(currency):  # a typo would silently leave the default in force
                raise ValueError(f"REMIT_FEE_TOLERANCES: {code!r} is not an ISO 4217 currency code")
            scaled = amount.scaleb(exponent(currency))
            if not amount.is_finite() or amount < 0 or scaled != scaled.to_integral_value():
                raise ValueError(f"REMIT_FEE_TOLERANCES: {amount} {currency} is not a non-negative "
                                 f"amount in whole minor units ({exponent(currency)} decimals)")
            checked[currency] = amount
        return checked

    @field_validator("payee_iban")
    @classmethod
    def _payee_iban_is_an_iban(cls, value: str | None) -> str | None:
        """The compact IBAN, refused with the reason when it fails its check digits."""
        if value is None or not value.strip():
            return None
        from stdnum import iban
        from stdnum.exceptions import ValidationError

        try:
            return str(iban.validate(value))
        except ValidationError as error:
            raise ValueError(f"REMIT_PAYEE_IBAN {value!r} is not a valid IBAN: {error}") from None

    @field_validator("payee_bic")
    @classmethod
    def _payee_bic_is_a_bic(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        from stdnum import bic
        from stdnum.exceptions import ValidationError

        try:
            return str(bic.validate(value))
        except ValidationError as error:
            raise ValueError(f"REMIT_PAYEE_BIC {value!r} is not a valid BIC: {error}") from None

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
