"""/api/v1/users: the people who sign in to the workbench, read-only (`remit users` manages
them). Scope admin: a list of accounts is an administrator's business. `assignable=true`
leaves the enabled reviewers and admins, who may be assigned a review item.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api import problems
from api.auth import Admin
from api.schemas import answer
from api.schemas import users as schema
from ledger.repositories import users
from web import paging
from web.session import DbSession

router = APIRouter(prefix="/api/v1/users", tags=["users"], responses=problems.SECURED)


@router.get("", response_model=answer(schema.UserPage))
def list_users(
    session: DbSession,
    principal: Admin,
    assignable: bool = False,
    limit: paging.Limit = 100,
    after: paging.Cursor = None,
) -> dict[str, Any]:
    items = users.page(session, limit=limit + 1, after_id=after, assignable=assignable)
    return paging.page(items, limit, "id")
