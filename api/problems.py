"""Error answers as RFC 9457 problem details (`application/problem+json`).

    {"type": "about:blank", "title": "Conflict", "status": 409,
     "detail": "payment #12 was returned by the bank: a returned payment is final ..."}

`detail` is what remit's answers always carried (a sentence; for a 422 of request
validation, the list of field errors FastAPI gives), so clients that read `detail` keep
working; `type`, `title` and `status` are added.
"""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from core.errors import RemitError

MEDIA_TYPE = "application/problem+json"
_log = logging.getLogger("remit.api")


def problem(status: int, detail: Any, headers: dict[str, str] | None = None) -> JSONResponse:
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return JSONResponse(body, status_code=status, headers=headers, media_type=MEDIA_TYPE)


_SURROGATE = re.compile("[\ud800-\udfff]")


def printable(value: Any) -> Any:
    """`value` with unpaired surrogates (valid in a JSON string escape, not in UTF-8) shown
    as U+FFFD: an error that quotes the input must not fail to encode into a 500."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {printable(k): printable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [printable(v) for v in value]
    return value


async def _invalid_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)  # registered for it only
    return problem(422, printable(jsonable_encoder(exc.errors())))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)  # registered for it only
    if exc.status_code in (204, 304):  # no body allowed
        return await http_exception_handler(request, exc)
    return problem(exc.status_code, printable(exc.detail), dict(exc.headers or {}) or None)


async def _domain_error(request: Request, exc: Exception) -> Response:
    """The one place a refusal of the domain becomes an answer: each RemitError carries its
    HTTP meaning (`status_code`: 404 not found, 409 conflict with the book, 422 bad input),
    as polar's PolarError does, so routes raise it and never map errors by hand."""
    assert isinstance(exc, RemitError)  # registered for it only
    if exc.status_code >= 500:
        # Not a refusal but a fault: logged with its traceback, and the caller told no more
        # than for any other internal error.
        _log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
        return problem(exc.status_code, HTTPStatus(exc.status_code).phrase)
    return problem(exc.status_code, printable(str(exc)))


def install(app: FastAPI) -> None:
    """Answer request validation errors, HTTP errors and domain errors as problem details,
    quoting input safely."""
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RemitError, _domain_error)
