"""Bearer API keys with scopes. Every route needs one, except the explicit allowlist.

Scopes (DESIGN.md §6): ar:read, ar:write, treasury:review, admin (admin implies all).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ledger.db import transaction
from ledger.repositories import api_keys

SCOPES = ("ar:read", "ar:write", "treasury:review", "admin")
# Routes anyone may call: liveness and the API's own documentation.
PUBLIC_PATHS = frozenset({"/healthz", "/docs", "/docs/oauth2-redirect", "/openapi.json", "/redoc"})
# The workbench (api/ui) signs people in with a session cookie instead (api.ui.security.UiAuth);
# open without one: its sign-in form, and the static files under UI_STATIC_PATH (CSS, JS).
UI_PUBLIC_PATHS = frozenset({"/login"})
UI_STATIC_PATH = "/static"

_bearer = HTTPBearer(auto_error=False)


@dataclass(frozen=True)
class Principal:
    key_id: int
    name: str
    scopes: frozenset[str]

    @property
    def actor(self) -> str:
        return f"api-key:{self.name}"


def _authenticate(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "missing bearer API key", headers={"WWW-Authenticate": "Bearer"}
        )
    rt = request.app.state.runtime
    with transaction(rt.engine) as session:
        key = api_keys.find_active(session, credentials.credentials, rt.settings.secret_key)
        if key is None:
            secrets.compare_digest("a", "b")  # keep timing uniform-ish for unknown keys
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED, "invalid or revoked API key", headers={"WWW-Authenticate": "Bearer"}
            )
        return Principal(key_id=key.id, name=key.name, scopes=frozenset(key.scopes))


class RequireScope:
    """FastAPI dependency: the caller's key must carry one of `scopes` (or admin)."""

    def __init__(self, *scopes: str) -> None:
        assert scopes and all(scope in SCOPES for scope in scopes), scopes
        self.scopes = frozenset(scopes)

    def __call__(
        self,
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        principal = _authenticate(request, credentials)
        if not (self.scopes | {"admin"}) & principal.scopes:
            wanted = " or ".join(repr(scope) for scope in sorted(self.scopes))
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this key lacks the scope {wanted}")
        return principal


TreasuryReview = Annotated[Principal, Depends(RequireScope("treasury:review"))]
ArRead = Annotated[Principal, Depends(RequireScope("ar:read"))]
ArWrite = Annotated[Principal, Depends(RequireScope("ar:write"))]
Admin = Annotated[Principal, Depends(RequireScope("admin"))]
