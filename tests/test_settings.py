"""core/settings.py: production mode refuses development or weak secrets."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from core.settings import DEFAULT_SECRET, Settings, get_settings

STRONG = "a-real-secret-of-at-least-32-characters!"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("REMIT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no .env file from the checkout


def test_development_accepts_the_defaults() -> None:
    s = Settings()
    assert (s.environment, s.secret_key, s.secure_cookies) == ("development", DEFAULT_SECRET, False)
    assert Settings(webhook_url="http://127.0.0.1/hook").webhook_secret == DEFAULT_SECRET


@pytest.mark.parametrize("secret", [DEFAULT_SECRET, "x" * 31])
def test_production_refuses_a_default_or_short_secret_key(secret: str) -> None:
    with pytest.raises(ValidationError, match="REMIT_SECRET_KEY"):
        Settings(environment="production", secret_key=secret)


def test_production_with_a_strong_key_starts_and_forces_secure_cookies() -> None:
    s = Settings(environment="production", secret_key="x" * 32)
    assert s.secure_cookies is True
    # Without a webhook URL the webhook secret is never used, so it is not checked.
    assert s.webhook_url is None and s.webhook_secret == DEFAULT_SECRET


@pytest.mark.parametrize("webhook_secret", [DEFAULT_SECRET, "short"])
def test_production_with_a_webhook_url_needs_a_real_webhook_secret(webhook_secret: str) -> None:
    with pytest.raises(ValidationError, match="REMIT_WEBHOOK_SECRET") as caught:
        Settings(environment="production", secret_key=STRONG,
                 webhook_url="https://erp.example/hooks", webhook_secret=webhook_secret)
    assert "REMIT_SECRET_KEY" not in str(caught.value)
    ok = Settings(environment="production", secret_key=STRONG,
                  webhook_url="https://erp.example/hooks", webhook_secret=STRONG)
    assert ok.webhook_secret == STRONG


def test_both_problems_are_named_at_once() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(environment="production", webhook_url="https://erp.example/hooks")
    message = str(caught.value)
    assert "REMIT_SECRET_KEY" in message and "REMIT_WEBHOOK_SECRET" in message


def test_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REMIT_ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="refusing to start in production mode"):
        get_settings()
    monkeypatch.setenv("REMIT_SECRET_KEY", STRONG)
    monkeypatch.setenv("REMIT_WEBHOOK_URL", "https://erp.example/hooks")
    monkeypatch.setenv("REMIT_WEBHOOK_SECRET", STRONG[::-1])
    monkeypatch.setenv("REMIT_WEBHOOK_MAX_ATTEMPTS", "3")
    s = get_settings()
    assert (s.environment, s.webhook_url, s.webhook_max_attempts) == (
        "production", "https://erp.example/hooks", 3)


def test_production_reads_secrets_from_a_dotenv_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"REMIT_ENVIRONMENT=production\nREMIT_SECRET_KEY={STRONG}\n")
    s = get_settings()
    assert (s.environment, s.secret_key) == ("production", STRONG)


def test_upload_limit_and_sign_in_lock_out_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    s = Settings()
    assert s.max_upload_bytes == 64 * 1024 * 1024
    assert (s.login_max_failures, s.login_lockout_seconds) == (10, 300)
    monkeypatch.setenv("REMIT_MAX_UPLOAD_BYTES", "1048576")
    monkeypatch.setenv("REMIT_LOGIN_MAX_FAILURES", "5")
    monkeypatch.setenv("REMIT_LOGIN_LOCKOUT_SECONDS", "900")
    s = get_settings()
    assert (s.max_upload_bytes, s.login_max_failures, s.login_lockout_seconds) == (
        1048576, 5, 900)
    for name, bad in (("REMIT_MAX_UPLOAD_BYTES", "0"), ("REMIT_LOGIN_MAX_FAILURES", "0"),
                      ("REMIT_LOGIN_LOCKOUT_SECONDS", "-1")):
        monkeypatch.setenv(name, bad)
        with pytest.raises(ValidationError, match=name.removeprefix("REMIT_").lower()):
            get_settings()
        monkeypatch.delenv(name)


def test_fee_tolerances_per_currency_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from decimal import Decimal

    from workflows.runtime import Runtime

    monkeypatch.setenv("REMIT_FEE_TOLERANCE", "20.00")
    monkeypatch.setenv("REMIT_FEE_TOLERANCES", '{"usd": "30.00", "JPY": "3000", "KWD": "5.125"}')
    monkeypatch.setenv("REMIT_FEE_TOLERANCE_PERCENT", "2.0")  # accepted, no effect
    s = Settings()
    assert s.fee_tolerances == {"USD": Decimal("30.00"), "JPY": Decimal("3000"), "KWD": Decimal("5.125")}
    m = Runtime(s, None, None).match_settings()  # type: ignore[arg-type]
    assert m.fee_tolerance_for("USD") == Decimal("30.00") and m.fee_tolerance_for("JPY") == 3000
    assert m.fee_tolerance_for("EUR") == Decimal("20.00")  # the default for every other currency


@pytest.mark.parametrize("given", ['{"JPY": "3000.5"}', '{"EUR": "1.005"}', '{"EUR": "-1"}', '{"EURO": "5"}',
                                   '{"ABC": "5"}'])
def test_fee_tolerances_must_fit_the_currency(monkeypatch: pytest.MonkeyPatch, given: str) -> None:
    monkeypatch.setenv("REMIT_FEE_TOLERANCES", given)
    with pytest.raises(ValidationError, match="REMIT_FEE_TOLERANCES"):
        Settings()
