"""Workbench sign-in as use cases, each owning its transaction: open a session with an API
key, find the session a cookie names, and the sign-in lock-out (failures counted in the
database, so across instances).

They run outside any route's session: ui.security checks the session cookie from the boundary
middleware (server/boundary.py) before the route is even called, and the sign-in page counts
a failure whatever becomes of the rest of its request. ui/ decides what the workbench needs
(its scopes, its cookies); this module only reads and writes the rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, insert, select

from ledger.db import transaction
from ledger.models import LoginFailure
from ledger.repositories import api_keys, ui_sessions
from ledger.types import utc_now


@dataclass(frozen=True, slots=True)
class SignIn:
    """What a sign-in with an API key came to: a new session's token, or a refusal."""

    token: str | None  # the session cookie's value; None: refused
    name: str = ""  # the key's name, once signed in
    scope_missing: bool = False  # refused: a live key, but without a workbench scope


def open_session(
    engine: Engine, api_key: str, *, scopes: frozenset[str], secret: str, hours: int
) -> SignIn:
    """A new workbench session for a live key carrying one of `scopes`."""
    with transaction(engine) as session:
        key = api_keys.find_active(session, api_key, secret)
        if key is None or not set(key.scopes) & scopes:
            return SignIn(None, scope_missing=key is not None)
        token, _csrf = ui_sessions.create(session, key_id=key.id, secret=secret, hours=hours)
        return SignIn(token, key.name)


def find_session(engine: Engine, token: str, secret: str) -> ui_sessions.ActiveSession | None:
    """The live session `token` names (expiry, revocation and its key re-checked), if any."""
    with transaction(engine) as session:
        return ui_sessions.find_active(session, token, secret)


class LoginLimiter:
    """At most `limit` failed sign-ins per client address in `window` seconds, then that
    client waits. The failures are rows of `login_failures`, so every instance of the
    service (`remit serve --workers N`, several hosts) counts every failure, and a restart
    forgets nothing. API keys are 256-bit random: this keeps a noisy or guessing client from
    filling logs and burning CPU on HMACs, it is not what keeps keys secret.
    """

    def __init__(self, limit: int = 10, window: float = 300.0) -> None:
        self.limit, self.window = limit, window

    def retry_after(
        self, engine: Engine, client: str, *, now: datetime | None = None
    ) -> int | None:
        """Seconds to wait if this client is over the limit, else None."""
        now = now or utc_now()
        with transaction(engine) as session:
            recent = session.scalars(
                select(LoginFailure.failed_at)
                .where(LoginFailure.client == _client_key(client),
                       LoginFailure.failed_at > now - timedelta(seconds=self.window))
                .order_by(LoginFailure.failed_at.desc())
                .limit(self.limit)
            ).all()
        if len(recent) < self.limit:
            return None
        # Free again once the oldest of the last `limit` failures leaves the window.
        free_at = recent[-1] + timedelta(seconds=self.window)
        return max(1, math.ceil((free_at - now).total_seconds()))

    def failed(self, engine: Engine, client: str, *, now: datetime | None = None) -> None:
        now = now or utc_now()
        with transaction(engine) as session:
            session.execute(insert(LoginFailure).values(client=_client_key(client), failed_at=now))
            # Nothing older than the window counts: the table stays as small as the window.
            session.execute(delete(LoginFailure).where(
                LoginFailure.failed_at <= now - timedelta(seconds=self.window)))

    def succeeded(self, engine: Engine, client: str) -> None:
        with transaction(engine) as session:
            session.execute(delete(LoginFailure).where(LoginFailure.client == _client_key(client)))


def _client_key(client: str) -> str:
    return client[: LoginFailure.__table__.c.client.type.length]
