"""A person changes their own password at /account/password: the current one asked again, the
new one checked as at first sign-in, other sessions ended, this one kept, wrong current
passwords counted towards the lock-out, audited under their name. An API-key session has no
password. SQLite and PostgreSQL (`rt`)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ledger.db import transaction
from ledger.models import AuditEvent
from ledger.repositories import api_keys
from server.app import create_app
from tests.ui.test_people_sign_in import ANA, CHOSEN, _field, _login, _person
from tests.ui.test_ui_routes import _sign_in
from workflows.runtime import Runtime

NEW = "another long passphrase"


@pytest.fixture
def app(rt: Runtime):  # type: ignore[no-untyped-def]
    return create_app(rt)


def _change(client: TestClient, current: str, new: str, confirm: str | None = None) -> Any:
    page = client.get("/account/password")
    assert page.status_code == 200
    return client.post("/account/password", follow_redirects=False, data={
        "csrf_token": _field(page.text, "csrf_token"), "current": current, "password": new,
        "confirm": new if confirm is None else confirm})


def test_a_person_changes_their_password_and_their_other_sessions_end(app, rt) -> None:
    _person(rt, role="viewer")  # any role may: it is their own account
    with TestClient(app) as here, TestClient(app) as elsewhere:
        assert _login(here, ANA, CHOSEN).status_code == 303
        assert _login(elsewhere, ANA, CHOSEN).status_code == 303
        assert 'href="/account/password"' in here.get("/").text
        for current, new, confirm, why in (
            ("not it at all", NEW, None, "The current password is wrong."),
            (CHOSEN, NEW, NEW + "!", "The two new passwords differ."),
            (CHOSEN, "short", None, "at least 12 characters"),
            (CHOSEN, CHOSEN, None, "other than the current one"),
            (CHOSEN, ANA, None, "cannot be your e-mail address"),
        ):
            refused = _change(here, current, new, confirm)
            assert refused.status_code == 422 and why in refused.text, why
        done = _change(here, CHOSEN, NEW)
        assert done.status_code == 303 and done.headers["location"] == "/"
        assert "Password changed" in here.get("/").text  # this session stays
        assert elsewhere.get("/", follow_redirects=False).status_code == 303  # that one ended
        # A form without the session's token changes nothing.
        forged = here.post("/account/password", data={"csrf_token": "x", "current": NEW,
                                                      "password": NEW + " 2", "confirm": NEW + " 2"})
        assert forged.status_code == 403
    with TestClient(app) as fresh:
        assert _login(fresh, ANA, CHOSEN).status_code == 401
        assert _login(fresh, ANA, NEW).status_code == 303
    with transaction(rt.engine) as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "user.password_changed")
                          .order_by(AuditEvent.id.desc())).first()
        assert event is not None and event.actor.startswith(f"user:{ANA}")
        # `elsewhere`, and the one _person opened choosing the first password.
        assert (event.after or {}).get("other_sessions_ended") == 2


def test_wrong_current_passwords_lock_the_form_as_sign_in_does(app, rt) -> None:
    _person(rt)
    with TestClient(app) as client:
        assert _login(client, ANA, CHOSEN).status_code == 303
        for _ in range(10):
            assert _change(client, "wrong guess number", NEW).status_code == 422
        locked = _change(client, CHOSEN, NEW)  # even the right one, while locked
        assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    with TestClient(app) as other:
        assert _login(other, ANA, CHOSEN).status_code == 429  # the address is locked at /login too


def test_an_api_key_session_has_no_password(app, rt) -> None:
    with transaction(rt.engine) as s:
        key = api_keys.create(s, name="reviewer", scopes=["treasury:review"], secret=rt.settings.secret_key)
    with TestClient(app) as client:
        _sign_in(client, key)
        page = client.get("/account/password").text
        assert "data-api-key-session" in page and "data-password-form" not in page
        r = client.post("/account/password", data={"csrf_token": _field(page, "csrf_token"),
                                                   "current": "x", "password": NEW, "confirm": NEW})
        assert r.status_code == 409 and "data-api-key-session" in r.text
