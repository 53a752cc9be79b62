"""Signing in and out of the workbench (/login, /logout).

Signing in uses workflows.sign_in, each step in its own transaction (the lock-out, then the
key and the new session): a failure is counted whatever the rest of the request does, and
nothing waits on a request's session. Signing out revokes the session in the request's.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from ledger.repositories import ui_sessions
from ui import security
from ui.pages import redirect_with, render
from ui.security import CsrfForm, User
from web.session import DbSession
from workflows import sign_in

router = APIRouter(include_in_schema=False)


def _login_page(
    request: Request, *, next_path: str, error: str | None = None, status_code: int = 200
) -> Response:
    token = security.login_csrf_token(request)
    response = render(
        request,
        "login.html",
        user=None,
        status_code=status_code,
        error=error,
        next_path=security.safe_next(next_path),
        login_csrf=token,
    )
    security.set_login_csrf_cookie(request, response, token)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    return _login_page(request, next_path=next)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    api_key: Annotated[str, Form(max_length=200)] = "",
    login_csrf: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    if not security.login_csrf_ok(request, login_csrf):
        # A sign-in posted from elsewhere (login CSRF), or a form older than its cookie.
        return _login_page(
            request,
            next_path=next,
            status_code=403,
            error="The sign-in form expired or did not come from this site: try again.",
        )
    limiter: sign_in.LoginLimiter = request.app.state.ui_login_limiter
    client = security.client_address(request)
    rt = request.app.state.runtime
    wait = limiter.retry_after(rt.engine, client)
    if wait is not None:
        response = _login_page(
            request,
            next_path=next,
            status_code=429,
            error=f"Too many failed sign-ins: wait {wait} seconds and try again.",
        )
        response.headers["Retry-After"] = str(wait)
        return response
    found = sign_in.open_session(
        rt.engine,
        api_key.strip(),
        scopes=security.UI_SCOPES,
        secret=rt.settings.secret_key,
        hours=rt.settings.session_hours,
    )
    if found.token is None:
        limiter.failed(rt.engine, client)
        error = (
            "This API key lacks the treasury:review scope the workbench needs."
            if found.scope_missing
            else "Unknown or revoked API key."
        )
        return _login_page(request, next_path=next, status_code=401, error=error)
    limiter.succeeded(rt.engine, client)
    response = redirect_with(
        request, security.safe_next(next), "info", f"Signed in as {found.name}."
    )
    security.set_session_cookie(request, response, found.token)
    security.clear_login_csrf_cookie(request, response)
    return response


@router.post("/logout")
def logout(request: Request, user: User, form: CsrfForm, session: DbSession) -> Response:
    ui_sessions.revoke(session, user.session_id)
    response = redirect_with(request, security.LOGIN_PATH, "info", "Signed out.")
    security.clear_session_cookie(request, response)
    return response
