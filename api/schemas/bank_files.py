"""The bank file registry (ingest.views.bank_file_json) and an upload's outcome
(ingest.service.IngestResult.as_json)."""

from __future__ import annotations

from pydantic import Field

from api.schemas import Page, Shape, Timestamp


class BankFile(Shape):
    """A file as received: kept byte for byte, known by its SHA-256."""

    id: int
    name: str
    sha256: str
    source: str = Field(description="cli | api | inbox | sftp | demo")
    format: str | None = Field(description="null until recognised (or if rejected)")
    status: str = Field(description="received | parsed | rejected")
    size_bytes: int
    received_at: Timestamp
    processed_at: Timestamp | None
    statements: int
    entries_new: int
    entries_duplicate: int
    transactions: int
    error: str | None
    warnings: list[str]


class BankFilePage(Page[BankFile]):
    """Newest first."""


class IngestResult(Shape):
    """What an upload did: 201 stored, 200 a duplicate (nothing done), 422 rejected."""

    file: str
    format: str | None
    status: str = Field(description="parsed | duplicate | rejected")
    file_id: int | None
    sha256: str | None
    statements: int
    transactions: int
    entries_new: int
    entries_duplicate: int
    applied: int
    review: int
    advices: int = Field(0, description="remittance advices stored (x12.820, advice.csv)")
    error: str | None
    duplicate_of: int | None = Field(description="the file with the same bytes")
    duplicate_of_status: str | None
    hint: str | None = Field(None, description="what to do next, e.g. how to parse a rejected copy again")
    warnings: list[str]
