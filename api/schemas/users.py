"""People who sign in to the workbench (ledger.repositories.users.Person.as_json)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from api.schemas import Page, Shape, Timestamp


class User(Shape):
    """A person; never their password or its hash. Audit events name them `user:<email>`."""

    id: int
    email: str = Field(description="the sign-in address, stored in lower case")
    role: Literal["viewer", "reviewer", "admin"]
    must_change_password: bool = Field(description="a one-time password not yet replaced")
    created_at: Timestamp
    last_sign_in_at: Timestamp | None
    disabled_at: Timestamp | None


class UserPage(Page[User]):
    """People in the order they were created."""
