"""API keys: only their HMAC-SHA256 digests are stored; the key itself is shown once.

The digest is keyed with the deployment's secret (REMIT_SECRET_KEY): a copy of the table alone
does not let anyone test guesses. Callers pass `secret` from settings.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from core.settings import DEFAULT_SECRET
from ledger.models import ApiKey, AuditEvent
from ledger.types import utc_now

PREFIX = "rmt_"
# What a key may be allowed (DESIGN.md §6); admin implies all. Here, with the keys, so the
# API that checks them and the CLI that creates them share one list.
SCOPES = ("ar:read", "ar:write", "treasury:review", "admin")


def hash_key(key: str, secret: str = DEFAULT_SECRET) -> str:
    return hmac.new(secret.encode("utf-8"), key.encode("utf-8"), hashlib.sha256).hexdigest()


def create_with_id(
    session: Session, *, name: str, scopes: list[str], secret: str = DEFAULT_SECRET
) -> tuple[int, str]:
    key = PREFIX + secrets.token_urlsafe(32)
    key_id = session.execute(
        insert(ApiKey)
        .values(name=name, key_hash=hash_key(key, secret), scopes=sorted(set(scopes)))
        .returning(ApiKey.id)
    ).scalar_one()
    return key_id, key


def create(session: Session, *, name: str, scopes: list[str], secret: str = DEFAULT_SECRET) -> str:
    return create_with_id(session, name=name, scopes=scopes, secret=secret)[1]


def revoke(session: Session, key_id: int) -> bool:
    """Revoke an active key; False if there is none with that id."""
    result = session.execute(
        update(ApiKey).where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None)).values(revoked_at=utc_now())
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def find_active(session: Session, key: str, secret: str = DEFAULT_SECRET) -> ApiKey | None:
    row = session.scalars(select(ApiKey).where(ApiKey.key_hash == hash_key(key, secret))).one_or_none()
    if row is None or row.revoked_at is not None:
        return None
    return row


def key_actor(name: str, key_id: int) -> str:
    """The audit trail's actor for a key: "api-key:<name>", shortened (with the key's id, so
    it stays unambiguous) when a long key name would not fit the actor columns."""
    actor = f"api-key:{name}"
    limit = AuditEvent.__table__.c.actor.type.length
    if len(actor) <= limit:
        return actor
    suffix = f"\u2026#{key_id}"
    return actor[: limit - len(suffix)] + suffix
