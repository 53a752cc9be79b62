"""Which routes are open without a key or session, and where the boundary middleware
(server/boundary.py) leaves the caller it checked before the body was read — read by
api.auth and ui.security without importing one another."""

from __future__ import annotations

# Routes anyone may call: liveness and the API's own documentation.
PUBLIC_PATHS = frozenset({"/healthz", "/docs", "/docs/oauth2-redirect", "/openapi.json", "/redoc"})
# The workbench signs people in with a session cookie (ui.security.UiAuth); open without
# one: its sign-in form, and the static files under UI_STATIC_PATH (CSS, JS).
UI_PUBLIC_PATHS = frozenset({"/login"})
UI_STATIC_PATH = "/static"
PRINCIPAL_KEY = "remit.principal"
UI_USER_KEY = "remit.ui_user"
