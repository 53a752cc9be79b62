"""Workbench browser sessions: only an HMAC-SHA256 digest of the session token is stored.

The token lives in the browser's cookie; the digest is keyed with the deployment's secret
(REMIT_SECRET_KEY) like API keys, so a copy of the table cannot be replayed as cookies. A
session is valid while it is unexpired, unrevoked, and its API key is unrevoked: revoking the
key ends every session signed in with it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from ledger.models import ApiKey, UiSession
from ledger.types import utc_now


@dataclass(frozen=True, slots=True)
class ActiveSession:
    session_id: int
    key_id: int
    key_name: str
    scopes: frozenset[str]
    csrf_token: str
    expires_at: datetime


def token_digest(token: str, secret: str) -> str:
    return hmac.new(secret.encode("utf-8"), token.encode("utf-8"), hashlib.sha256).hexdigest()


def create(session: Session, *, key_id: int, secret: str, hours: int) -> tuple[str, str]:
    """Open a session for an API key; returns (session token, CSRF token). Shown only once."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = utc_now()
    session.execute(
        insert(UiSession).values(
            token_hash=token_digest(token, secret),
            key_id=key_id,
            csrf_token=csrf,
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    return token, csrf


def find_active(session: Session, token: str, secret: str) -> ActiveSession | None:
    now = utc_now()
    row = session.execute(
        select(UiSession, ApiKey)
        .join(ApiKey, ApiKey.id == UiSession.key_id)
        .where(UiSession.token_hash == token_digest(token, secret))
    ).one_or_none()
    if row is None:
        return None
    ui, key = row
    if ui.revoked_at is not None or key.revoked_at is not None or ui.expires_at <= now:
        return None
    return ActiveSession(
        session_id=ui.id,
        key_id=key.id,
        key_name=key.name,
        scopes=frozenset(key.scopes),
        csrf_token=ui.csrf_token,
        expires_at=ui.expires_at,
    )


def revoke(session: Session, session_id: int) -> bool:
    result = session.execute(
        update(UiSession)
        .where(UiSession.id == session_id, UiSession.revoked_at.is_(None))
        .values(revoked_at=utc_now())
    )
    return result.rowcount == 1  # type: ignore[attr-defined]
