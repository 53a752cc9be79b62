"""api/problems.py: one handler answers every domain error with the HTTP meaning it carries,
as an RFC 9457 problem; a RemitError that means a fault (500) is logged, not shown."""

from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api import problems
from core.errors import Conflict, Invalid, NotFound, RemitError
from core.money import AmountError
from reconcile.apply import StaleVersion


class _Fault(RemitError):
    pass


def _app(error: Exception) -> FastAPI:
    app = FastAPI()
    problems.install(app)

    @app.get("/refuse")
    def refuse() -> None:
        raise error

    return app


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (NotFound("no payment #7"), 404),
        (Conflict("invoice INV-1 is already paid"), 409),
        (StaleVersion("payment #7 changed since version 2"), 409),
        (Invalid("unknown reason 'x'"), 422),
        (AmountError("3 decimals for EUR"), 422),
    ],
)
def test_a_domain_error_is_answered_with_its_own_status_and_words(
    error: Exception, status: int
) -> None:
    with TestClient(_app(error)) as client:
        answer = client.get("/refuse")
    assert answer.status_code == status
    assert answer.headers["content-type"] == problems.MEDIA_TYPE
    assert answer.json()["status"] == status
    assert answer.json()["detail"] == str(error)


def test_a_fault_is_logged_with_its_traceback_and_not_shown(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="remit.api"):
        with TestClient(_app(_Fault("the secret key file is unreadable"))) as client:
            answer = client.get("/refuse")
    assert answer.status_code == 500
    assert answer.json()["detail"] == "Internal Server Error"
    assert "secret" not in answer.text
    assert any(r.exc_info and "secret key" in str(r.exc_info[1]) for r in caplog.records)
