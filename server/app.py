"""The FastAPI application: the REST API (api/) under /api/v1, the workbench, /healthz and
the scheduler's lifetime. It lives in server/, above api/ and the workbench it mounts."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi_offline import FastAPIOffline
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

import ui
from api import (
    advices,
    ar_metrics,
    audit_events,
    bank_checks,
    bank_files,
    customers,
    disputes,
    dunning,
    exceptions,
    fees,
    invoice_events,
    invoices,
    mandates,
    metrics,
    payments,
    problems,
    reports,
    users,
)
from api import plans as payment_plans
from api.schemas import answer
from api.schemas.health import Health
from core.errors import RemitError
from server import boundary
from web.access import DOCS_STATIC_PATH, PUBLIC_PATHS
from workflows.runtime import Runtime


API_PREFIX = "/api/"
SERVICE_PATHS = ("/metrics",)  # keyed like the API (Prometheus scrapes it), answers like it


def create_app(rt: Runtime, *, start_scheduler: bool = False) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Everything loaded so far lives as long as the process: freeze it out of the cyclic
        # GC, whose full collections otherwise walk it all and stall every request in flight.
        gc.collect()
        gc.freeze()
        scheduler = None
        if start_scheduler:
            from workflows.jobs import start_service_scheduler

            # The same jobs as `remit worker` (workflows/jobs.py).
            scheduler = start_service_scheduler(rt)
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=True)

    # /docs and /redoc load their assets from DOCS_STATIC_PATH, not a CDN: an air-gapped
    # treasury network still gets its API documentation.
    # Swagger UI's validator badge would post the schema's URL to validator.swagger.io: off.
    app = FastAPIOffline(
        title="remit", version="0.1.0", lifespan=lifespan, static_url=DOCS_STATIC_PATH,
        swagger_ui_parameters={"validatorUrl": None},
    )
    app.state.runtime = rt
    # Key or session checked before a body is read, bodies over REMIT_MAX_UPLOAD_BYTES 413
    # (server/boundary.py); added first, so the metrics middleware outside it counts its refusals.
    boundary.install(app)
    problems.install(app)  # 422s, HTTP errors and domain errors as RFC 9457 problems
    metrics.install(app, rt)  # per-app registry + request metrics middleware
    app.include_router(bank_files.router)
    app.include_router(bank_checks.router)
    app.include_router(exceptions.router)
    app.include_router(invoice_events.router)
    app.include_router(metrics.router)
    app.include_router(invoices.router)
    app.include_router(customers.router)
    app.include_router(mandates.router)
    app.include_router(payments.router)
    app.include_router(advices.router)
    app.include_router(audit_events.router)
    app.include_router(ar_metrics.router)
    app.include_router(reports.router)
    app.include_router(disputes.router)
    app.include_router(fees.router)
    app.include_router(payment_plans.router)
    app.include_router(dunning.router)
    app.include_router(users.router)

    @app.get(
        "/healthz",
        tags=["health"],
        response_model=answer(Health),
        responses={503: {"model": Health, "description": "The database is unreachable"}},
    )
    def healthz() -> JSONResponse:
        # Liveness for load balancers and the Docker HEALTHCHECK: 503 while the database is away.
        try:
            with rt.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok"})

    ui.install(app)  # the exception workbench at / (pages, /static, sign-in handling)
    _errors_by_prefix(app)
    return app


def _api_path(path: str) -> bool:
    """The API's and the service's own paths answer problems (JSON); the rest is the workbench's."""
    return (path.startswith(API_PREFIX) or path == API_PREFIX.rstrip("/") or path in PUBLIC_PATHS
            or path in SERVICE_PATHS)


def _errors_by_prefix(app: FastAPI) -> None:
    """HTTP errors, request validation errors and refusals of the book: problem details under
    /api (problems.install), the workbench's HTML error page, keeping the message, elsewhere
    (an unknown path under the workbench is a page, not JSON)."""
    api_handlers = {kind: app.exception_handlers[kind]
                    for kind in (StarletteHTTPException, RequestValidationError, RemitError)}

    async def by_prefix(request: Request, exc: Exception) -> Response:
        if _api_path(request.url.path):
            return await api_handlers[_kind(exc)](request, exc)
        if isinstance(exc, StarletteHTTPException):
            if exc.status_code in (204, 304):
                return await api_handlers[StarletteHTTPException](request, exc)
            return ui.error_page(request, exc.status_code, exc.detail, dict(exc.headers or {}))
        if isinstance(exc, RequestValidationError):
            return ui.error_page(request, 422, exc.errors())
        assert isinstance(exc, RemitError)
        if exc.status_code >= 500:
            return await api_handlers[RemitError](request, exc)  # logged, never detailed
        return ui.error_page(request, exc.status_code, str(exc))

    for kind in api_handlers:
        app.add_exception_handler(kind, by_prefix)


def _kind(exc: Exception) -> type[Exception]:
    if isinstance(exc, RequestValidationError):
        return RequestValidationError
    if isinstance(exc, RemitError):
        return RemitError
    return StarletteHTTPException


def app_from_environment() -> FastAPI:
    """The app of one HTTP process of `remit serve --workers N` (uvicorn builds one per
    process): settings from the environment, no scheduler (`remit worker` runs the jobs)."""
    from core.settings import get_settings
    from workflows.runtime import runtime

    return create_app(runtime(get_settings()), start_scheduler=False)
