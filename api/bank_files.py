"""/api/v1/bank-files: upload (ingest), list, get. Thin: an upload goes through the pipeline
(workflows.pipeline, which owns its transactions); list and get read the request's session."""

from __future__ import annotations

import unicodedata
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request, UploadFile, status
from fastapi.responses import JSONResponse

from api import problems
from api.auth import TreasuryReview
from api.schemas import answer, link, links
from api.schemas import bank_files as schema
from ingest.views import bank_file_json
from ledger.models import BankFile
from ledger.repositories import bank_files
from web import paging
from web.session import DbSession
from workflows.pipeline import ingest_stream, reprocess

router = APIRouter(prefix="/api/v1/bank-files", tags=["bank-files"], responses=problems.SECURED)


# A received file's name is only what people see (the archive keys the bytes by SHA-256):
# characters that cannot be stored or that disguise a name are shown as "_".
_HIDDEN = {0x200E, 0x200F, 0x061C, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}  # bidi
NAME_TAIL = 64  # of a name too long to keep whole: the end, where the date and type are


def display_name(raw: str | None) -> str:
    """The name an uploaded bank file is registered under: the client's own, unless it cannot
    be stored as is. A bank's file is never refused for its name: control characters (NUL
    included, which PostgreSQL cannot store), unpaired surrogates and bidi overrides become
    "_", and a name longer than the column keeps its start and its end around an ellipsis."""
    name = "".join(
        "_" if unicodedata.category(c) in ("Cc", "Cs") or ord(c) in _HIDDEN else c
        for c in (raw or "")
    ).strip()
    limit = paging.column_length(BankFile.name)
    if len(name) > limit:
        name = name[: limit - NAME_TAIL - 1] + "\u2026" + name[-NAME_TAIL:]
    return name or "upload"


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=answer(schema.IngestResult),
    responses={
        201: links(
            GetBankFile=link("/api/v1/bank-files/{file_id}", "The file as registered",
                             file_id="$response.body#/file_id"),
        ),
        200: {"model": schema.IngestResult, "description": "A duplicate: nothing done"},
        422: {
            "model": schema.IngestResult,
            "description": "Rejected: `error` says why (`application/json`, the file is kept); "
            "or a request the schema refuses (`application/problem+json`)",
            "content": problems.VALIDATION_PROBLEM,
        },
    },
)
def upload(request: Request, file: UploadFile, principal: TreasuryReview) -> JSONResponse:
    """Ingest an uploaded bank file. 201 stored, 200 duplicate (nothing done), 422 rejected.
    The key is checked before the body is read, and a body over REMIT_MAX_UPLOAD_BYTES is
    refused with 413 (server/boundary.py). The file's name is stored as `display_name` makes it."""
    result = ingest_stream(
        request.app.state.runtime,
        file.file,
        name=display_name(file.filename),
        source="api",
        actor=principal.actor,
    )
    code = {"parsed": 201, "duplicate": 200}.get(result.status, 422)
    return JSONResponse(result.as_json(), status_code=code)


@router.get("", response_model=answer(schema.BankFilePage))
def list_files(
    session: DbSession,
    principal: TreasuryReview,
    status: Literal["received", "parsed", "rejected"] | None = None,
    limit: paging.Limit = 100,
    after: paging.Cursor = None,
) -> dict[str, Any]:
    """Newest first, `{"items", "next"}`; pass `next` as `after` for the following page."""
    rows = bank_files.list_files(session, status=status, limit=limit + 1, before_id=after)
    return paging.page([bank_file_json(f) for f in rows], limit, "id")


@router.get(
    "/{file_id}", response_model=answer(schema.BankFile), responses=problems.declare(404)
)
def get_file(
    session: DbSession, file_id: paging.RowId, principal: TreasuryReview
) -> dict[str, Any]:
    found = bank_files.get(session, file_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no bank file #{file_id}")
    return bank_file_json(found)


@router.post(
    "/{file_id}/reprocess",
    response_model=answer(schema.IngestResult),
    responses={
        200: {"model": schema.IngestResult, "description": "Parsed now, or already parsed (a duplicate: nothing done)"},
        422: {
            "model": schema.IngestResult,
            "description": "Rejected again: `error` says why (`application/json`); or a request "
            "the schema refuses (`application/problem+json`)",
            "content": problems.VALIDATION_PROBLEM,
        },
        **problems.declare(404),
    },
)
def reprocess_file(request: Request, file_id: paging.RowId, principal: TreasuryReview) -> JSONResponse:
    """Parse a rejected file again from the archive, byte for byte (after an upgrade), then
    match. A parsed file is not parsed twice: the answer is a duplicate of itself."""
    result = reprocess(request.app.state.runtime, file_id, actor=principal.actor)
    if result is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no bank file #{file_id}")
    return JSONResponse(result.as_json(), status_code=422 if result.status == "rejected" else 200)
