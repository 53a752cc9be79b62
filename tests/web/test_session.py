"""web.session.DbSession: a request is one unit of work — committed when the route returns,
rolled back when it raises (a domain error answered as its problem), and a commit that fails
is an error for the caller, never a success for changes that were lost."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api import problems
from core.errors import Conflict
from ledger import audit
from ledger.models import AuditEvent
from web.session import DbSession


def _app(rt: Any) -> FastAPI:
    app = FastAPI()
    app.state.runtime = rt
    problems.install(app)

    @app.post("/write")
    def write(session: DbSession) -> dict[str, str]:
        audit.record(session, actor="test", action="probe", entity_type="probe", entity_id=1)
        return {"status": "written"}

    @app.post("/refuse")
    def refuse(session: DbSession) -> None:
        audit.record(session, actor="test", action="probe", entity_type="probe", entity_id=2)
        raise Conflict("refused after writing")

    return app


def _probes(rt: Any) -> list[str]:
    with Session(rt.engine) as session:
        rows = session.scalars(select(AuditEvent.entity_id).where(AuditEvent.action == "probe"))
        return sorted(rows)


def test_a_route_that_returns_commits(rt: Any) -> None:
    with TestClient(_app(rt)) as client:
        assert client.post("/write").json() == {"status": "written"}
    assert _probes(rt) == ["1"]


def test_a_route_that_raises_rolls_back_and_answers_the_errors_problem(rt: Any) -> None:
    with TestClient(_app(rt)) as client:
        answer = client.post("/refuse")
    assert answer.status_code == 409
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["detail"] == "refused after writing"
    assert _probes(rt) == []


def test_a_commit_that_fails_is_a_500_not_a_success(
    rt: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_commit(self: Any) -> None:
        raise RuntimeError("the database went away at commit")

    monkeypatch.setattr("sqlalchemy.orm.SessionTransaction.commit", broken_commit)
    with TestClient(_app(rt), raise_server_exceptions=False) as client:
        answer = client.post("/write")
    monkeypatch.undo()
    assert answer.status_code == 500
    with Session(rt.engine) as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0
