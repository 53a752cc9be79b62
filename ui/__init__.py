"""The exception workbench: server-rendered pages at `/` for reviewers (DESIGN.md §2 `ui/`).

`install(app)` adds the pages, the static files and the sign-in error handling to the app.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

from ui import security
from ui.pages import STATIC_PATH, render, see_other
from ui.routes import router
from workflows.sign_in import LoginLimiter

__all__ = ["STATIC_PATH", "install", "router"]


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
