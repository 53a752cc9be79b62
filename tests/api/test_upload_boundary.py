"""The service boundary (api/boundary.py): the key or session is checked before a request's
body is read, and bodies over REMIT_MAX_UPLOAD_BYTES are refused with 413.

The app is called as an ASGI server would call it, with a `receive` that counts the body
chunks the app pulls: "not read" is measured, not assumed.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from ledger.db import transaction
from ledger.models import BankFile
from ledger.repositories import api_keys
from server.app import create_app
from tests.factories import E, camt
from workflows.runtime import Runtime, runtime

CHUNK = 64 * 1024
LIMIT = 1024 * 1024  # REMIT_MAX_UPLOAD_BYTES in these tests
BOUNDARY = "remit-test-boundary"


class Sent:
    def __init__(self) -> None:
        self.status: int | None = None
        self.headers: dict[str, str] = {}
        self.body = b""
        self.chunks_read = 0

    @property
    def json(self) -> Any:
        return json.loads(self.body)


def _multipart(size: int, name: str = "big.xml") -> Iterator[bytes]:
    """A multipart upload of `size` bytes of file content, in CHUNK pieces."""
    yield (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/xml\r\n\r\n"
    ).encode()
    left = size
    while left > 0:
        yield b"x" * min(CHUNK, left)
        left -= CHUNK
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def _call(
    app: Any,
    method: str,
    path: str,
    chunks: Iterator[bytes],
    *,
    headers: dict[str, str],
    content_length: int | None = None,
) -> Sent:
    sent = Sent()
    pending = list(chunks)

    async def receive() -> dict[str, Any]:
        if not pending:
            return {"type": "http.request", "body": b"", "more_body": False}
        sent.chunks_read += 1
        body = pending.pop(0)
        return {"type": "http.request", "body": body, "more_body": bool(pending)}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            sent.status = message["status"]
            sent.headers = {k.decode().lower(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            sent.body += message.get("body", b"")

    all_headers = {"host": "testserver", **headers}
    if content_length is not None:
        all_headers["content-length"] = str(content_length)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in all_headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))
    return sent


@pytest.fixture
def small(settings: Any) -> Runtime:
    return runtime(settings.model_copy(update={"max_upload_bytes": LIMIT}))


def _keys(rt: Runtime) -> dict[str, str]:
    with transaction(rt.engine) as s:
        return {
            scope: api_keys.create(s, name=scope, scopes=[scope], secret=rt.settings.secret_key)
            for scope in ("treasury:review", "ar:read", "ar:write")
        }


def _files(rt: Runtime) -> int:
    with transaction(rt.engine) as s:
        return int(s.scalar(select(func.count()).select_from(BankFile)) or 0)


MULTIPART = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}


def test_an_anonymous_multi_megabyte_upload_is_refused_unread(small: Runtime) -> None:
    app = create_app(small)
    size = 8 * LIMIT  # also over the limit: the key is checked first, and says nothing of it
    for headers in ({}, {"authorization": "Bearer rmt_not-a-key"}, {"authorization": "Basic x"}):
        sent = _call(app, "POST", "/api/v1/bank-files", _multipart(size),
                     headers={**MULTIPART, **headers}, content_length=size + 300)
        assert sent.status == 401, sent.body
        assert sent.headers["www-authenticate"] == "Bearer"
        assert sent.chunks_read == 0  # not a byte of the body was pulled, so none was spooled
    # Chunked (no Content-Length) the same.
    sent = _call(app, "POST", "/api/v1/bank-files", _multipart(size), headers=MULTIPART)
    assert (sent.status, sent.chunks_read) == (401, 0)
    assert _files(small) == 0


def test_a_key_without_the_scope_is_refused_unread(small: Runtime) -> None:
    keys = _keys(small)
    sent = _call(create_app(small), "POST", "/api/v1/bank-files", _multipart(3 * LIMIT),
                 headers={**MULTIPART, "authorization": f"Bearer {keys['ar:read']}"})
    assert (sent.status, sent.chunks_read) == (403, 0)
    assert "treasury:review" in sent.json["detail"]


def test_an_oversized_upload_is_413_by_its_content_length_before_reading(small: Runtime) -> None:
    keys = _keys(small)
    size = 2 * LIMIT
    sent = _call(create_app(small), "POST", "/api/v1/bank-files", _multipart(size),
                 headers={**MULTIPART, "authorization": f"Bearer {keys['treasury:review']}"},
                 content_length=size + 300)
    assert (sent.status, sent.chunks_read) == (413, 0)
    assert str(LIMIT) in sent.json["detail"] and "REMIT_MAX_UPLOAD_BYTES" in sent.json["detail"]
    assert _files(small) == 0


def test_a_chunked_upload_is_cut_off_once_it_passes_the_limit(small: Runtime) -> None:
    keys = _keys(small)
    sent = _call(create_app(small), "POST", "/api/v1/bank-files", _multipart(10 * LIMIT),
                 headers={**MULTIPART, "authorization": f"Bearer {keys['treasury:review']}"})
    assert sent.status == 413, sent.body
    assert "REMIT_MAX_UPLOAD_BYTES" in sent.json["detail"]
    # Reading stopped at the limit: the first chunk over it, not the 10 MiB behind it.
    assert sent.chunks_read <= LIMIT // CHUNK + 2
    assert _files(small) == 0


def test_an_upload_within_the_limit_is_ingested(small: Runtime) -> None:
    keys = _keys(small)
    data = camt("053", [E("12.50", ref="R1")])
    with TestClient(create_app(small)) as client:
        r = client.post("/api/v1/bank-files", files={"file": ("ok.xml", data)},
                        headers={"Authorization": f"Bearer {keys['treasury:review']}"})
    assert r.status_code == 201, r.text
    assert _files(small) == 1


def test_json_bodies_obey_the_same_rules(small: Runtime) -> None:
    keys = _keys(small)
    app = create_app(small)
    row = {"invoice_number": "INV-1", "customer_id": "C1", "customer_name": "Contoso",
           "currency": "EUR", "amount": "10.00", "issue_date": "2026-11-01"}
    body = json.dumps({"invoices": [row] * 9000}).encode()  # ~1.2 MB
    assert len(body) > LIMIT
    pieces = [body[i : i + CHUNK] for i in range(0, len(body), CHUNK)]
    json_headers = {"content-type": "application/json"}
    sent = _call(app, "POST", "/api/v1/invoices", iter(pieces), headers=json_headers,
                 content_length=len(body))
    assert (sent.status, sent.chunks_read) == (401, 0)
    auth = {**json_headers, "authorization": f"Bearer {keys['ar:write']}"}
    sent = _call(app, "POST", "/api/v1/invoices", iter(pieces), headers=auth,
                 content_length=len(body))
    assert (sent.status, sent.chunks_read) == (413, 0)
    sent = _call(app, "POST", "/api/v1/invoices", iter(pieces), headers=auth)
    assert sent.status == 413 and sent.chunks_read <= LIMIT // CHUNK + 2


def test_workbench_posts_need_a_session_before_their_form_is_read(small: Runtime) -> None:
    app = create_app(small)
    form = {"content-type": "application/x-www-form-urlencoded"}
    sent = _call(app, "POST", "/exceptions/1/dismiss", iter([b"reason=x&" * 50_000]),
                 headers=form)
    assert (sent.status, sent.chunks_read) == (401, 0)
    assert b"Sign in again" in sent.body  # the workbench's own page, not an API error
    # The sign-in form is open to anyone, so it takes a small body only.
    sent = _call(app, "POST", "/login", iter([b"api_key=" + b"k" * 100_000]), headers=form,
                 content_length=100_008)
    assert (sent.status, sent.chunks_read) == (413, 0)


def test_requests_without_a_body_and_unknown_routes_are_untouched(small: Runtime) -> None:
    app = create_app(small)
    assert _call(app, "GET", "/healthz", iter([]), headers={}).status == 200
    sent = _call(app, "POST", "/api/v1/no-such-route", iter([b"x" * CHUNK] * 40), headers={})
    assert (sent.status, sent.chunks_read) == (404, 0)
