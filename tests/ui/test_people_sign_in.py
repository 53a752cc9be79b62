"""People sign in to the workbench with e-mail and password (no browser; the browser journey
is test_people_browser): the one-time password replaced first, CSRF on both forms, the
lock-out per client and per address, roles (a viewer looks, a reviewer acts), disabling and
resetting, and the audit trail naming the person. SQLite and PostgreSQL (`rt`).
"""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select

from core import passwords
from ledger.db import transaction
from ledger.models import Application, AuditEvent, BankTransaction, Customer, Invoice, UiSession, User
from server.app import create_app
from tests.factories import E, camt
from ui.security import SESSION_COOKIE
from workflows import sign_in, users
from workflows.pipeline import ingest_stream
from workflows.runtime import Runtime, runtime

ANA = "ana@example.com"
CHOSEN = "a long passphrase of ana's"


def _field(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no field {name}"
    return match.group(1)


def _login(client: TestClient, email: str, password: str, **extra: str) -> Any:
    form = client.get("/login")
    data = {"email": email, "password": password, "login_csrf": _field(form.text, "login_csrf")}
    return client.post("/login", data={**data, **extra}, follow_redirects=False)


def _choose(client: TestClient, page: str, password: str, confirm: str | None = None) -> Any:
    data = {
        "ticket": _field(page, "ticket"),
        "email": _field(page, "email"),
        "login_csrf": _field(page, "login_csrf"),
        "next": _field(page, "next"),
        "password": password,
        "confirm": password if confirm is None else confirm,
    }
    return client.post("/login", data=data, follow_redirects=False)


def _person(rt: Runtime, role: str = "reviewer", email: str = ANA) -> str:
    """A person who has already chosen CHOSEN as their password."""
    issued = users.create_user(rt, email, role=role, actor="test")
    first = sign_in.open_person_session(rt.engine, email, issued.password,
                                        secret=rt.settings.secret_key, hours=1)
    assert first.ticket and first.token is None
    done = sign_in.choose_password(rt.engine, first.ticket, CHOSEN,
                                   secret=rt.settings.secret_key, hours=1)
    assert done.token
    return issued.password


@pytest.fixture
def client(rt: Runtime):  # type: ignore[no-untyped-def]
    with TestClient(create_app(rt)) as c:
        yield c


def test_first_sign_in_with_the_one_time_password_forces_a_new_one(client, rt) -> None:
    issued = users.create_user(rt, "Ana@Example.com ", role="reviewer", actor="cli")
    assert issued.person.email == ANA and issued.person.must_change_password
    # The one-time password opens no session: it asks for a password of one's own.
    r = _login(client, "ANA@example.com", issued.password, next="/exceptions")
    assert r.status_code == 200 and "Choose your password" in r.text
    assert SESSION_COOKIE not in r.cookies
    assert client.get("/", follow_redirects=False).status_code == 303
    page = r.text
    for password, confirm, why in (
        ("short", None, "at least 12 characters"),
        (CHOSEN, CHOSEN + "!", "The two passwords differ."),
        (issued.password, None, "other than the one-time password"),
        (ANA, None, "cannot be your e-mail address"),
    ):
        refused = _choose(client, page, password, confirm)
        assert refused.status_code == 422 and why in refused.text, why
    r = _choose(client, page, CHOSEN)
    assert r.status_code == 303 and r.headers["location"] == "/exceptions"
    assert "Signed in as" in client.get("/").text and "(reviewer)" in client.get("/").text
    # The ticket was good once (even with a fresh form token); the one-time password is no more.
    fresh = client.get("/login").text
    replay = page.replace(_field(page, "login_csrf"), _field(fresh, "login_csrf"))
    again = _choose(client, replay, CHOSEN + " again")
    assert again.status_code == 401 and "expired" in again.text
    assert _login(client, ANA, issued.password).status_code == 401
    with TestClient(client.app) as other:
        assert _login(other, ANA, CHOSEN).status_code == 303
    with transaction(rt.engine) as s:
        row = s.scalars(select(User)).one()
        assert row.password_hash.startswith("$argon2id$") and CHOSEN not in row.password_hash
        assert not row.must_change_password and row.last_sign_in_at is not None
        actors = s.execute(
            select(AuditEvent.actor, AuditEvent.action).order_by(AuditEvent.id)
        ).all()
    assert actors == [("cli", "user.created"), ("user:ana@example.com", "user.password_changed")]


def test_both_forms_need_their_double_submit_token(client, rt) -> None:
    issued = users.create_user(rt, ANA, role="reviewer", actor="test")
    form = client.get("/login")
    for token in (None, "", "wrong"):
        data = {"email": ANA, "password": issued.password}
        if token is not None:
            data["login_csrf"] = token
        r = client.post("/login", data=data, follow_redirects=False)
        assert r.status_code == 403 and "Choose your password" not in r.text
    page = _login(client, ANA, issued.password).text
    data = {"ticket": _field(page, "ticket"), "password": CHOSEN, "confirm": CHOSEN,
            "login_csrf": "forged"}
    assert client.post("/login", data=data).status_code == 403
    # Another site's form, without the cookie: refused as well.
    with TestClient(client.app) as stranger:
        data["login_csrf"] = _field(form.text, "login_csrf")
        assert stranger.post("/login", data=data).status_code == 403
    with transaction(rt.engine) as s:
        assert s.scalar(select(User.must_change_password))


def test_unknown_address_and_wrong_password_read_and_cost_the_same(client, rt, monkeypatch) -> None:
    _person(rt)
    verified: list[str | None] = []
    real = passwords.verify

    def counting(password_hash: str | None, password: str) -> bool:
        verified.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(passwords, "verify", counting)
    unknown = _login(client, "nobody@example.com", CHOSEN)
    wrong = _login(client, ANA, CHOSEN + "x")
    assert unknown.status_code == wrong.status_code == 401
    assert "Unknown e-mail address or wrong password." in unknown.text
    assert unknown.text.count("wrong password") == wrong.text.count("wrong password")
    # One argon2 verification each: the unknown address against the dummy hash.
    assert verified[0] is None and verified[1] is not None and len(verified) == 2


def test_failures_lock_out_the_address_whatever_the_client(settings, rt) -> None:
    _person(rt)
    limited = runtime(settings.model_copy(update={"login_max_failures": 3,
                                                   "login_lockout_seconds": 60}))
    with TestClient(create_app(limited)) as client:
        limiter: sign_in.LoginLimiter = client.app.state.ui_login_limiter  # type: ignore
        ana = sign_in.email_client("ANA@example.com", limited.settings.secret_key)
        # Three failures for ana's address from elsewhere (other clients, other instances).
        for _ in range(3):
            limiter.failed(limited.engine, ana)
        locked = _login(client, ANA, CHOSEN)
        assert locked.status_code == 429 and 0 < int(locked.headers["retry-after"]) <= 60
        # Another person from this very client is not held up by ana's lock-out.
        _person(rt, email="bo@example.com")
        assert _login(client, "bo@example.com", CHOSEN).status_code == 303
        # Failures from this client count for the client and for the address named.
        for _ in range(3):
            assert _login(client, "cy@example.com", "guess").status_code == 401
        assert _login(client, "bo@example.com", CHOSEN).status_code == 429
    with transaction(rt.engine) as s:
        clients = set(s.scalars(select(sign_in.LoginFailure.client)))
    # The table names no address: a keyed digest of it.
    assert not any("@" in c for c in clients)
    assert sign_in.email_client("cy@example.com", rt.settings.secret_key) in clients


@pytest.fixture
def payment(rt: Runtime) -> int:
    with transaction(rt.engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Contoso Ltd"))
        for number, minor in (("INV-1", 60000), ("INV-2", 38000)):
            s.execute(insert(Invoice).values(number=number, customer_id="C1", currency="EUR",
                                             amount_minor=minor, open_minor=minor,
                                             issue_date=date(2026, 11, 1)))
    data = camt("053", [E("980.00", ref="B1", name="Somebody", text=["see attached"])])
    result = ingest_stream(rt, io.BytesIO(data), name="today.xml", source="api", actor="test")
    (tx,) = result.new_transaction_ids
    return tx


def _apply(client: TestClient, tx: int) -> Any:
    page = client.get(f"/exceptions/{tx}")
    assert page.status_code == 200
    data = {"csrf_token": _field(page.text, "csrf_token"), "version": _field(page.text, "version"),
            "invoice_number": ["INV-1", "INV-2"], "amount": ["600.00", "380.00"]}
    return client.post(f"/exceptions/{tx}/apply", data=data, follow_redirects=False)


def test_a_reviewers_application_is_audited_under_their_name(client, rt, payment) -> None:
    _person(rt, role="reviewer")
    assert _login(client, ANA, CHOSEN).status_code == 303
    with transaction(rt.engine) as s:
        before = s.scalar(select(func.max(AuditEvent.id)))
    r = _apply(client, payment)
    assert r.status_code == 303, r.text
    with transaction(rt.engine) as s:
        written = s.execute(select(AuditEvent.actor, AuditEvent.entity_type)
                            .where(AuditEvent.id > before)).all()
        assert s.scalar(select(func.count()).select_from(Application)) == 2
    assert {"application", "review_item"} <= {entity for _, entity in written}
    assert {actor for actor, _ in written} == {"user:ana@example.com"}
    assert "user:ana@example.com" in client.get(f"/exceptions/{payment}").text


def test_a_viewer_looks_but_changes_nothing(client, rt, payment) -> None:
    _person(rt, role="viewer")
    assert _login(client, ANA, CHOSEN).status_code == 303
    assert client.get("/").status_code == 200 and "(viewer)" in client.get("/").text
    # The pages offer a viewer no action: no apply, dismiss or assign form, no bulk buttons.
    page = client.get(f"/exceptions/{payment}").text
    assert "data-read-only" in page and "Accept suggestion" not in page
    assert not re.search(rf'action="/exceptions/{payment}/(apply|dismiss|assign|unapply)"', page)
    queue = client.get("/exceptions").text
    assert "data-read-only" in queue and "data-bulk-button" not in queue and "data-select" not in queue
    # A forged post is still refused.
    with transaction(rt.engine) as s:
        version = s.scalar(select(BankTransaction.version).where(BankTransaction.id == payment))
    r = client.post(f"/exceptions/{payment}/apply", follow_redirects=False, data={
        "csrf_token": _field(page, "csrf_token"), "version": str(version),
        "invoice_number": ["INV-1", "INV-2"], "amount": ["600.00", "380.00"]})
    assert r.status_code == 403 and "may look at the workbench" in r.text
    with transaction(rt.engine) as s:
        assert s.scalar(select(func.count()).select_from(Application)) == 0
    # A new role applies to the open session at once.
    users.set_role(rt, ANA, role="reviewer", actor="test")
    assert _apply(client, payment).status_code == 303
    # Signing out needs the token, not a role that acts.
    users.set_role(rt, ANA, role="viewer", actor="test")
    token = _field(client.get("/").text, "csrf_token")
    out = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


def test_disabling_or_resetting_ends_the_sessions(client, rt) -> None:
    _person(rt)
    assert _login(client, ANA, CHOSEN).status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 200
    again = users.reset_password(rt, ANA, actor="cli")
    assert client.get("/", follow_redirects=False).status_code == 303  # signed out
    assert _login(client, ANA, CHOSEN).status_code == 401  # the old password is gone
    page = _login(client, ANA, again.password)
    assert _choose(client, page.text, CHOSEN + " 2").status_code == 303
    users.disable_user(rt, ANA, actor="cli")
    assert client.get("/", follow_redirects=False).status_code == 303
    assert _login(client, ANA, CHOSEN + " 2").status_code == 401
    with transaction(rt.engine) as s:
        assert all(row.revoked_at is not None for row in s.scalars(select(UiSession)))
        actions = list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions == ["user.created", "user.password_changed", "user.password_reset",
                       "user.password_changed", "user.disabled"]
