"""API keys issued and revoked, each one transaction, audited (the key itself is stored
hashed and shown once). Looking a key up for a request is workflows/access.py.

In workflows/: `remit apikey` and `remit demo --serve` (a reviewer's key) call these.
"""

from __future__ import annotations

from ledger import audit
from ledger.db import transaction
from ledger.repositories import api_keys
from workflows.runtime import Runtime


def create_key(rt: Runtime, *, name: str, scopes: list[str], actor: str) -> tuple[int, str]:
    """A new key with these scopes: its id and the key (never stored in clear)."""
    with transaction(rt.engine) as session:
        key_id, key = api_keys.create_with_id(session, name=name, scopes=scopes,
                                              secret=rt.settings.secret_key)
        audit.record(session, actor=actor, action="api_key.created", entity_type="api_key",
                     entity_id=key_id, after={"name": name, "scopes": sorted(set(scopes))})
    return key_id, key


def revoke_key(rt: Runtime, key_id: int, *, actor: str) -> bool:
    """Revoke an active key at once; False (nothing written) if there is none with that id."""
    with transaction(rt.engine) as session:
        if not api_keys.revoke(session, key_id):
            return False
        audit.record(session, actor=actor, action="api_key.revoked", entity_type="api_key",
                     entity_id=key_id)
    return True
