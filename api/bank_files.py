"""/api/v1/bank-files: upload (ingest), list, get. Thin: the ingestor owns the transactions."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request, UploadFile, status
from fastapi.responses import JSONResponse

from api import paging
from api.auth import TreasuryReview
from api.pipeline import ingest_stream
from ingest.views import bank_file_json
from ledger.db import transaction
from ledger.repositories import bank_files

router = APIRouter(prefix="/api/v1/bank-files", tags=["bank-files"])


@router.post("", status_code=status.HTTP_201_CREATED)
def upload(request: Request, file: UploadFile, principal: TreasuryReview) -> JSONResponse:
    """Ingest an uploaded bank file. 201 stored, 200 duplicate (nothing done), 422 rejected."""
    result = ingest_stream(
        request.app.state.runtime, file.file, name=file.filename or "upload", source="api", actor=principal.actor
    )
    code = {"parsed": 201, "duplicate": 200}.get(result.status, 422)
    return JSONResponse(result.as_json(), status_code=code)


@router.get("")
def list_files(
    request: Request,
    principal: TreasuryReview,
    status: Literal["received", "parsed", "rejected"] | None = None,
    limit: paging.Limit = 100,
    after: paging.Cursor = None,
) -> dict[str, Any]:
    """Newest first, `{"items", "next"}`; pass `next` as `after` for the following page."""
    with transaction(request.app.state.runtime.engine) as session:
        rows = bank_files.list_files(session, status=status, limit=limit + 1, before_id=after)
        return paging.page([bank_file_json(f) for f in rows], limit, "id")


@router.get("/{file_id}")
def get_file(request: Request, file_id: paging.RowId, principal: TreasuryReview) -> dict[str, Any]:
    with transaction(request.app.state.runtime.engine) as session:
        found = bank_files.get(session, file_id)
        if found is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no bank file #{file_id}")
        return bank_file_json(found)
