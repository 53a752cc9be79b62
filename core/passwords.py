"""Passwords of the people who sign in to the workbench: argon2id hashes (argon2-cffi's
defaults, RFC 9106's second recommended profile), the one-time password an administrator
hands over, and what a chosen password must be.

Pure computation: no database. The hash string carries its own parameters and salt, so
raising the cost later only needs `needs_rehash` on the next sign-in.
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
MAX_LENGTH = 256  # hashing costs the same for any length; this only bounds the form
ONE_TIME_BYTES = 15  # 20 URL-safe characters, 120 bits

_hasher = PasswordHasher()
# Verified against when no account matches, so an unknown e-mail costs what a wrong password
# costs (no telling from the time which addresses have accounts).
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches `password_hash`; with None, the same work against a dummy
    hash, and False."""
    try:
        ok = _hasher.verify(password_hash or _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return ok and password_hash is not None


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def one_time_password() -> str:
    """A random password to be shown once and replaced at the first sign-in."""
    return secrets.token_urlsafe(ONE_TIME_BYTES)


def weakness(password: str, *, email: str = "", previous: str = "") -> str | None:
    """Why `password` may not be chosen, or None. Length is what counts (NIST SP 800-63B):
    no composition rules, but not the address, not the one it replaces."""
    if len(password) < MIN_LENGTH:
        return f"A password has at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"A password has at most {MAX_LENGTH} characters."
    if "\x00" in password:
        return "A password cannot hold a NUL character."
    if password.strip() == "" or len(set(password)) < 4:
        return "Choose a password with more different characters."
    if email and password.casefold() == email.casefold():
        return "A password cannot be your e-mail address."
    if previous and password == previous:
        return "Choose a password other than the one-time password."
    return None
