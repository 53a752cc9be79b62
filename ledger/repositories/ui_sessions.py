"""Workbench browser sessions: only an HMAC-SHA256 digest of the session token is stored.

The token lives in the browser's cookie; the digest is keyed with the deployment's secret
(REMIT_SECRET_KEY) like API keys, so a copy of the table cannot be replayed as cookies. A
session belongs to a person (a user) or to an API key. It is valid while it is unexpired,
unrevoked, and its key is unrevoked or its person enabled: revoking the key or disabling the
person ends every session of theirs. A person's scopes are read from their role at every
request, so a new role applies at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from ledger.models import ApiKey, UiSession, User
from ledger.repositories.api_keys import key_actor
from ledger.repositories.users import ROLE_SCOPES, user_actor
from ledger.types import utc_now


@dataclass(frozen=True, slots=True)
class ActiveSession:
    session_id: int
    key_id: int | None  # a key's session: the key
    user_id: int | None  # a person's session: the user
    name: str  # the key's name, or the person's e-mail address
    role: str | None  # a person's role
    scopes: frozenset[str]
    csrf_token: str
    expires_at: datetime
    actor: str  # the audit trail's name for who acts in this session


def token_digest(token: str, secret: str) -> str:
    return hmac.new(secret.encode("utf-8"), token.encode("utf-8"), hashlib.sha256).hexdigest()


def create(
    session: Session,
    *,
    secret: str,
    hours: int,
    key_id: int | None = None,
    user_id: int | None = None,
) -> tuple[str, str]:
    """Open a session for an API key or a person (one of the two); returns (session token,
    CSRF token). Shown only once."""
    assert (key_id is None) != (user_id is None), "a session is a key's or a person's"
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = utc_now()
    session.execute(
        insert(UiSession).values(
            token_hash=token_digest(token, secret),
            key_id=key_id,
            user_id=user_id,
            csrf_token=csrf,
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    return token, csrf


def find_active(session: Session, token: str, secret: str) -> ActiveSession | None:
    now = utc_now()
    row = session.execute(
        select(UiSession, ApiKey, User)
        .outerjoin(ApiKey, ApiKey.id == UiSession.key_id)
        .outerjoin(User, User.id == UiSession.user_id)
        .where(UiSession.token_hash == token_digest(token, secret))
    ).one_or_none()
    if row is None:
        return None
    ui, key, user = row
    if ui.revoked_at is not None or ui.expires_at <= now:
        return None
    if user is not None:
        if user.disabled_at is not None or user.must_change_password:
            return None
        return ActiveSession(
            session_id=ui.id,
            key_id=None,
            user_id=user.id,
            name=user.email,
            role=user.role,
            scopes=ROLE_SCOPES.get(user.role, frozenset()),
            csrf_token=ui.csrf_token,
            expires_at=ui.expires_at,
            actor=user_actor(user.email, user.id),
        )
    if key is None or key.revoked_at is not None:
        return None
    return ActiveSession(
        session_id=ui.id,
        key_id=key.id,
        user_id=None,
        name=key.name,
        role=None,
        scopes=frozenset(key.scopes),
        csrf_token=ui.csrf_token,
        expires_at=ui.expires_at,
        actor=key_actor(key.name, key.id),
    )


def revoke(session: Session, session_id: int) -> bool:
    result = session.execute(
        update(UiSession)
        .where(UiSession.id == session_id, UiSession.revoked_at.is_(None))
        .values(revoked_at=utc_now())
    )
    return result.rowcount == 1  # type: ignore[attr-defined]
