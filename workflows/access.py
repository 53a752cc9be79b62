"""Who is calling: the API key behind a bearer token, looked up in its own read transaction.

A use case rather than the request's session: server/boundary.py checks the key before the
route runs (before the body is read), when no request session exists yet.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.db import transaction
from ledger.repositories import api_keys
from workflows.runtime import Runtime


@dataclass(frozen=True, slots=True)
class KeyInfo:
    id: int
    name: str
    scopes: frozenset[str]


def active_key(rt: Runtime, token: str) -> KeyInfo | None:
    """The active (not revoked) key `token` is, or None."""
    with transaction(rt.engine) as session:
        key = api_keys.find_active(session, token, rt.settings.secret_key)
        if key is None:
            return None
        return KeyInfo(id=key.id, name=key.name, scopes=frozenset(key.scopes))
