"""Bearer API keys with scopes. Every route needs one, except the explicit allowlist.

Scopes (DESIGN.md §6): ar:read, ar:write, treasury:review, admin (admin implies all).
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ledger.repositories import api_keys
from web.access import PRINCIPAL_KEY
from workflows.keys import Principal, active_key

SCOPES = api_keys.SCOPES

_bearer = HTTPBearer(auto_error=False)


class AuthRefused(Exception):
    """A caller without a usable key (401) or without the scope (403)."""

    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status_code, detail
        self.headers = {"WWW-Authenticate": "Bearer"} if status_code == 401 else None

    def http(self) -> HTTPException:
        return HTTPException(self.status, self.detail, headers=self.headers)


def _bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def _authenticate(request: Request, token: str | None) -> Principal:
    if token is None:
        raise AuthRefused(status.HTTP_401_UNAUTHORIZED, "missing bearer API key")
    principal = active_key(request.app.state.runtime, token)
    if principal is None:
        secrets.compare_digest("a", "b")  # keep timing uniform-ish for unknown keys
        raise AuthRefused(status.HTTP_401_UNAUTHORIZED, "invalid or revoked API key")
    return principal


def principal_for(request: Request, scopes: frozenset[str]) -> Principal:
    """The caller's key, if it is active and carries one of `scopes` (or admin); else
    AuthRefused. Called by server.boundary before the body is read, then by RequireScope."""
    found = request.scope.get(PRINCIPAL_KEY)
    if isinstance(found, Principal):
        principal = found
    else:
        principal = _authenticate(request, _bearer_token(request))
    if not (scopes | {"admin"}) & principal.scopes:
        wanted = " or ".join(repr(scope) for scope in sorted(scopes))
        raise AuthRefused(status.HTTP_403_FORBIDDEN, f"this key lacks the scope {wanted}")
    return principal


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
        # `credentials` keeps the bearer scheme in the OpenAPI description; the header is
        # read by principal_for (server.boundary has usually done so already).
        try:
            return principal_for(request, self.scopes)
        except AuthRefused as refused:
            raise refused.http() from None


TreasuryReview = Annotated[Principal, Depends(RequireScope("treasury:review"))]
ArRead = Annotated[Principal, Depends(RequireScope("ar:read"))]
ArWrite = Annotated[Principal, Depends(RequireScope("ar:write"))]
Admin = Annotated[Principal, Depends(RequireScope("admin"))]
