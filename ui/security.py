"""Workbench sign-in: session cookie, CSRF tokens, safe redirects, flash messages. The rows
behind them (sessions, the sign-in lock-out) are workflows.sign_in's, each read or written in a
transaction of its own: `require_user` runs from the boundary middleware, before any route.

- People sign in with e-mail and password; systems and operators may still sign in with an
  API key. A session carries who it is (ledger.repositories.ui_sessions.ActiveSession), so
  `UiUser.actor` names the person (`user:<email>`) or the key (`api-key:<name>`) in the audit.
- The session cookie `remit_session` holds a random token; the database keeps only its HMAC
  digest (ledger.repositories.ui_sessions). HttpOnly, SameSite=Strict, Path=/, Secure when
  settings.secure_cookies. Every request re-checks expiry, revocation, the key or the person
  (enabled, and their role now).
- Any role may look (VIEW_SCOPES); changing anything (a `CsrfForm`) needs a workbench scope
  (UI_SCOPES): a viewer's post is refused with 403 (RoleRefused). Signing out is anyone's.
- State-changing forms carry the session's CSRF token in the hidden field `csrf_token`,
  compared in constant time. The login form (no session yet) is protected by double submit:
  a random token in the cookie `remit_login_csrf` (SameSite=Strict) must equal the form's.
- `next` after sign-in is only ever a relative path on this site (no open redirect).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from ledger.repositories import ui_sessions
from workflows import sign_in

SESSION_COOKIE = "remit_session"
LOGIN_CSRF_COOKIE = "remit_login_csrf"
FLASH_COOKIE = "remit_flash"
UI_SCOPES = frozenset({"treasury:review", "admin"})  # either one acts in the workbench
VIEW_SCOPES = UI_SCOPES | {"ar:read"}  # any of these may look (a viewer's role)
LOGIN_PATH = "/login"


class SignInProblem(Exception):
    """No usable workbench session: ui/__init__.py maps each kind to its page."""


class LoginRequired(SignInProblem):
    """An unauthenticated page view: redirect to the sign-in form, then back."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


class NotSignedIn(SignInProblem):
    """A form posted without a valid session (expired, revoked, never signed in): 401."""


class CsrfRejected(Exception):
    """A form posted without the right CSRF token: 403."""


class FormRejected(Exception):
    """A form field the database could not store (NUL): 422, nothing done."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


class ScopeMissing(SignInProblem):
    """The signed-in key no longer carries a workbench scope: 403."""


class RoleRefused(Exception):
    """A signed-in person whose role may look but not act posted a change: 403."""

    def __init__(self, role: str | None) -> None:
        super().__init__(role)
        self.role = role


@dataclass(frozen=True, slots=True)
class UiUser:
    session_id: int
    key_id: int | None  # signed in with an API key
    name: str  # the person's e-mail address, or the key's name
    csrf_token: str
    actor: str  # the audit trail's name: "user:<email>", or the key's own ("api-key:<name>")
    user_id: int | None = None  # signed in as a person
    role: str | None = None
    scopes: frozenset[str] = frozenset()

    @property
    def can_act(self) -> bool:
        return bool(self.scopes & UI_SCOPES)


def safe_next(value: str | None) -> str:
    """A relative path on this site to go to after sign-in; anything else becomes `/`."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in value):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path in (LOGIN_PATH, "/logout"):
        return "/"
    return value


def login_url(next_path: str) -> str:
    target = safe_next(next_path)
    return LOGIN_PATH if target == "/" else f"{LOGIN_PATH}?next={quote(target, safe='/')}"


def _cookie_args(request: Request, *, path: str = "/") -> dict[str, object]:
    secure = bool(request.app.state.runtime.settings.secure_cookies)
    return {"httponly": True, "samesite": "strict", "secure": secure, "path": path}


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    hours = request.app.state.runtime.settings.session_hours
    response.set_cookie(SESSION_COOKIE, token, max_age=hours * 3600, **_cookie_args(request))


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, **_cookie_args(request))


def _session_from_cookie(request: Request) -> ui_sessions.ActiveSession | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token or len(token) > 128:
        return None
    rt = request.app.state.runtime
    return sign_in.find_session(rt.engine, token, rt.settings.secret_key)


class UiAuth:
    """FastAPI dependency: a signed-in workbench session. Pages redirect, posts are refused."""

    def __call__(self, request: Request) -> UiUser:
        from web.access import UI_USER_KEY

        checked = request.scope.get(UI_USER_KEY)
        if isinstance(checked, UiUser):  # server.boundary checked it before reading the body
            return checked
        found = _session_from_cookie(request)
        if found is None:
            if request.method in ("GET", "HEAD"):
                # The path as sent (still percent-encoded): "INV%2F1" must come back as is.
                raw = request.scope.get("raw_path") or request.url.path.encode()
                query = request.url.query
                path = raw.decode("latin-1") + (f"?{query}" if query else "")
                raise LoginRequired(path)
            raise NotSignedIn()
        if not found.scopes & (VIEW_SCOPES if found.user_id is not None else UI_SCOPES):
            raise ScopeMissing()
        return UiUser(
            session_id=found.session_id,
            key_id=found.key_id,
            name=found.name,
            csrf_token=found.csrf_token,
            actor=found.actor,
            user_id=found.user_id,
            role=found.role,
            scopes=found.scopes,
        )


require_user = UiAuth()
User = Annotated[UiUser, Depends(require_user)]


async def account_form(request: Request, user: User) -> FormData:
    """The posted form, once its `csrf_token` matches the session's (constant-time): for what
    anyone signed in may do to their own session (sign out)."""
    form = await request.form()
    sent = form.get("csrf_token")
    if not isinstance(sent, str) or not hmac.compare_digest(
        sent.encode(), user.csrf_token.encode()
    ):
        raise CsrfRejected()
    for name, value in form.multi_items():
        # PostgreSQL cannot store NUL in text (SQLite would): refused here for every form.
        if isinstance(value, str) and "\x00" in value:
            raise FormRejected(name)
    return form


AccountForm = Annotated[FormData, Depends(account_form)]


async def csrf_form(request: Request, user: User, form: AccountForm) -> FormData:
    """A form that changes something: its CSRF token checked, and the session's role or key
    allowed to act in the workbench."""
    if not user.can_act:
        raise RoleRefused(user.role)
    return form


CsrfForm = Annotated[FormData, Depends(csrf_form)]


# -- login CSRF (double submit) ---------------------------------------------------------------


def login_csrf_token(request: Request) -> str:
    """The pre-session token: reuse the browser's (two tabs keep working), else a new one."""
    current = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if 32 <= len(current) <= 64 and current.replace("-", "").replace("_", "").isalnum():
        return current
    return secrets.token_urlsafe(32)


def set_login_csrf_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, max_age=3600, **_cookie_args(request, path=LOGIN_PATH)
    )


def clear_login_csrf_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(LOGIN_CSRF_COOKIE, **_cookie_args(request, path=LOGIN_PATH))


def login_csrf_ok(request: Request, sent: object) -> bool:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    return (
        bool(cookie)
        and isinstance(sent, str)
        and hmac.compare_digest(sent.encode(), cookie.encode())
    )


# -- the client a sign-in lock-out counts (workflows.sign_in.LoginLimiter) ---------------


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def lockout_clients(request: Request, email: str = "") -> list[str]:
    """What a wrong password counts against: the client's address and, for a person, the
    e-mail address named (as a keyed digest, never the address itself)."""
    counted = [client_address(request)]
    if email:
        counted.append(sign_in.email_client(email, request.app.state.runtime.settings.secret_key))
    return counted


# -- flash messages (post-redirect-get) -------------------------------------------------------


def _flash_mac(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), b"flash:" + payload.encode(), hashlib.sha256).hexdigest()[:32]


def set_flash(request: Request, response: Response, kind: str, text: str) -> None:
    """A one-shot message for the next page; signed so that nobody else can plant one."""
    raw = json.dumps({"kind": kind, "text": text[:500]}).encode()
    # Unpadded base64url: cookie-safe characters only, so the value is never quoted.
    payload = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    value = f"{payload}.{_flash_mac(request.app.state.runtime.settings.secret_key, payload)}"
    response.set_cookie(FLASH_COOKIE, value, max_age=300, **_cookie_args(request))


def read_flash(request: Request) -> dict[str, str] | None:
    value = request.cookies.get(FLASH_COOKIE)
    if not value or "." not in value:
        return None
    payload, mac = value.rsplit(".", 1)
    expected = _flash_mac(request.app.state.runtime.settings.secret_key, payload)
    if not hmac.compare_digest(mac.encode(), expected.encode()):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("kind") not in ("success", "error", "info"):
        return None
    return {"kind": data["kind"], "text": str(data.get("text", ""))}


def clear_flash(request: Request, response: Response) -> None:
    response.delete_cookie(FLASH_COOKIE, **_cookie_args(request))
