"""The exceptions queue (/exceptions): filters in the URL (shareable), sorting, totals per
currency for the filter, and bulk dismiss / assign (reconcile.bulk: one audited change per
item, in the request's one transaction; what could not be changed is reported item by item).

The default order (oldest first) pages by review id (`after`); the other orders by `offset`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData
from starlette.responses import Response

from core import labels
from ledger.repositories import users
from reconcile import bulk, queue, queue_kinds
from reconcile.model import ReviewReason
from ui.pages import ME, MAX_PAGE_SIZE, PAGE_SIZE, Cursor, amount_filter, page_url, render
from ui.security import CsrfForm, User, safe_next
from web import paging
from web.session import DbSession

router = APIRouter(include_in_schema=False)

Text = Annotated[str | None, Query(max_length=200, pattern=paging.NO_NUL)]
SORT_LABELS = {
    "age": "Oldest first",
    "-age": "Newest first",
    "amount": "Amount, smallest first",
    "-amount": "Amount, largest first",
    "date": "Value date, earliest first",
    "-date": "Value date, latest first",
    "reason": "Reason",
}
MAX_OFFSET = 100_000


def _day(text: str | None, what: str, errors: list[str]) -> date | None:
    if not text or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        errors.append(f"{what}: {text!r} is not a date (YYYY-MM-DD).")
        return None


def _amount(text: str | None, errors: list[str]) -> Any:
    value, error = amount_filter(text)
    if error:
        errors.append(error)
    return value


def queue_filter(params: dict[str, str | None], actor: str) -> tuple[queue.QueueFilter, list[str]]:
    """The filter the query string names (the form's fields), and what in it was not understood."""
    errors: list[str] = []
    exact = _amount(params.get("amount"), errors)
    assignee = (params.get("assignee") or "").strip() or None
    unapplied = params.get("has_unapplied")
    found = queue.QueueFilter(
        reason=params.get("reason") or None,
        currency=(params.get("currency") or "").strip().upper() or None,
        amount_min=exact if exact is not None else _amount(params.get("amount_min"), errors),
        amount_max=exact if exact is not None else _amount(params.get("amount_max"), errors),
        date_from=_day(params.get("date_from"), "From", errors),
        date_to=_day(params.get("date_to"), "To", errors),
        account=params.get("account") or None,
        assignee=actor if assignee == ME else assignee,
        payer=params.get("payer") or None,
        has_unapplied={"true": True, "false": False}.get(unapplied or ""),
        min_unapplied=_amount(params.get("min_unapplied"), errors),
        kind=params.get("kind") or queue_kinds.RECEIVABLE,
    )
    return found, errors


@router.get("/exceptions", response_class=HTMLResponse)
def queue_page(
    request: Request,
    user: User,
    session: DbSession,
    reason: Annotated[str | None, Query(max_length=32, pattern=paging.NO_NUL)] = None,
    payer: Text = None,
    amount: Annotated[str | None, Query(max_length=40)] = None,
    amount_min: Annotated[str | None, Query(max_length=40)] = None,
    amount_max: Annotated[str | None, Query(max_length=40)] = None,
    currency: Annotated[str | None, Query(max_length=3, pattern=paging.NO_NUL)] = None,
    date_from: Annotated[str | None, Query(max_length=10)] = None,
    date_to: Annotated[str | None, Query(max_length=10)] = None,
    account: Text = None,
    assignee: Annotated[str | None, Query(max_length=128, pattern=paging.NO_NUL)] = None,
    has_unapplied: Annotated[str | None, Query(pattern="^(true|false|)$")] = None,
    min_unapplied: Annotated[str | None, Query(max_length=40)] = None,
    kind: Annotated[Literal["receivable", "other", "all"] | None, Query()] = None,
    sort: Annotated[str, Query(pattern="^-?(age|amount|date|reason)$")] = queue.DEFAULT_SORT,
    after: Cursor = None,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = PAGE_SIZE,
) -> Response:
    params = {
        "reason": reason, "payer": payer, "amount": amount, "amount_min": amount_min,
        "amount_max": amount_max, "currency": currency, "date_from": date_from,
        "date_to": date_to, "account": account, "assignee": assignee,
        "has_unapplied": has_unapplied, "min_unapplied": min_unapplied,
        "kind": None if kind == queue_kinds.RECEIVABLE else kind,
    }
    wanted, errors = queue_filter(params, user.actor)
    keyset = sort == queue.DEFAULT_SORT
    # One row more than shown says whether there is a next page, without counting.
    items = queue.items(session, wanted, sort=sort, limit=limit + 1,
                        after_id=after if keyset else None, offset=0 if keyset else offset)
    shown = items[:limit]
    kept = {**params, "sort": None if keyset else sort,
            "limit": limit if limit != PAGE_SIZE else None}
    next_url = None
    if len(items) > limit:
        step = {"after": shown[-1]["review_id"]} if keyset else {"offset": offset + limit}
        next_url = page_url("/exceptions", {**kept, **step})
    here = page_url("/exceptions", {**kept, "after": after, "offset": offset or None})
    return render(
        request,
        "queue.html",
        user=user,
        nav="queue",
        items=shown,
        filters=params,
        filtered=wanted.active(),
        filter_error=" ".join(errors) or None,
        totals=queue.totals(session, wanted),
        reasons=[(r.value, labels.label("review_reason", r.value)) for r in ReviewReason],
        currencies=queue.currencies(session),
        assignees=queue.assignees(session),
        people=[p.actor for p in users.assignees(session)],
        sort=sort,
        sorts=SORT_LABELS,
        sort_urls={s: page_url("/exceptions", {**kept, "sort": None if s == "age" else s})
                   for s in SORT_LABELS},
        paged=bool(after or offset),
        next_url=next_url,
        first_url=page_url("/exceptions", kept),
        here=here,
        actor=user.actor,
    )


def _selected(form: FormData) -> tuple[list[int], dict[int, int]]:
    """The ticked payments, and the version of each the reviewer saw."""
    ids, versions = [], {}
    for value in form.getlist("tx"):
        text = str(value)
        if text.isdigit() and 0 < int(text) <= paging.MAX_ID:
            ids.append(int(text))
            seen = str(form.get(f"v{text}") or "")
            if seen.isdigit():
                versions[int(text)] = int(seen)
    return ids, versions


@router.post("/exceptions/bulk", response_class=HTMLResponse)
def bulk_action(request: Request, user: User, form: CsrfForm, session: DbSession) -> Response:
    """Dismiss or assign the ticked items; answers with each item's outcome."""
    action = str(form.get("action") or "")
    back = safe_next(str(form.get("back") or "/exceptions"))
    if not back.startswith("/exceptions"):
        back = "/exceptions"
    ids, versions = _selected(form)
    try:
        if action == "dismiss":
            outcomes = bulk.dismiss(session, ids, actor=user.actor,
                                    reason=str(form.get("reason") or "")[:500], versions=versions)
        elif action == "assign":
            assignee = str(form.get("assignee") or "").strip()[:128]
            outcomes = bulk.assign(session, ids, actor=user.actor,
                                   assignee=user.actor if assignee == ME else assignee,
                                   versions=versions)
        else:
            raise ValueError("Choose an action: dismiss or assign.")
    except ValueError as error:
        return render(request, "bulk_result.html", user=user, nav="queue", status_code=422,
                      message={"kind": "error", "text": str(error)}, outcomes=[], back=back,
                      action=action)
    failed = [o for o in outcomes if not o.ok]
    done = len(outcomes) - len(failed)
    verb = "Dismissed" if action == "dismiss" else "Assigned"
    text = f"{verb} {done} of {len(outcomes)}." + (
        f" {len(failed)} not changed: see below." if failed else "")
    return render(request, "bulk_result.html", user=user, nav="queue",
                  message={"kind": "error" if failed else "success", "text": text},
                  outcomes=outcomes, back=back, action=action)
