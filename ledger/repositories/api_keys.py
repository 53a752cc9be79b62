"""API keys: only their SHA-256 digests are stored; the key itself is shown once."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ledger.models import ApiKey

PREFIX = "rmt_"


def hash_key(key: str) -> str:
    # Keys are 32 random bytes: a plain digest is enough (no dictionary to attack).
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create(session: Session, *, name: str, scopes: list[str]) -> str:
    key = PREFIX + secrets.token_urlsafe(32)
    session.execute(insert(ApiKey).values(name=name, key_hash=hash_key(key), scopes=sorted(set(scopes))))
    return key


def find_active(session: Session, key: str) -> ApiKey | None:
    row = session.scalars(select(ApiKey).where(ApiKey.key_hash == hash_key(key))).one_or_none()
    if row is None or row.revoked_at is not None:
        return None
    return row
