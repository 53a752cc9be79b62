"""The signed-in person's own account: change their password (/account/password).

Any role may (a viewer too): it is their own account, not the ledger. The current password
is asked again — a session left open on a shared screen must not be enough to take the
account over — and a wrong one counts towards the sign-in lock-out of the address and the
client, as at /login. Other sessions of the person end; this one stays. A session opened with
an API key has no password to change: the page says so.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from core import passwords
from ui import security
from ui.pages import redirect_with, render
from ui.security import AccountForm, User
from workflows import sign_in

router = APIRouter(include_in_schema=False)
PATH = "/account/password"


def _page(request: Request, user: User, *, error: str | None = None, status_code: int = 200) -> Response:
    return render(request, "account_password.html", user=user, status_code=status_code, error=error,
                  min_length=passwords.MIN_LENGTH, nav="account")


@router.get(PATH, response_class=HTMLResponse)
def password_page(request: Request, user: User) -> Response:
    return _page(request, user)


@router.post(PATH)
def change_password(request: Request, user: User, form: AccountForm) -> Response:
    if user.user_id is None:
        return _page(request, user, status_code=409)  # the page says an API key has no password
    current, new, confirm = (str(form.get(name) or "") for name in ("current", "password", "confirm"))
    rt = request.app.state.runtime
    limiter: sign_in.LoginLimiter = request.app.state.ui_login_limiter
    counted = security.lockout_clients(request, user.name)
    wait = limiter.wait(rt.engine, counted)
    if wait:
        response = _page(request, user, status_code=429,
                         error=f"Too many wrong passwords: wait {wait} seconds and try again.")
        response.headers["Retry-After"] = str(wait)
        return response
    if new != confirm:
        return _page(request, user, status_code=422, error="The two new passwords differ.")
    problem = sign_in.change_password(rt.engine, user.user_id, current, new, keep_session=user.session_id)
    if problem == sign_in.WRONG_CURRENT:
        for who in counted:
            limiter.failed(rt.engine, who)
    if problem is not None:
        return _page(request, user, status_code=422, error=problem)
    return redirect_with(request, "/", "success", "Password changed: your other sessions have ended.")
