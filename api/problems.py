"""Error answers as RFC 9457 problem details (`application/problem+json`).

    {"type": "about:blank", "title": "Conflict", "status": 409,
     "detail": "payment #12 was returned by the bank: a returned payment is final ..."}

`detail` is what remit's answers always carried (a sentence; for a 422 of request
validation, the list of field errors FastAPI gives), so clients that read `detail` keep
working; `type`, `title` and `status` are added.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi.responses import JSONResponse

MEDIA_TYPE = "application/problem+json"


def problem(status: int, detail: Any, headers: dict[str, str] | None = None) -> JSONResponse:
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return JSONResponse(body, status_code=status, headers=headers, media_type=MEDIA_TYPE)
