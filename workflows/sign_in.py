"""Workbench sign-in as use cases, each owning its transaction: open a session for a person
(e-mail and password; a one-time password first replaced by one they choose) or with an API
key, find the session a cookie names, and the sign-in lock-out (failures counted in the
database, so across instances, per client address and per e-mail address).

They run outside any route's session: ui.security checks the session cookie from the boundary
middleware (server/boundary.py) before the route is even called, and the sign-in page counts
a failure whatever becomes of the rest of its request. ui/ decides what the workbench needs
(its scopes, its cookies); this module only reads and writes the rows.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.orm import Session

from core import passwords
from ledger import audit
from ledger.db import transaction
from ledger.models import LoginFailure, User
from ledger.repositories import api_keys, ui_sessions, users
from ledger.types import utc_now

TICKET_SECONDS = 900  # to choose a new password after signing in with a one-time one


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


@dataclass(frozen=True, slots=True)
class PersonSignIn:
    """What a person's sign-in came to: a new session's token; or, for a right one-time
    password, a ticket to choose their own first; or a refusal (neither)."""

    token: str | None = None
    email: str = ""
    ticket: str | None = None  # the one-time password was right: choose a new one with this
    problem: str | None = None  # a chosen password refused: why


def open_person_session(
    engine: Engine, email: str, password: str, *, secret: str, hours: int
) -> PersonSignIn:
    """A new session for an enabled person whose password this is. An unknown address costs
    one argon2 verification too (against a dummy hash), and is refused like a wrong password.
    The hash is verified outside any transaction: nothing is held while it runs."""
    with transaction(engine) as session:
        row = users.find(session, email)
        seen = (row.id, row.password_hash) if row is not None else None
    if not passwords.verify(seen[1] if seen else None, password) or seen is None:
        return PersonSignIn()
    with transaction(engine) as session:
        row = session.get(User, seen[0])
        if row is None or row.disabled_at is not None or row.password_hash != seen[1]:
            return PersonSignIn()
        if row.must_change_password:
            return PersonSignIn(email=row.email, ticket=_ticket(row, secret))
        if passwords.needs_rehash(row.password_hash):
            users.set_password(session, row, password, one_time=False)
        return PersonSignIn(_open(session, row, secret, hours), row.email)


def choose_password(
    engine: Engine, ticket: str, password: str, *, secret: str, hours: int
) -> PersonSignIn:
    """Replace a one-time password with `password` (the ticket open_person_session gave for
    it, used once) and open a session; or say why not."""
    with transaction(engine) as session:
        row = _ticket_user(session, ticket, secret)
        if row is None:
            return PersonSignIn(problem="This form has expired: sign in again.")
        problem = passwords.weakness(password, email=row.email)
        if problem is None and passwords.verify(row.password_hash, password):
            problem = "Choose a password other than the one-time password."
        if problem is not None:
            return PersonSignIn(email=row.email, ticket=ticket, problem=problem)
        users.set_password(session, row, password, one_time=False)
        audit.record(session, actor=users.user_actor(row.email, row.id),
                     action="user.password_changed", entity_type="user", entity_id=row.id)
        return PersonSignIn(_open(session, row, secret, hours), row.email)


def change_password(engine: Engine, user_id: int, current: str, new: str, *, keep_session: int) -> str | None:
    """A signed-in person replaces their password: the current one must be right, the new one
    acceptable and different. Their other sessions end (a password changed because it leaked
    must lock out whoever holds it); `keep_session` stays. None when done, else why not.
    The current password is verified outside any transaction, as at sign-in."""
    with transaction(engine) as session:
        row = session.get(User, user_id)
        seen = None if row is None or row.disabled_at is not None else (row.email, row.password_hash)
    if seen is None:
        return "This account is disabled."
    email, old_hash = seen
    if not passwords.verify(old_hash, current):
        return WRONG_CURRENT
    problem = passwords.weakness(new, email=email)
    if problem is None and new == current:
        problem = "Choose a password other than the current one."
    if problem is not None:
        return problem
    with transaction(engine) as session:
        row = session.get(User, user_id)
        if row is None or row.password_hash != old_hash:  # changed meanwhile (another tab, a reset)
            return "The password was changed meanwhile: sign in again."
        users.set_password(session, row, new, one_time=False)
        ended = users.revoke_sessions(session, user_id, keep=keep_session)
        audit.record(session, actor=users.user_actor(row.email, row.id), action="user.password_changed",
                     entity_type="user", entity_id=row.id, after={"other_sessions_ended": ended})
    return None


WRONG_CURRENT = "The current password is wrong."


def _open(session: Session, row: User, secret: str, hours: int) -> str:
    row.last_sign_in_at = utc_now()
    token, _csrf = ui_sessions.create(session, user_id=row.id, secret=secret, hours=hours)
    return token


def _ticket_mac(user_id: int, expires: int, password_hash: str, secret: str) -> str:
    # Bound to the current hash: once the password is changed, the ticket is worth nothing.
    message = f"first-password:{user_id}:{expires}:{password_hash}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _ticket(row: User, secret: str) -> str:
    expires = int(utc_now().timestamp()) + TICKET_SECONDS
    return f"{row.id}.{expires}.{_ticket_mac(row.id, expires, row.password_hash, secret)}"


def _ticket_user(session: Session, ticket: str, secret: str) -> User | None:
    user_id, _, rest = ticket.partition(".")
    expires, _, mac = rest.partition(".")
    if not (user_id.isdigit() and expires.isdigit() and len(user_id) < 12 and len(expires) < 12):
        return None
    if int(expires) < utc_now().timestamp():
        return None
    row = session.get(User, int(user_id))
    if row is None or row.disabled_at is not None or not row.must_change_password:
        return None
    expected = _ticket_mac(row.id, int(expires), row.password_hash, secret)
    return row if hmac.compare_digest(mac.encode(), expected.encode()) else None


def email_client(email: str, secret: str) -> str:
    """What the lock-out counts a person's failed sign-ins under: a keyed digest of the
    address (any case), so that the table names no address."""
    digest = hmac.new(secret.encode(), b"login:" + email.strip().lower().encode(), hashlib.sha256)
    return "email:" + digest.hexdigest()[:56]


def find_session(engine: Engine, token: str, secret: str) -> ui_sessions.ActiveSession | None:
    """The live session `token` names (expiry, revocation and its key re-checked), if any."""
    with transaction(engine) as session:
        return ui_sessions.find_active(session, token, secret)


class LoginLimiter:
    """At most `limit` failed sign-ins per client address in `window` seconds, then that
    client waits; the same for an e-mail address (counted as `email_client`). The failures are
    rows of `login_failures`, so every instance of the service (`remit serve --workers N`,
    several hosts) counts every failure, and a restart forgets nothing. API keys are 256-bit
    random: for them this keeps a noisy or guessing client from filling logs and burning CPU on
    HMACs; for people's passwords it is what limits guessing (and argon2 what limits a stolen
    table).
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

    def wait(self, engine: Engine, clients: Iterable[str]) -> int:
        """Seconds to wait before any of `clients` may try again (0: none is locked out)."""
        return max((self.retry_after(engine, client) or 0) for client in clients)

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
