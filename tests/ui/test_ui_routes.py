"""The exception workbench without a browser: sign-in, sessions, CSRF, redirects, every page.

Runs on SQLite and PostgreSQL (the `rt` fixture). The browser journey is test_workbench_browser.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select, update

from ledger.db import transaction
from ledger.models import Application, Customer, Invoice, ReviewItem, UiSession
from ledger.repositories import api_keys, ui_sessions
from server.app import create_app
from tests.factories import E, camt
from ui.security import FLASH_COOKIE, SESSION_COOKIE, safe_next
from workflows.runtime import runtime
from workflows.sign_in import LoginLimiter

# A queue row's amount (the page also shows totals and unapplied amounts).
ROW_AMOUNT = r"data-amount>([\d,]+\.\d\d) EUR"
INVOICES = (("INV-1", 60000), ("INV-2", 38000), ("INV-3", 50000))


def _seed(rt) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Contoso Ltd"))
        for number, minor in INVOICES:
            s.execute(
                insert(Invoice).values(
                    number=number,
                    customer_id="C1",
                    currency="EUR",
                    amount_minor=minor,
                    open_minor=minor,
                    issue_date=date(2026, 11, 1),
                )
            )
        key_id, review = api_keys.create_with_id(
            s, name="reviewer", scopes=["treasury:review"], secret=rt.settings.secret_key
        )
        ar = api_keys.create(s, name="erp", scopes=["ar:read"], secret=rt.settings.secret_key)
    return {"review": review, "review_id": key_id, "ar": ar}


@pytest.fixture
def keys(rt) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return _seed(rt)


@pytest.fixture
def client(rt, keys):  # type: ignore[no-untyped-def]
    with TestClient(create_app(rt)) as c:
        yield c


def _upload(client: TestClient, key: str, entries: list[E], name: str = "s.xml") -> None:
    r = client.post(
        "/api/v1/bank-files",
        headers={"Authorization": f"Bearer {key}"},
        files={"file": (name, camt("053", entries, stmt_id=name))},
    )
    assert r.status_code == 201, r.text


def _field(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no field {name}"
    return match.group(1)


def _sign_in(client: TestClient, key: str, next_path: str = "/") -> Any:
    form = client.get("/login")
    return client.post(
        "/login",
        data={"api_key": key, "login_csrf": _field(form.text, "login_csrf"), "next": next_path},
        follow_redirects=False,
    )


def _open_tx(client: TestClient) -> int:
    r = client.get("/exceptions")
    return int(re.search(r'href="/exceptions/(\d+)"', r.text).group(1))  # type: ignore[union-attr]


def _sessions(rt) -> list[UiSession]:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        return list(s.scalars(select(UiSession)).all())


# -- sign in ---------------------------------------------------------------------------------


def test_sign_in_sets_a_hardened_cookie_and_stores_only_a_digest(client, rt, keys) -> None:
    r = _sign_in(client, keys["review"], "/exceptions?reason=no_customer")
    assert r.status_code == 303 and r.headers["location"] == "/exceptions?reason=no_customer"
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE + "="))
    attrs = {a.strip().split("=")[0].lower() for a in cookie.split(";")[1:]}
    assert {"httponly", "path", "samesite", "max-age"} <= attrs and "secure" not in attrs
    assert "samesite=strict" in cookie.lower() and "path=/;" in cookie.lower() + ";"
    token = client.cookies[SESSION_COOKIE]
    (row,) = _sessions(rt)
    assert row.token_hash == ui_sessions.token_digest(token, rt.settings.secret_key) != token
    assert token not in (row.token_hash, row.csrf_token) and len(row.csrf_token) >= 32
    expected = datetime.now(UTC) + timedelta(hours=rt.settings.session_hours)
    assert abs((row.expires_at - expected).total_seconds()) < 60
    page = client.get("/")
    assert page.status_code == 200 and "Signed in as reviewer" in page.text
    assert (
        page.headers["cache-control"] == "no-store"
        and "frame-ancestors 'none'" in page.headers["content-security-policy"]
    )


def test_secure_cookies_setting_marks_the_cookie_secure(rt, keys) -> None:
    secure = runtime(rt.settings.model_copy(update={"secure_cookies": True}))
    with TestClient(create_app(secure), base_url="https://testserver") as c:
        r = _sign_in(c, keys["review"])
        cookie = next(
            x for x in r.headers.get_list("set-cookie") if x.startswith(SESSION_COOKIE + "=")
        )
        assert "secure" in cookie.lower()
        assert c.get("/").status_code == 200


def test_a_wrong_key_or_scope_is_refused_and_failures_are_limited(client, rt, keys) -> None:
    r = _sign_in(client, "rmt_not-a-key")
    assert r.status_code == 401 and "Unknown or revoked API key" in r.text
    r = _sign_in(client, keys["ar"])
    assert r.status_code == 401 and "treasury:review" in r.text
    assert _sessions(rt) == [] and SESSION_COOKIE not in client.cookies
    assert client.get("/", follow_redirects=False).status_code == 303
    app: Any = client.app
    app.state.ui_login_limiter = LoginLimiter(limit=3, window=60)
    # The two refusals above count (the failures are in the database): one more locks out.
    assert _sign_in(client, "rmt_nope").status_code == 401
    limited = _sign_in(client, keys["review"])  # even the right key waits: the client is throttled
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0


def test_login_form_needs_its_double_submit_token(client, keys) -> None:
    client.get("/login")
    r = client.post("/login", data={"api_key": keys["review"]}, follow_redirects=False)
    assert r.status_code == 403
    r = client.post(
        "/login", data={"api_key": keys["review"], "login_csrf": "x" * 43}, follow_redirects=False
    )
    assert r.status_code == 403
    client.cookies.clear()  # a cross-site form: SameSite=Strict withholds the cookie
    r = client.post(
        "/login", data={"api_key": keys["review"], "login_csrf": "x" * 43}, follow_redirects=False
    )
    assert r.status_code == 403 and SESSION_COOKIE not in r.headers.get("set-cookie", "")


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "evil",
        "/%0d%0aSet-Cookie:x",
        " /x",
        "/login",
        "http:/x",
    ],
)
def test_next_never_leaves_the_site(client, keys, target) -> None:
    r = _sign_in(client, keys["review"], target)
    assert r.status_code == 303
    location = r.headers["location"]
    assert location.startswith("/") and not location.startswith("//") and "evil" not in location


def test_safe_next_keeps_relative_paths() -> None:
    assert safe_next("/exceptions/5?x=1") == "/exceptions/5?x=1"
    assert safe_next("/invoices/INV%2F1") == "/invoices/INV%2F1"
    assert safe_next(None) == safe_next("") == safe_next("//x") == "/"


def test_unauthenticated_page_redirects_back_after_sign_in(client, keys) -> None:
    r = client.get("/exceptions?reason=no_customer", follow_redirects=False)
    assert (
        r.status_code == 303
        and r.headers["location"] == "/login?next=/exceptions%3Freason%3Dno_customer"
    )
    form = client.get(r.headers["location"])
    assert _field(form.text, "next") == "/exceptions?reason=no_customer"
    r = client.get("/invoices/INV%2F7", follow_redirects=False)
    assert r.headers["location"] == "/login?next=/invoices/INV%252F7"
    assert (
        _sign_in(client, keys["review"], "/invoices/INV%2F7").headers["location"]
        == "/invoices/INV%2F7"
    )


def test_logout_needs_csrf_and_revokes_the_session(client, rt, keys) -> None:
    _sign_in(client, keys["review"])
    page = client.get("/")
    token = client.cookies[SESSION_COOKIE]
    assert client.post("/logout", data={}, follow_redirects=False).status_code == 403
    assert (
        client.post("/logout", data={"csrf_token": "nope"}, follow_redirects=False).status_code
        == 403
    )
    r = client.post(
        "/logout", data={"csrf_token": _field(page.text, "csrf_token")}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == "/login"
    (row,) = _sessions(rt)
    assert row.revoked_at is not None
    client.cookies.set(SESSION_COOKIE, token)  # a copy of the old cookie is worth nothing
    assert client.get("/", follow_redirects=False).status_code == 303


def test_an_expired_session_signs_out(client, rt, keys) -> None:
    _sign_in(client, keys["review"])
    assert client.get("/").status_code == 200
    with transaction(rt.engine) as s:
        s.execute(update(UiSession).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert client.get("/", follow_redirects=False).status_code == 303


def test_revoking_the_api_key_ends_its_sessions(client, rt, keys) -> None:
    _upload(client, keys["review"], [E("980.00", ref="B1", name="Somebody", text=["see attached"])])
    _sign_in(client, keys["review"])
    tx = _open_tx(client)
    page = client.get(f"/exceptions/{tx}")
    with transaction(rt.engine) as s:
        assert api_keys.revoke(s, keys["review_id"])
    assert client.get("/", follow_redirects=False).status_code == 303
    r = client.post(
        f"/exceptions/{tx}/dismiss",
        data={
            "csrf_token": _field(page.text, "csrf_token"),
            "version": _field(page.text, "version"),
            "reason": "x",
        },
        follow_redirects=False,
    )
    assert r.status_code == 401
    with transaction(rt.engine) as s:
        assert (
            s.scalar(
                select(func.count()).select_from(ReviewItem).where(ReviewItem.status == "open")
            )
            == 1
        )


def test_posts_without_the_csrf_token_are_403_and_change_nothing(client, rt, keys) -> None:
    _upload(client, keys["review"], [E("980.00", ref="B1", name="Somebody", text=["see attached"])])
    _sign_in(client, keys["review"])
    tx = _open_tx(client)
    page = client.get(f"/exceptions/{tx}")
    form = {
        "version": _field(page.text, "version"),
        "invoice_number": ["INV-1"],
        "amount": ["600.00"],
    }
    for token in (None, "", "wrong", _field(page.text, "csrf_token") + "x"):
        data = dict(form) if token is None else {**form, "csrf_token": token}
        r = client.post(f"/exceptions/{tx}/apply", data=data, follow_redirects=False)
        assert r.status_code == 403, token
    # Another session's token is no good either.
    with TestClient(client.app) as other:
        _sign_in(other, keys["review"])
        foreign = _field(other.get("/").text, "csrf_token")
    r = client.post(
        f"/exceptions/{tx}/apply", data={**form, "csrf_token": foreign}, follow_redirects=False
    )
    assert r.status_code == 403
    with transaction(rt.engine) as s:
        assert s.scalar(select(func.count()).select_from(Application)) == 0


def test_a_planted_flash_cookie_is_ignored(client, keys) -> None:
    _sign_in(client, keys["review"])
    client.cookies.set(FLASH_COOKIE, "eyJraW5kIjogImVycm9yIiwgInRleHQiOiAicGhpc2gifQ.0000")
    assert "phish" not in client.get("/").text


# -- pages -----------------------------------------------------------------------------------


def test_every_page_renders(client, rt, keys) -> None:
    _upload(
        client,
        keys["review"],
        [E("980.00", ref="B1", name="Somebody <b>x</b>", text=["see INV-1"])],
    )
    _sign_in(client, keys["review"])
    dash = client.get("/")
    assert (
        dash.status_code == 200
        and "s.xml" in dash.text
        and 'href="/exceptions?reason=' in dash.text
    )
    queue = client.get("/exceptions")
    assert queue.status_code == 200 and "980.00 EUR" in queue.text
    assert "Somebody &lt;b&gt;x&lt;/b&gt;" in queue.text  # escaped, never markup
    tx = _open_tx(client)
    detail = client.get(f"/exceptions/{tx}")
    assert (
        detail.status_code == 200
        and "see INV-1" in detail.text
        and "review_item.opened" in detail.text
    )
    assert detail.text.count('name="invoice_number"') == 3  # three rows without JavaScript
    assert client.get("/invoices").text.count('href="/invoices/INV-') == 3
    found = client.get("/invoices", params={"q": "inv-2"})
    assert "INV-2" in found.text and "INV-1</a>" not in found.text
    by_amount = client.get("/invoices", params={"amount": "500.00"})
    assert "INV-3" in by_amount.text and "INV-2</a>" not in by_amount.text
    assert client.get("/invoices", params={"q": "contoso"}).text.count('href="/invoices/INV-') == 3
    assert "not an amount" in client.get("/invoices", params={"amount": "12x"}).text.lower()
    inv = client.get("/invoices/INV-1")
    assert inv.status_code == 200 and "600.00" in inv.text
    assert client.get("/invoices/NOPE").status_code == 404
    assert client.get("/exceptions/99999").status_code == 404
    # Ids beyond 64 bits are refused before the database sees them (422, never a 500).
    assert client.get(f"/exceptions/{2**63}").status_code == 422
    assert client.get("/exceptions", params={"after": 2**63}).status_code == 422
    assert client.get("/static/workbench.js").status_code == 200


def test_queue_pages_with_a_cursor_and_filters(client, rt, keys) -> None:
    entries = [E(f"{100 + n}.00", ref=f"Q{n}", name=f"Payer {n % 2}", text=["?"]) for n in range(7)]
    _upload(client, keys["review"], entries)
    _sign_in(client, keys["review"])
    seen: list[str] = []
    url = "/exceptions?limit=3"
    pages = 0
    while url:
        page = client.get(url.replace("&amp;", "&"))
        seen += re.findall(ROW_AMOUNT, page.text)
        nxt = re.search(r'href="([^"]+)" rel="next"', page.text)
        url = nxt.group(1) if nxt else ""
        pages += 1
    assert pages == 3 and seen == [f"{100 + n}.00" for n in range(7)]
    assert re.findall(
        ROW_AMOUNT, client.get("/exceptions", params={"payer": "payer 1"}).text
    ) == ["101.00", "103.00", "105.00"]
    assert re.findall(
        ROW_AMOUNT, client.get("/exceptions", params={"amount": "104"}).text
    ) == ["104.00"]
    assert "Nothing matches" in client.get("/exceptions", params={"reason": "short_pay"}).text


def test_apply_accept_dismiss_unapply_through_the_forms(client, rt, keys) -> None:
    _upload(
        client,
        keys["review"],
        [
            E("980.00", ref="B1", name="Somebody", text=["see attached"]),
            E("500.00", ref="B2", name="Somebody else", text=["?"]),
        ],
    )
    _sign_in(client, keys["review"])
    tx, tx2 = (
        int(x) for x in re.findall(r'href="/exceptions/(\d+)"', client.get("/exceptions").text)
    )
    page = client.get(f"/exceptions/{tx}")
    base = {"csrf_token": _field(page.text, "csrf_token"), "version": _field(page.text, "version")}
    # A refusal keeps the rows typed, says why, and changes nothing.
    over = {
        **base,
        "invoice_number": ["INV-1", "INV-2", ""],
        "amount": ["600.00", "380.01", ""],
        "discount": ["", "", ""],
        "write_off": ["", "", ""],
        "write_off_reason": ["", "", ""],
    }
    r = client.post(f"/exceptions/{tx}/apply", data=over, follow_redirects=False)
    assert (
        r.status_code == 409 and "exceeds its open amount" in r.text and 'value="380.01"' in r.text
    )
    bad = {**base, "invoice_number": ["INV-1"], "amount": ["6OO"]}
    r = client.post(f"/exceptions/{tx}/apply", data=bad, follow_redirects=False)
    assert r.status_code == 422 and "is not an amount" in r.text
    good = {**over, "amount": ["600.00", "380.00", ""], "note": "per phone call"}
    r = client.post(f"/exceptions/{tx}/apply", data=good, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/exceptions/{tx}"
    after = client.get(f"/exceptions/{tx}")
    assert "Applied to INV-1, INV-2." in after.text and "Unapply" in after.text
    assert client.get("/exceptions/99/apply").status_code in (404, 405)
    # The old version again: someone (this reviewer, in another tab) changed the payment.
    r = client.post(f"/exceptions/{tx}/apply", data=good)
    assert "changed since you opened it" in r.text and r.url.path == f"/exceptions/{tx}"
    for number in ("INV-1", "INV-2"):
        assert "data-invoice-status>paid<" in client.get(f"/invoices/{number}").text
    # Unapply puts it back in the queue.
    page = client.get(f"/exceptions/{tx}")
    r = client.post(
        f"/exceptions/{tx}/unapply",
        data={
            "csrf_token": base["csrf_token"],
            "reason": "wrong split",
            "version": _field(page.text, "version"),
        },
    )
    assert "back in the queue" in r.text
    assert "data-invoice-status>open<" in client.get("/invoices/INV-1").text
    # Accept a ranked suggestion (one the matcher would have made), then dismiss the other.
    suggestion = {
        "invoice_numbers": ["INV-3"],
        "score": 70,
        "reasons": ["amount equals open amount"],
        "allocations": [
            {
                "invoice_number": "INV-3",
                "applied": "500.00",
                "discount": "0",
                "write_off": "0",
                "write_off_reason": None,
            }
        ],
    }
    with transaction(rt.engine) as s:
        s.execute(
            update(ReviewItem)
            .where(ReviewItem.transaction_id == tx2)
            .values(candidates=[suggestion])
        )
    page = client.get(f"/exceptions/{tx2}")
    assert "Accept suggestion 1" in page.text and "score 70" in page.text
    r = client.post(
        f"/exceptions/{tx2}/accept",
        data={
            "csrf_token": base["csrf_token"],
            "rank": "1",
            "version": _field(page.text, "version"),
        },
    )
    assert "Accepted suggestion 1." in r.text
    assert "data-invoice-status>paid<" in client.get("/invoices/INV-3").text
    page = client.get(f"/exceptions/{tx}")
    r = client.post(
        f"/exceptions/{tx}/dismiss",
        data={
            "csrf_token": base["csrf_token"],
            "reason": "",
            "version": _field(page.text, "version"),
        },
    )
    assert "Give a reason" in r.text
    r = client.post(
        f"/exceptions/{tx}/dismiss",
        data={
            "csrf_token": base["csrf_token"],
            "reason": "refund",
            "version": _field(page.text, "version"),
        },
    )
    assert "Dismissed" in r.text and "The queue is empty." in client.get("/exceptions").text
    with transaction(rt.engine) as s:
        actors = set(s.scalars(select(Application.actor)).all())
    assert actors == {"api-key:reviewer"}


def test_the_queue_page_shows_the_ar_queue_and_the_rest_on_request(client, rt, keys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.reconcile.test_queues import _ingest

    _ingest(rt, tmp_path)
    _sign_in(client, keys["review"])
    ar = client.get("/exceptions")
    assert ar.status_code == 200 and "Somebody Unknown" in ar.text and "Payee One" not in ar.text
    other = client.get("/exceptions?kind=other")
    assert other.status_code == 200 and "Payee One" in other.text and "not receivable" in other.text
    assert "Somebody Unknown" not in other.text
    assert client.get("/exceptions?kind=everything").status_code == 422
    home = client.get("/")
    assert home.status_code == 200 and 'href="/exceptions?kind=other"' in home.text
