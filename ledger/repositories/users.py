"""People who sign in to the workbench: their rows, and what each role may do.

Roles map to the API's scopes here, in one place (ROLE_SCOPES): what a person's session may do
in the workbench is what a key with those scopes may do in the API. Passwords are argon2id
hashes (core.passwords); nothing here ever sees a password in clear except to hash it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, true, update
from sqlalchemy.orm import Session

from core import passwords
from core.errors import Conflict, Invalid
from ledger.models import AuditEvent, UiSession, User
from ledger.types import utc_now

ROLES = ("viewer", "reviewer", "admin")
# viewer: reads; reviewer: + reviews and applies cash; admin: everything (keys, people).
ROLE_SCOPES: dict[str, frozenset[str]] = {
    "viewer": frozenset({"ar:read"}),
    "reviewer": frozenset({"ar:read", "treasury:review"}),
    "admin": frozenset({"ar:read", "ar:write", "treasury:review", "admin"}),
}
EMAIL_LENGTH = 254  # RFC 5321's longest path; users.email's length


@dataclass(frozen=True, slots=True)
class Person:
    """A user as callers see one: never the password hash."""

    id: int
    email: str
    role: str
    must_change_password: bool
    created_at: datetime
    last_sign_in_at: datetime | None
    disabled_at: datetime | None

    @property
    def scopes(self) -> frozenset[str]:
        return ROLE_SCOPES[self.role]

    @property
    def actor(self) -> str:
        return user_actor(self.email, self.id)

    def as_json(self) -> dict[str, object]:
        def iso(at: datetime | None) -> str | None:
            return at.isoformat() if at else None

        return {
            "id": self.id,
            "email": self.email,
            "role": self.role,
            "must_change_password": self.must_change_password,
            "created_at": iso(self.created_at),
            "last_sign_in_at": iso(self.last_sign_in_at),
            "disabled_at": iso(self.disabled_at),
        }


def person(row: User) -> Person:
    return Person(
        id=row.id,
        email=row.email,
        role=row.role,
        must_change_password=row.must_change_password,
        created_at=row.created_at,
        last_sign_in_at=row.last_sign_in_at,
        disabled_at=row.disabled_at,
    )


def role_scopes(role: str) -> frozenset[str]:
    """The scopes of `role`; Invalid for a role that does not exist."""
    if role not in ROLE_SCOPES:
        raise Invalid(f"unknown role {role!r}; known: {', '.join(ROLES)}")
    return ROLE_SCOPES[role]


def normalize_email(text: str) -> str:
    """The address as stored and looked up: trimmed and case-folded, so that two spellings of
    one address are one account. Invalid unless it looks like local@domain."""
    email = text.strip().lower()
    local, at, domain = email.rpartition("@")
    if (
        not at
        or not local
        or "." not in domain.strip(".")
        or len(email) > EMAIL_LENGTH
        or any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in email)
    ):
        raise Invalid(f"{text[:80]!r} is not an e-mail address")
    return email


def user_actor(email: str, user_id: int) -> str:
    """The audit trail's actor for a person: "user:<email>", shortened with the user's id
    when a long address would not fit the actor columns."""
    actor = f"user:{email}"
    limit = AuditEvent.__table__.c.actor.type.length
    if len(actor) <= limit:
        return actor
    suffix = f"\u2026#{user_id}"
    return actor[: limit - len(suffix)] + suffix


def find(session: Session, email: str) -> User | None:
    """The user with this address (any case), disabled or not; None for an unusable address."""
    try:
        key = normalize_email(email)
    except Invalid:
        return None
    return session.scalars(select(User).where(User.email == key)).one_or_none()


def get(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def create(session: Session, *, email: str, role: str) -> tuple[User, str]:
    """A new user with a one-time password: the row and the password (shown once)."""
    role_scopes(role)
    key = normalize_email(email)
    if session.scalars(select(User.id).where(User.email == key)).first() is not None:
        raise Conflict(f"a user {key} already exists")
    password = passwords.one_time_password()
    row = User(
        email=key,
        role=role,
        password_hash=passwords.hash_password(password),
        must_change_password=True,
        created_at=utc_now(),
    )
    session.add(row)
    session.flush()
    return row, password


def listed(session: Session, *, include_disabled: bool = True) -> list[Person]:
    """Everyone, by e-mail address; without the disabled ones unless asked."""
    query = select(User).order_by(User.email)
    if not include_disabled:
        query = query.where(User.disabled_at.is_(None))
    return [person(row) for row in session.scalars(query)]


def assignees(session: Session) -> list[Person]:
    """Who may be assigned a review item: enabled reviewers and admins, by e-mail address."""
    return [p for p in listed(session, include_disabled=False) if "treasury:review" in p.scopes]


def set_password(session: Session, row: User, password: str, *, one_time: bool) -> None:
    row.password_hash = passwords.hash_password(password)
    row.must_change_password = one_time
    session.flush()


def revoke_sessions(session: Session, user_id: int, *, keep: int | None = None) -> int:
    """End every live workbench session of this user (but `keep`); how many there were."""
    result = session.execute(
        update(UiSession)
        .where(UiSession.user_id == user_id, UiSession.revoked_at.is_(None),
               UiSession.id != keep if keep is not None else true())
        .values(revoked_at=utc_now())
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def page(
    session: Session, *, limit: int, after_id: int | None = None, assignable: bool = False
) -> list[dict[str, object]]:
    """People in id order after `after_id` (the API's paging), as JSON; `assignable`: only
    who may be assigned a review item (enabled reviewers and admins)."""
    query = select(User).order_by(User.id).limit(limit)
    if after_id is not None:
        query = query.where(User.id > after_id)
    if assignable:
        allowed = [role for role, scopes in ROLE_SCOPES.items() if "treasury:review" in scopes]
        query = query.where(User.disabled_at.is_(None), User.role.in_(allowed))
    return [person(row).as_json() for row in session.scalars(query)]
