"""People who sign in to the workbench, as use cases: each one transaction, audited with who
did it (`remit users` passes "cli"). A password is only ever shown once, when it is made: a
one-time password the person replaces at their first sign-in (workflows.sign_in).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from core import passwords
from core.errors import Conflict, NotFound
from ledger import audit
from ledger.models import User
from ledger.repositories import users
from ledger.repositories.users import Person
from ledger.types import utc_now
from workflows.runtime import Runtime


@dataclass(frozen=True, slots=True)
class Issued:
    """A person and the one-time password just made for them (shown once, never stored)."""

    person: Person
    password: str


def create_user(rt: Runtime, email: str, *, role: str, actor: str) -> Issued:
    """A new person with `role` and a one-time password. Conflict if the address is taken."""
    with rt.unit_of_work() as session:
        row, password = users.create(session, email=email, role=role)
        audit.record(session, actor=actor, action="user.created", entity_type="user",
                     entity_id=row.id, after={"email": row.email, "role": row.role})
        return Issued(users.person(row), password)


def list_users(rt: Runtime, *, include_disabled: bool = True) -> list[Person]:
    with rt.unit_of_work() as session:
        return users.listed(session, include_disabled=include_disabled)


def set_role(rt: Runtime, email: str, *, role: str, actor: str) -> Person:
    """Give a person another role; it applies to their open sessions at once."""
    users.role_scopes(role)
    with rt.unit_of_work() as session:
        row = _existing(session, email)
        before = row.role
        if before != role:
            row.role = role
            session.flush()
            audit.record(session, actor=actor, action="user.role_changed", entity_type="user",
                         entity_id=row.id, before={"role": before}, after={"role": role})
        return users.person(row)


def disable_user(rt: Runtime, email: str, *, actor: str) -> Person:
    """Stop a person signing in and end their sessions; the row stays (the audit trail names
    them). Conflict if already disabled."""
    with rt.unit_of_work() as session:
        row = _existing(session, email)
        if row.disabled_at is not None:
            raise Conflict(f"{row.email} is already disabled")
        row.disabled_at = utc_now()
        ended = users.revoke_sessions(session, row.id)
        audit.record(session, actor=actor, action="user.disabled", entity_type="user",
                     entity_id=row.id, after={"sessions_ended": ended})
        return users.person(row)


def reset_password(rt: Runtime, email: str, *, actor: str) -> Issued:
    """A new one-time password for a person (forgotten, or handed over): their sessions end
    and the next sign-in asks for a password of their own."""
    with rt.unit_of_work() as session:
        row = _existing(session, email)
        password = passwords.one_time_password()
        users.set_password(session, row, password, one_time=True)
        ended = users.revoke_sessions(session, row.id)
        audit.record(session, actor=actor, action="user.password_reset", entity_type="user",
                     entity_id=row.id, after={"sessions_ended": ended})
        return Issued(users.person(row), password)


def _existing(session: Session, email: str) -> User:
    row = users.find(session, email)
    if row is None:
        raise NotFound(f"no user {email.strip()[:254]}")
    return row
