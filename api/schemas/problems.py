"""Error bodies: RFC 9457 problem details (`application/problem+json`), as api/problems.py
writes them for every refusal — a domain error (NotFound 404, Conflict 409, Invalid 422), an
HTTP error (401/403 from api/auth.py, 404, 413 from server/boundary.py) or a request the
schema refuses (422).

`detail` keeps what remit's answers always carried: a sentence; for a 422 of request
validation, the list of field errors FastAPI gives (clients that read it keep working). So a
422 has two shapes under one schema, `ValidationProblem`: `detail` is a list of `FieldError`
when the request broke the schema (a missing field, a pattern, a date that is no date), a
sentence when a rule of the book the schema cannot state refused it (a date outside the
range a report covers, an unknown status, a schedule that does not add up).
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from api.schemas import Shape

ABOUT_BLANK = "about:blank"


class Problem(Shape):
    """An RFC 9457 problem: the HTTP status, its phrase, and what went wrong in words."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "type": ABOUT_BLANK,
                    "title": "Conflict",
                    "status": 409,
                    "detail": "payment #12 changed since you loaded it (version 3, now 4): "
                    "reload and try again",
                }
            ]
        },
    )

    type: str = Field(description='always "about:blank": the status says what kind of refusal')
    title: str = Field(description='the status phrase, e.g. "Not Found"')
    status: int = Field(description="the HTTP status code")
    detail: str = Field(description="what was refused and why, in one sentence")


class FieldError(Shape):
    """One value the request's schema refuses (FastAPI's own error, as given)."""

    type: str = Field(description="e.g. missing, string_pattern_mismatch, date_parsing")
    loc: list[str | int] = Field(description='where: ["body", "allocations", 0, "amount"], '
                                 '["query", "as_of"], ["path", "transaction_id"]')
    msg: str
    input: Any = Field(None, description="the value refused, as sent")
    ctx: dict[str, Any] | None = Field(None, description="the constraint, e.g. the pattern")


class ValidationProblem(Problem):
    """A 422: bad input. `detail` is the list of field errors for a request the schema
    refuses, or a sentence for a rule the schema cannot state."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "type": ABOUT_BLANK,
                    "title": "Unprocessable Entity",
                    "status": 422,
                    "detail": [
                        {
                            "type": "date_parsing",
                            "loc": ["query", "as_of"],
                            "msg": "Input should be a date written YYYY-MM-DD, e.g. 2026-12-31",
                            "input": "0",
                        }
                    ],
                },
                {
                    "type": ABOUT_BLANK,
                    "title": "Unprocessable Entity",
                    "status": 422,
                    "detail": "as_of must be between 1900-01-01 and 2999-12-31",
                },
            ]
        },
    )

    detail: str | list[FieldError] = Field(  # type: ignore[assignment]
        description="the field errors of a request the schema refuses; a sentence for a rule "
        "the schema cannot state"
    )


PROBLEM_MODELS = (Problem, ValidationProblem)
