"""Who may act: people, API keys, workbench sessions and failed sign-ins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ledger.models.base import Base
from ledger.types import UTCDateTime, utc_now


class User(Base):
    """A person who signs in to the workbench with an e-mail address and a password.

    `email` is stored case-folded (ledger.repositories.users.normalize_email), so the unique
    constraint is case-insensitive on every database. `role` maps to API scopes in one place
    (users.ROLE_SCOPES). A one-time password (created, reset) must be replaced at the next
    sign-in (`must_change_password`). Disabled people keep their row: the audit trail names them.
    """

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('viewer', 'reviewer', 'admin')", name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2id (core.passwords)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class UiSession(Base):
    """A browser session of the workbench, known by a token digest: a person's (`user_id`) or,
    for systems and operators, an API key's (`key_id`) — exactly one of the two."""

    __tablename__ = "ui_sessions"
    __table_args__ = (
        CheckConstraint("(key_id IS NULL) <> (user_id IS NULL)", name="one_principal"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LoginFailure(Base):
    """A failed workbench sign-in, kept in the database so that every instance counts every
    failure (ui/security.py: the lock-out); rows older than the window are deleted."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_client_at", "client", "failed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The client's address, or "email:" and a digest of the e-mail address a person's
    # sign-in named (workflows.sign_in.email_client): both are locked out.
    client: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class ApiKey(Base):
    """API keys, stored only as HMAC-SHA256 digests, each with its scopes."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
