"""Error answers as RFC 9457 problem details (`application/problem+json`).

    {"type": "about:blank", "title": "Conflict", "status": 409,
     "detail": "payment #12 was returned by the bank: a returned payment is final ..."}

`detail` is what remit's answers always carried (a sentence; for a 422 of request
validation, the list of field errors FastAPI gives), so clients that read `detail` keep
working; `type`, `title` and `status` are added.

The same module declares them in the OpenAPI document (models in api/schemas/problems.py):
every api/ router passes `responses=problems.SECURED` (401, 403 and 422, which every
operation with a key and parameters can answer) and each route adds what it can answer
besides, `responses=problems.declare(404, 409)`. `install` files the problem models under
`application/problem+json` (FastAPI would list them as `application/json`), adds 400 and
413 to every operation that takes a body (a malformed body, one over REMIT_MAX_UPLOAD_BYTES:
server/boundary.py), and drops the `null` FastAPI allows in optional parameters.
DEVELOPERS.md, "Every JSON route declares ...".
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

from api.schemas.problems import PROBLEM_MODELS, Problem, ValidationProblem
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


# -- declared in the OpenAPI document -----------------------------------------------------

DESCRIPTIONS = {
    400: "Malformed body: not JSON, not UTF-8, or a broken multipart form",
    401: "No API key, or an unknown or revoked one",
    403: "The key lacks the scope this operation needs",
    404: "No such resource",
    409: "Refused by the state of the book (nothing written)",
    413: "Body over REMIT_MAX_UPLOAD_BYTES: refused before it is read, nothing stored",
    422: "Bad input: the field errors of a request the schema refuses (`detail` a list), or "
    "a rule the schema cannot state (`detail` a sentence)",
}
_AUTHENTICATE = {
    "WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}}
}
Responses = dict[int | str, dict[str, Any]]


def declare(*codes: int | tuple[int, str]) -> Responses:
    """`responses=` for the problems a route can answer: `declare(404, (409, "already
    resolved"))`; each is a `Problem` (a 422 a `ValidationProblem`), described in general
    words unless the route says more."""
    found: Responses = {}
    for entry in codes:
        code, description = entry if isinstance(entry, tuple) else (entry, DESCRIPTIONS[entry])
        found[code] = {
            "model": ValidationProblem if code == 422 else Problem,
            "description": description,
        }
        if code == 401:
            found[code]["headers"] = _AUTHENTICATE
    return found


# Every api/ router: a key is needed (401 without one, 403 without the scope), and bad input
# is a 422 (every route with a key takes parameters, a body or both).
SECURED = declare(401, 403, 422)
# What the validation 422 of a route whose own 422 is a result (an upload, an upsert) adds
# beside it.
_REF = "#/components/schemas/"
VALIDATION_PROBLEM = {MEDIA_TYPE: {"schema": {"$ref": _REF + "ValidationProblem"}}}


def _document(spec: dict[str, Any]) -> dict[str, Any]:
    """The problem models under `application/problem+json`, and the body's own refusals
    (400, 413) on every operation that takes one."""
    names = {model.__name__ for model in PROBLEM_MODELS}
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for model in PROBLEM_MODELS:  # a route may name one only by $ref (VALIDATION_PROBLEM)
        if model.__name__ not in schemas:
            schema = model.model_json_schema(ref_template=_REF + "{model}")
            schemas.update(schema.pop("$defs", {}))
            schemas[model.__name__] = schema
    for operations in spec.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            if "requestBody" in operation:
                for code in ("400", "413"):
                    responses.setdefault(code, {
                        "description": DESCRIPTIONS[int(code)],
                        "content": {MEDIA_TYPE: {"schema": {"$ref": _REF + "Problem"}}},
                    })
            for answer in responses.values():
                content = answer.get("content", {})
                ref = content.get("application/json", {}).get("schema", {}).get("$ref", "")
                if ref.rpartition("/")[2] in names:
                    content[MEDIA_TYPE] = content.pop("application/json")
    return spec


def _parameters(spec: dict[str, Any]) -> dict[str, Any]:
    """A query, header or path parameter is absent or a string, never null: FastAPI writes an
    optional one (`str | None = None`) as `anyOf: [{...}, {"type": "null"}]`, which tells a
    client (and schemathesis) it may send the word "null". It is described by its own type,
    not required."""
    for operations in spec.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                branches = schema.get("anyOf", [])
                kept = [b for b in branches if b.get("type") != "null"]
                if len(kept) == 1 and len(branches) == 2:
                    del schema["anyOf"]
                    schema.update(kept[0])
    return spec


def install(app: FastAPI) -> None:
    """Answer request validation errors, HTTP errors and domain errors as problem details,
    quoting input safely; and say so in the app's OpenAPI document."""
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RemitError, _domain_error)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _parameters(_document(generate()))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented extension point
