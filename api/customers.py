"""/api/v1/customers: the bulk import (ar:write) and one customer (ar:read).

`POST /api/v1/customers/import` is `remit customers import` over HTTP: the same parser
(receivables.customer_rows) and the same all-or-nothing import (workflows.customers, a unit
of work of its own: a rejection is an answer, 422 with every line's errors, and must still
roll back). The body by its Content-Type: `text/csv` (a header line), `application/x-ndjson`
(JSON Lines), or `application/json` (a list of objects, or {"customers": [...]}).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request, status
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api import problems
from api.auth import ArRead, ArWrite
from api.schemas import answer
from api.schemas import customers as schema
from receivables.customer_rows import BookFileError, CustomerFile, RowError, parse_customers, parse_records
from reconcile.invoice_files import column_key
from web import paging
from web.session import DbSession
from workflows.customers import get_customer, import_customer_file

router = APIRouter(prefix="/api/v1/customers", tags=["customers"], responses=problems.SECURED)

SOURCE = "api"
MAX_JSON_ROWS = 100_000
_ROW = {"type": "object", "additionalProperties": True,
        "properties": {k: {} for k in ("customer_id", "name", "email", "phone", "segment", "parent_id", "accounts")}}
BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": {"anyOf": [
            {"type": "array", "items": _ROW},
            {"type": "object", "properties": {"customers": {"type": "array", "items": _ROW}}},
        ]}},
        "text/csv": {"schema": {"type": "string"}},
        "application/x-ndjson": {"schema": {"type": "string"}},
    },
}


def _json_records(data: bytes) -> CustomerFile:
    try:
        doc = json.loads(data, parse_float=lambda s: s)
    except (ValueError, RecursionError) as error:
        raise BookFileError(f"not valid JSON: {error}") from None
    if isinstance(doc, dict) and "customers" in doc:
        doc = doc["customers"]
    if not isinstance(doc, list):
        raise BookFileError('expected a JSON list of customers, or {"customers": [...]}')
    if not doc:
        raise BookFileError("no customers in the request")
    if len(doc) > MAX_JSON_ROWS:
        raise BookFileError(f"more than {MAX_JSON_ROWS} customers: send them in batches")
    out = CustomerFile(format="json")

    def records() -> Any:
        for n, item in enumerate(doc, start=1):
            if not isinstance(item, dict):
                out.errors.append(RowError(n, None, json.dumps(item)[:200], "expected a JSON object"))
                continue
            yield n, {column_key(str(k)): v for k, v in item.items()}

    parse_records(records(), out)
    return out


@router.post(
    "/import",
    response_model=answer(schema.CustomerImport),
    responses={
        **problems.declare((415, "Not CSV, JSON Lines or JSON")),
        422: {
            "model": schema.CustomerImportRejected,
            "description": "Lines rejected, none written (`application/json`: every line's errors); "
            "or a request that cannot be read (`application/problem+json`)",
            "content": problems.VALIDATION_PROBLEM,
        },
    },
    openapi_extra={"requestBody": BODY},
)
async def import_customers(request: Request, principal: ArWrite) -> JSONResponse:
    """Upsert customers by customer_id (the columns of `remit customers import`): 200 with the
    created/updated/unchanged counts; 422 with every line's errors and nothing written."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    data = await request.body()
    try:
        if kind == "application/json":
            cfile = _json_records(data)
        elif kind in ("text/csv", "application/csv"):
            cfile = parse_customers(data, "request.csv", format="csv")
        elif kind in ("application/x-ndjson", "application/jsonl", "application/x-jsonlines"):
            cfile = parse_customers(data, "request.jsonl", format="jsonl")
        else:
            raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
                                "send text/csv, application/x-ndjson or application/json")
    except BookFileError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None
    rt = request.app.state.runtime
    result = await run_in_threadpool(import_customer_file, rt, cfile, file=SOURCE, actor=principal.actor)
    body = result.as_json()
    if result.errors:
        body = {"detail": f"{len({e.row for e in result.errors})} line(s) rejected, nothing imported: "
                "correct them and send the batch again", **body}
        return JSONResponse(body, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    return JSONResponse(body)


@router.get("/{customer_id}", response_model=answer(schema.Customer), responses=problems.declare(404))
def read_customer(
    session: DbSession,
    customer_id: Annotated[str, Path(min_length=1, max_length=64, pattern=paging.NO_NUL)],
    principal: ArRead,
) -> dict[str, Any]:
    """The customer with its e-mail, phone, segment, parent and accounts (imported, learned)."""
    found = get_customer(session, customer_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no customer {customer_id!r}")
    return found
