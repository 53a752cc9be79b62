"""The workbench sign-in lock-out is counted in the database: failures on any instance of the
service count towards one limit, a restart forgets nothing, a success clears the client."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from core.settings import Settings
from ledger.db import transaction
from ledger.models import LoginFailure
from ledger.repositories import api_keys
from ledger.types import utc_now
from server.app import create_app
from workflows.runtime import Runtime, runtime
from workflows.sign_in import LoginLimiter


def _sign_in(client: TestClient, key: str) -> Any:
    form = client.get("/login")
    token = re.search(r'name="login_csrf" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    return client.post("/login", data={"api_key": key, "login_csrf": token},
                       follow_redirects=False)


def _instances(settings: Settings, n: int) -> list[Runtime]:
    """`n` instances of the service on one database, each with its own app and limiter."""
    limited = settings.model_copy(update={"login_max_failures": 3, "login_lockout_seconds": 60})
    return [runtime(limited) for _ in range(n)]


def _failures(rt: Runtime) -> int:
    with transaction(rt.engine) as s:
        return int(s.scalar(select(func.count()).select_from(LoginFailure)) or 0)


def test_failures_on_two_instances_add_up_to_one_lock_out(settings: Settings) -> None:
    a, b = _instances(settings, 2)
    with transaction(a.engine) as s:
        key = api_keys.create(s, name="reviewer", scopes=["treasury:review"],
                              secret=a.settings.secret_key)
    with TestClient(create_app(a)) as first, TestClient(create_app(b)) as second:
        assert first.app.state.ui_login_limiter is not second.app.state.ui_login_limiter  # type: ignore[attr-defined]
        assert _sign_in(first, "rmt_wrong-1").status_code == 401
        assert _sign_in(second, "rmt_wrong-2").status_code == 401
        assert _sign_in(first, "rmt_wrong-3").status_code == 401  # the third, on either
        for client in (first, second):
            locked = _sign_in(client, key)  # even the right key waits
            assert locked.status_code == 429, locked.text
            assert 0 < int(locked.headers["retry-after"]) <= 60
    assert _failures(a) == 3

    # A third instance started later (a restart, a new worker) knows of the lock-out.
    (c,) = _instances(settings, 1)
    with TestClient(create_app(c)) as third:
        assert _sign_in(third, key).status_code == 429
        # Once the failures are older than the window, the client may try again; a success
        # clears what is left.
        with transaction(c.engine) as s:
            s.execute(update(LoginFailure).values(failed_at=utc_now() - timedelta(seconds=61)))
        assert _sign_in(third, "rmt_wrong-4").status_code == 401
        assert _failures(c) == 1  # the expired ones are gone, the new one counts
        assert _sign_in(third, key).status_code == 303
    assert _failures(c) == 0


def test_the_lock_out_is_per_client_and_ends_when_the_window_passes(rt: Runtime) -> None:
    limiter = LoginLimiter(limit=2, window=60)
    now = utc_now()
    for _ in range(2):
        limiter.failed(rt.engine, "192.0.2.1", now=now)
    assert limiter.retry_after(rt.engine, "192.0.2.1", now=now) == 60
    assert limiter.retry_after(rt.engine, "192.0.2.1", now=now + timedelta(seconds=45)) == 15
    assert limiter.retry_after(rt.engine, "192.0.2.1", now=now + timedelta(seconds=60)) is None
    assert limiter.retry_after(rt.engine, "198.51.100.7", now=now) is None  # another client
    limiter.succeeded(rt.engine, "192.0.2.1")
    assert limiter.retry_after(rt.engine, "192.0.2.1", now=now) is None
