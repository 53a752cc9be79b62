"""API keys issued and revoked, each one transaction, audited (the key itself is stored
hashed and shown once), and the key behind a bearer token.

In workflows/: `remit apikey` and `remit demo --serve` (a reviewer's key) issue and revoke;
api/auth.py looks a key up — in its own read transaction rather than a request's session,
because server/boundary.py checks the key before the route runs (before the body is read),
when no request session exists yet.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger import audit
from ledger.repositories import api_keys
from workflows.runtime import Runtime


def create_key(rt: Runtime, *, name: str, scopes: list[str], actor: str) -> tuple[int, str]:
    """A new key with these scopes: its id and the key (never stored in clear)."""
    with rt.unit_of_work() as session:
        key_id, key = api_keys.create_with_id(session, name=name, scopes=scopes,
                                              secret=rt.settings.secret_key)
        audit.record(session, actor=actor, action="api_key.created", entity_type="api_key",
                     entity_id=key_id, after={"name": name, "scopes": sorted(set(scopes))})
    return key_id, key


def revoke_key(rt: Runtime, key_id: int, *, actor: str) -> bool:
    """Revoke an active key at once; False (nothing written) if there is none with that id."""
    with rt.unit_of_work() as session:
        if not api_keys.revoke(session, key_id):
            return False
        audit.record(session, actor=actor, action="api_key.revoked", entity_type="api_key",
                     entity_id=key_id)
    return True


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: an active API key, and the audit trail's name for it."""

    key_id: int
    name: str
    scopes: frozenset[str]

    @property
    def actor(self) -> str:
        return api_keys.key_actor(self.name, self.key_id)


def active_key(rt: Runtime, token: str) -> Principal | None:
    """The active (not revoked) key `token` is, or None."""
    with rt.unit_of_work() as session:
        key = api_keys.find_active(session, token, rt.settings.secret_key)
        if key is None:
            return None
        return Principal(key_id=key.id, name=key.name, scopes=frozenset(key.scopes))
