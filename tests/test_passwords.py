"""Passwords (argon2id) and roles, without a database."""

from __future__ import annotations

import pytest

from core import passwords
from core.errors import Invalid
from ledger.repositories import users
from ledger.repositories.api_keys import SCOPES


def test_a_hash_is_argon2id_salted_and_verifies_only_its_password() -> None:
    first = passwords.hash_password("correct horse")
    second = passwords.hash_password("correct horse")
    assert first.startswith("$argon2id$") and first != second  # salted
    assert passwords.verify(first, "correct horse") and passwords.verify(second, "correct horse")
    assert not passwords.verify(first, "correct horsE")
    assert not passwords.verify("not a hash", "correct horse")
    assert not passwords.needs_rehash(first)


def test_no_hash_verifies_against_the_dummy_and_says_no(monkeypatch) -> None:
    seen: list[str] = []
    real = passwords._hasher

    class Spy:
        def verify(self, password_hash: str, password: str) -> bool:
            seen.append(password_hash)
            return real.verify(password_hash, password)

    monkeypatch.setattr(passwords, "_hasher", Spy())
    assert not passwords.verify(None, "anything")
    assert seen == [passwords._DUMMY_HASH]  # the same argon2 work as a wrong password


def test_one_time_passwords_are_long_random_and_acceptable() -> None:
    made = {passwords.one_time_password() for _ in range(50)}
    assert len(made) == 50 and all(len(p) == 20 for p in made)
    assert all(passwords.weakness(p) is None for p in made)


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("short", "at least"),
        ("x" * 257, "at most"),
        ("aaaaaaaaaaaaaaaa", "more different"),
        ("ana@example.com", "e-mail"),
        ("nul\x00nul-nul-nul", "NUL"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(password: str, why: str) -> None:
    problem = passwords.weakness(password, email="ANA@example.com")
    assert problem is not None and why in problem


def test_roles_map_to_the_api_scopes_in_one_place() -> None:
    assert users.ROLES == tuple(users.ROLE_SCOPES)
    assert users.role_scopes("viewer") == {"ar:read"}
    assert users.role_scopes("reviewer") == {"ar:read", "treasury:review"}
    assert users.role_scopes("admin") == set(SCOPES)  # everything, keys and people included
    assert users.role_scopes("viewer") < users.role_scopes("reviewer") < users.role_scopes("admin")
    with pytest.raises(Invalid, match="unknown role"):
        users.role_scopes("root")


@pytest.mark.parametrize("text", ["", "ana", "ana@", "@example.com", "ana@localhost",
                                  "an a@example.com", "ana@exa\nmple.com", "a" * 250 + "@x.io"])
def test_addresses_are_checked(text: str) -> None:
    with pytest.raises(Invalid):
        users.normalize_email(text)


def test_addresses_are_one_account_in_any_case_and_actors_fit_the_column() -> None:
    assert users.normalize_email("  Ana@Example.COM ") == "ana@example.com"
    assert users.user_actor("ana@example.com", 7) == "user:ana@example.com"
    long = "a" * 200 + "@example.com"
    actor = users.user_actor(long, 7)
    assert len(actor) == 128 and actor.startswith("user:aaa") and actor.endswith("\u2026#7")
