"""The exception workbench: server-rendered pages at `/` for reviewers (DESIGN.md §2 `ui/`).

`install(app)` adds the pages, the static files and the sign-in error handling to the app.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

from ui import security
from ui.pages import STATIC_PATH, render, see_other
from ui.routes import router
from workflows.sign_in import LoginLimiter

__all__ = ["STATIC_PATH", "error_page", "install", "router"]

_HEADINGS = {400: "Bad request", 404: "Not found", 405: "Not allowed here", 409: "Not done",
             422: "Not understood"}


def error_page(
    request: Request, status_code: int, detail: Any, headers: dict[str, str] | None = None
) -> Response:
    """The workbench's answer to an error under its paths: an HTML page that keeps the message
    that caused it (an unknown path, a refused query parameter, a refusal of the book), never
    the API's JSON. server.app sends the workbench's errors here."""
    if status_code == 404 and detail in (None, "Not Found"):
        message = f"There is no page at {request.url.path[:200]}."
    elif isinstance(detail, list):  # request validation: one line per field
        message = " ".join(_field_error(e) for e in detail[:10])
    else:
        message = str(detail)[:1000]
    heading = _HEADINGS.get(status_code) or ("Something went wrong" if status_code >= 500
                                             else "Refused")
    # Text quoted from the request may hold unpaired surrogates, which UTF-8 cannot encode.
    message = message.encode("utf-8", "replace").decode("utf-8")
    response = render(request, "error.html", user=None, status_code=status_code,
                      heading=heading, message=message)
    for name, value in (headers or {}).items():  # Allow on a 405, Retry-After, ...
        response.headers.setdefault(name, value)
    return response


def _field_error(error: Any) -> str:
    if not isinstance(error, dict):
        return str(error)
    where = ".".join(str(p) for p in error.get("loc", ())[1:]) or "request"
    return f"{where}: {error.get('msg', 'not valid')}."


def install(app: FastAPI) -> None:
    app.include_router(router)  # every page (ui.routes)
    app.mount(
        STATIC_PATH, StaticFiles(directory=Path(__file__).parent / "static"), name="ui-static"
    )
    settings = app.state.runtime.settings
    app.state.ui_login_limiter = LoginLimiter(
        limit=settings.login_max_failures, window=settings.login_lockout_seconds
    )

    @app.exception_handler(security.LoginRequired)
    def _login_required(request: Request, exc: security.LoginRequired) -> Response:
        return see_other(security.login_url(exc.next_path))

    @app.exception_handler(security.NotSignedIn)
    def _not_signed_in(request: Request, exc: security.NotSignedIn) -> Response:
        return render(
            request,
            "error.html",
            user=None,
            status_code=401,
            heading="Signed out",
            message="Your session has ended (expired, signed out, key revoked or account "
            "disabled or reset): "
            "nothing was changed. Sign in again.",
            sign_in=True,
        )

    @app.exception_handler(security.CsrfRejected)
    def _csrf(request: Request, exc: security.CsrfRejected) -> Response:
        return render(
            request,
            "error.html",
            user=None,
            status_code=403,
            heading="Refused",
            message="The form's security token is missing or wrong, so nothing was changed. "
            "Go back, reload the page and try again.",
        )

    @app.exception_handler(security.FormRejected)
    def _bad_form(request: Request, exc: security.FormRejected) -> Response:
        return render(
            request,
            "error.html",
            user=None,
            status_code=422,
            heading="Not saved",
            message=f"The field {exc.field[:64]!r} holds a NUL character, which cannot be "
            "stored, so nothing was changed. Go back, correct it and try again.",
        )

    @app.exception_handler(security.ScopeMissing)
    def _scope(request: Request, exc: security.ScopeMissing) -> Response:
        return render(
            request,
            "error.html",
            user=None,
            status_code=403,
            heading="Not allowed",
            message="This API key lacks the treasury:review scope the workbench needs.",
            sign_in=True,
        )

    @app.exception_handler(security.RoleRefused)
    def _role(request: Request, exc: security.RoleRefused) -> Response:
        return render(
            request,
            "error.html",
            user=None,
            status_code=403,
            heading="Not allowed",
            message=f"Your role ({exc.role or 'none'}) may look at the workbench but not change "
            "anything, so nothing was changed. An administrator can give you another role.",
        )
