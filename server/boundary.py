"""The service boundary, in front of every route: who is calling is known before a request's
body is read, and no body is larger than REMIT_MAX_UPLOAD_BYTES.

FastAPI reads a request's body (and spools a multipart upload to disk) before it runs the
route's dependencies, so api/auth.py's scope check alone came after an anonymous caller had
already made the server store megabytes. This pure ASGI middleware hands the app a `receive`
that, when the app first asks for the body — the route is chosen by then (`scope["route"]`)
and nothing has been read — checks what the route needs: an API key with one of its scopes
(api.auth.RequireScope) or a workbench session (ui.security.UiAuth). A refusal (401/403)
is answered without reading a byte; a client that sent `Expect: 100-continue`, as curl does
for large uploads, is never even asked for the body. Then the size: a Content-Length over
the limit is 413 at once, and a chunked body is counted as it streams in and refused with
413 the moment it passes the limit. Routes open without a key (the sign-in form) take
small bodies only. A route that never reads its body is never delayed by any of this.

What is found is kept in the request's scope, so the route's own dependency (the second
line of defence, and the only one for routes without a body) does not look it up again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import problem
from web.access import PRINCIPAL_KEY, UI_USER_KEY

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Routes anyone may post to (the sign-in form: a key, a token, a path) take no more than this.
PUBLIC_BODY_LIMIT = 64 * 1024


def too_large_detail(limit: int) -> str:
    return f"request body over {limit} bytes (REMIT_MAX_UPLOAD_BYTES): refused, nothing stored"


@dataclass(frozen=True, slots=True)
class Needs:
    """What a route asks of its caller."""

    scopes: frozenset[str] | None = None  # an API key with one of these (admin implies all)
    session: bool = False  # a signed-in workbench session

    @property
    def public(self) -> bool:
        return self.scopes is None and not self.session


def _calls(dependant: Dependant) -> Iterator[Any]:
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from _calls(dependency)


def route_needs(route: Any) -> Needs:
    """The authentication `route` depends on (nothing for a mount or a plain route)."""
    from api.auth import RequireScope
    from ui.security import UiAuth

    if not isinstance(route, APIRoute):
        return Needs()
    scopes: set[str] = set()
    session = False
    for call in _calls(route.dependant):
        if isinstance(call, RequireScope):
            scopes |= call.scopes
        elif isinstance(call, UiAuth):
            session = True
    return Needs(frozenset(scopes) if scopes else None, session)


def _json(status: int, detail: str, headers: dict[str, str] | None = None) -> Response:
    return problem(status, detail, headers)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed one before we get here
    return None


class Refused(HTTPException):
    """Raised from `receive`: FastAPI re-raises an HTTPException met while reading a body,
    and the handler `install` registers sends the response it carries."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def _refused_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)  # registered for Refused only
    return exc.response


class BoundaryMiddleware:
    """See the module docstring. `limit(scope)` is REMIT_MAX_UPLOAD_BYTES of the app."""

    def __init__(self, app: ASGIApp, limit: Callable[[Scope], int]) -> None:
        self.app = app
        self.limit = limit
        self._needs: dict[int, Needs] = {}

    def _route_needs(self, route: Any) -> Needs:
        found = self._needs.get(id(route))
        if found is None:
            found = self._needs[id(route)] = route_needs(route)
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        checked: int | None = None  # the limit, once the caller has been checked
        seen = 0
        started = False

        async def guarded_receive() -> Message:
            nonlocal checked, seen
            if checked is None:
                checked = await self._admit(scope)  # raises Refused; nothing read yet
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > checked:
                    raise Refused(_json(413, too_large_detail(checked)))
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, guarded_receive, tracking_send)
        except Refused as refused:  # the body was read outside FastAPI's body handling
            if started:
                raise
            await refused.response(scope, receive, send)

    async def _admit(self, scope: Scope) -> int:
        """The body limit for this caller of this route, or Refused."""
        needs = self._route_needs(scope.get("route"))
        if needs.scopes is not None:
            await self._api_key(scope, needs.scopes)
        elif needs.session:
            await self._ui_session(scope)
        limit = self.limit(scope)
        if needs.public:
            limit = min(limit, PUBLIC_BODY_LIMIT)
        length = _content_length(scope)
        if length is not None and length > limit:
            raise Refused(_json(413, too_large_detail(limit)))
        return limit

    async def _api_key(self, scope: Scope, scopes: frozenset[str]) -> None:
        from api.auth import AuthRefused, principal_for

        try:
            scope[PRINCIPAL_KEY] = await run_in_threadpool(principal_for, Request(scope), scopes)
        except AuthRefused as refused:
            raise Refused(_json(refused.status, refused.detail, refused.headers)) from None

    async def _ui_session(self, scope: Scope) -> None:
        from ui.security import SignInProblem, require_user

        request = Request(scope)
        try:
            scope[UI_USER_KEY] = await run_in_threadpool(require_user, request)
        except SignInProblem as problem:
            # The page the workbench shows for it (ui/__init__.py's handlers).
            handler = scope["app"].exception_handlers[type(problem)]
            raise Refused(handler(request, problem)) from None


def install(app: FastAPI) -> None:
    """Add the middleware (REMIT_MAX_UPLOAD_BYTES from the app's runtime) and the handler of
    its refusals."""
    app.add_middleware(BoundaryMiddleware, limit=_upload_limit)
    app.add_exception_handler(Refused, _refused_handler)


def _upload_limit(scope: Scope) -> int:
    return int(scope["app"].state.runtime.settings.max_upload_bytes)
