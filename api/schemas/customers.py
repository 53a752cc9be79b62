"""Customers (workflows.customers.customer_json) and the import's outcome
(receivables.customer_import.CustomerImportResult.as_json)."""

from __future__ import annotations

from pydantic import Field

from api.schemas import Shape


class CustomerAccount(Shape):
    account: str = Field(description="normalized: IBAN, ABA:<routing>:<account>, ...")
    source: str = Field(description="imported | learned (from a reviewer's application)")


class Customer(Shape):
    customer_id: str
    name: str
    email: str | None
    phone: str | None
    segment: str | None
    parent_id: str | None
    accounts: list[CustomerAccount]


class LineError(Shape):
    """One bad value (a 422 lists them all; nothing is written)."""

    line: int = Field(description="the line of the file (the CSV header is line 1), or the "
                      "1-based position in a JSON list")
    column: str | None = Field(description="null for the line as a whole")
    value: str | None
    message: str


class CustomerImport(Shape):
    file: str
    format: str = Field(description="csv | jsonl | json")
    rows_read: int
    created: int
    updated: int
    unchanged: int
    accounts_added: int
    accounts_removed: int
    errors: list[LineError]
    warnings: list[str]


class CustomerImportRejected(CustomerImport):
    detail: str
