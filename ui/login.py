"""Signing in and out of the workbench (/login, /logout).

People sign in with e-mail and password (a one-time password is replaced at once: the form
that asks for their own posts to /login too, with a ticket); systems and operators may still
sign in with an API key. Signing in uses workflows.sign_in, each step in its own transaction
(the lock-out, then the person or the key and the new session): a failure is counted whatever
the rest of the request does, and nothing waits on a request's session. Signing out revokes
the session in the request's.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from core import passwords
from ledger.repositories import ui_sessions
from ui import security
from ui.pages import redirect_with, render
from ui.security import AccountForm, User
from web.session import DbSession
from workflows import sign_in

router = APIRouter(include_in_schema=False)


def _login_page(
    request: Request,
    *,
    next_path: str,
    error: str | None = None,
    status_code: int = 200,
    email: str = "",
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
        email=email,
    )
    security.set_login_csrf_cookie(request, response, token)
    return response


def _password_page(
    request: Request, *, next_path: str, email: str, ticket: str, error: str | None = None,
    status_code: int = 200,
) -> Response:
    """Choose a password of one's own, after signing in with a one-time password."""
    token = security.login_csrf_token(request)
    response = render(
        request,
        "choose_password.html",
        user=None,
        status_code=status_code,
        error=error,
        next_path=security.safe_next(next_path),
        login_csrf=token,
        email=email,
        ticket=ticket,
        min_length=passwords.MIN_LENGTH,
    )
    security.set_login_csrf_cookie(request, response, token)
    return response


def _signed_in(request: Request, next_path: str, name: str, token: str) -> Response:
    target = security.safe_next(next_path)
    response = redirect_with(request, target, "info", f"Signed in as {name}.")
    security.set_session_cookie(request, response, token)
    security.clear_login_csrf_cookie(request, response)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    return _login_page(request, next_path=next)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=passwords.MAX_LENGTH)] = "",
    api_key: Annotated[str, Form(max_length=200)] = "",
    ticket: Annotated[str, Form(max_length=200)] = "",
    confirm: Annotated[str, Form(max_length=passwords.MAX_LENGTH)] = "",
    login_csrf: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """A person signs in with `email` and `password`; a system or an operator with `api_key`.
    Failures count towards the lock-out of the client and, for a person, of the address.
    With a `ticket` (the form after a one-time password): the password they chose, twice."""
    email = email.strip()
    if not security.login_csrf_ok(request, login_csrf):
        # A sign-in posted from elsewhere (login CSRF), or a form older than its cookie.
        return _login_page(
            request,
            next_path=next,
            status_code=403,
            error="The sign-in form expired or did not come from this site: try again.",
            email=email,
        )
    if ticket:
        return _choose_password(request, ticket, email, password, confirm, next)
    rt = request.app.state.runtime
    counted = security.lockout_clients(request, email)
    limiter: sign_in.LoginLimiter = request.app.state.ui_login_limiter
    wait = limiter.wait(rt.engine, counted)
    if wait:
        response = _login_page(
            request,
            next_path=next,
            status_code=429,
            error=f"Too many failed sign-ins: wait {wait} seconds and try again.",
            email=email,
        )
        response.headers["Retry-After"] = str(wait)
        return response
    if email or not api_key.strip():
        person = sign_in.open_person_session(
            rt.engine, email, password,
            secret=rt.settings.secret_key, hours=rt.settings.session_hours,
        )
        if person.ticket is not None:  # a right one-time password: choose one's own first
            return _password_page(request, next_path=next, email=person.email, ticket=person.ticket)
        token, name, error = person.token, person.email, "Unknown e-mail address or wrong password."
    else:
        found = sign_in.open_session(
            rt.engine,
            api_key.strip(),
            scopes=security.UI_SCOPES,
            secret=rt.settings.secret_key,
            hours=rt.settings.session_hours,
        )
        token, name = found.token, found.name
        error = (
            "This API key lacks the treasury:review scope the workbench needs."
            if found.scope_missing
            else "Unknown or revoked API key."
        )
    if token is None:
        for who in counted:
            limiter.failed(rt.engine, who)
        return _login_page(request, next_path=next, status_code=401, error=error, email=email)
    for who in counted:
        limiter.succeeded(rt.engine, who)
    return _signed_in(request, next, name, token)


def _choose_password(
    request: Request, ticket: str, email: str, password: str, confirm: str, next_path: str
) -> Response:
    """The new password of a person who signed in with a one-time one; then signed in. The
    ticket (workflows.sign_in) is not guessable and good once: no lock-out to count."""
    rt = request.app.state.runtime
    if password != confirm:
        chosen = sign_in.PersonSignIn(
            email=email, ticket=ticket, problem="The two passwords differ."
        )
    else:
        chosen = sign_in.choose_password(
            rt.engine, ticket, password,
            secret=rt.settings.secret_key, hours=rt.settings.session_hours,
        )
    if chosen.token is not None:
        return _signed_in(request, next_path, chosen.email, chosen.token)
    if chosen.ticket is None:  # expired, used, or not one of ours
        return _login_page(
            request, next_path=next_path, status_code=401, error=chosen.problem, email=email
        )
    return _password_page(
        request, next_path=next_path, email=chosen.email or email, ticket=chosen.ticket,
        error=chosen.problem, status_code=422,
    )


@router.post("/logout")
def logout(request: Request, user: User, form: AccountForm, session: DbSession) -> Response:
    ui_sessions.revoke(session, user.session_id)
    response = redirect_with(request, security.LOGIN_PATH, "info", "Signed out.")
    security.clear_session_cookie(request, response)
    return response
