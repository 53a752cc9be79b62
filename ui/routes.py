"""Every workbench route in one router, page module by page module, in the order they are
matched; ui.install mounts it. Shared rendering lives in ui.pages, which imports no page."""

from __future__ import annotations

from fastapi import APIRouter

from ui import account, dashboard, disputes, dunning, invoices, login, overview, plans, queue, review

PAGES = (login, account, dashboard, queue, review, overview, invoices, plans, dunning, disputes)

router = APIRouter(
    include_in_schema=False, routes=[route for page in PAGES for route in page.router.routes]
)
