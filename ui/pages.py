"""What every workbench page shares: the templates (and their filters), `render` with the
security headers, redirects with a flash message, the search boxes' amount filter and the
paging links. Imports no page module: the pages import this.

Templates receive plain data only (dicts, lists, strings): the route reads everything with
the request's session before rendering, so no page touches the database while it renders.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from core import labels
from core.money import AmountError, display_amount, parse_amount
from ui import security
from ui.security import UiUser
from web import paging
from web.access import UI_STATIC_PATH

STATIC_PATH = UI_STATIC_PATH
ME = "me"  # an assignee field's (and filter's) word for whoever is signed in
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

Cursor = Annotated[int | None, Query(ge=0, le=paging.MAX_ID)]

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def _reason_label(reason: str) -> str:
    """A review reason for people (core.labels: the CLI's words too)."""
    return labels.label("review_reason", reason)


def _audit_summary(event: dict[str, Any]) -> str:
    """One line of an audit event's `after` for people (the JSON stays in the API)."""
    after = event.get("after")
    if not isinstance(after, dict):
        return ""
    parts = []
    invoice = after.get("invoice")
    if isinstance(invoice, dict):
        parts.append(
            f"{invoice.get('number')}: open {invoice.get('open')}, {invoice.get('status')}"
        )
    for key in ("applied", "discount", "write_off"):
        value = after.get(key)
        if value not in (None, "0", "0.00", "0.000"):
            parts.append(f"{key.replace('_', '-')} {value}")
    for key in ("reason", "resolution", "assignee", "status"):
        if after.get(key) and not (key == "status" and invoice):
            parts.append(f"{key}: {after[key]}")
    return "; ".join(str(p) for p in parts)


templates.env.filters["reason_label"] = _reason_label
templates.env.filters["label"] = lambda code, kind: labels.label(kind, code)
# Amounts as the CLI prints them: "1,234.50 EUR" (core.money.display_amount).
templates.env.filters["money"] = display_amount
templates.env.filters["audit_summary"] = _audit_summary


# -- rendering -------------------------------------------------------------------------------

SECURITY_HEADERS = {
    # No inline script or style anywhere: the policy can be strict.
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'none'; object-src 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",  # amounts and names: never from a shared or back-button cache
}


def render(
    request: Request,
    name: str,
    *,
    user: UiUser | None,
    status_code: int = 200,
    message: dict[str, str] | str | None = None,
    **context: Any,
) -> Response:
    if isinstance(message, str):  # an error page's text (error.html), not a flash message
        context["message"], message = message, None
    flash = message or security.read_flash(request)
    response = templates.TemplateResponse(
        request,
        name,
        {
            "user": user,
            "csrf_token": user.csrf_token if user else "",
            "flash": flash,
            "static_path": STATIC_PATH,
            **context,
        },
        status_code=status_code,
    )
    if request.cookies.get(security.FLASH_COOKIE):
        security.clear_flash(request, response)
    response.headers.update(SECURITY_HEADERS)
    return response


def not_found(
    request: Request, user: UiUser, message: str, *, heading: str = "Not found"
) -> Response:
    """The workbench's 404 page: what was asked for is not there."""
    return render(
        request, "error.html", user=user, status_code=404, heading=heading, message=message
    )


def see_other(url: str) -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    response.headers.update(SECURITY_HEADERS)
    return response


def redirect_with(request: Request, url: str, kind: str, text: str) -> RedirectResponse:
    response = see_other(url)
    security.set_flash(request, response, kind, text)
    return response


# -- search boxes and paging -----------------------------------------------------------------


def amount_filter(text: str | None) -> tuple[Decimal | None, str | None]:
    """(amount, None) or (None, error text) from a search box; blank is no filter."""
    if not text or not text.strip():
        return None, None
    try:
        amount = parse_amount(text, decimal_comma=False)
    except AmountError:
        return None, f"Not an amount: {text!r}. Use digits and a decimal point, e.g. 980.00."
    if amount < 0:
        return None, "Amounts are positive."
    return amount, None


def page_url(path: str, params: dict[str, Any]) -> str:
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{path}?{urlencode(kept)}" if kept else path


def page_of(
    items: list[dict[str, Any]], limit: int, key: str, path: str, params: dict[str, Any]
) -> tuple[list[dict[str, Any]], str | None]:
    """`items` was read with limit + 1: the rows to show, and the link to the next page (the
    same filters, `after` the last row's `key`), or None on the last page."""
    shown = items[:limit]
    if len(items) <= limit:
        return shown, None
    return shown, page_url(path, {**params, "after": shown[-1][key]})
