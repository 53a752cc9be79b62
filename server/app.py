"""The FastAPI application: the REST API (api/) under /api/v1, the workbench, /healthz and
the scheduler's lifetime. It lives in server/, above api/ and the workbench it mounts."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

import ui
from api import (
    ar_metrics,
    audit_events,
    bank_checks,
    bank_files,
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
)
from api import plans as payment_plans
from server import boundary
from workflows.runtime import Runtime


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

    app = FastAPI(title="remit", version="0.1.0", lifespan=lifespan)
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
    app.include_router(mandates.router)
    app.include_router(payments.router)
    app.include_router(audit_events.router)
    app.include_router(ar_metrics.router)
    app.include_router(reports.router)
    app.include_router(disputes.router)
    app.include_router(fees.router)
    app.include_router(payment_plans.router)
    app.include_router(dunning.router)

    @app.get("/healthz", tags=["health"])
    def healthz() -> JSONResponse:
        # Liveness for load balancers and the Docker HEALTHCHECK: 503 while the database is away.
        try:
            with rt.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok"})

    ui.install(app)  # the exception workbench at / (pages, /static, sign-in handling)
    return app


def app_from_environment() -> FastAPI:
    """The app of one HTTP process of `remit serve --workers N` (uvicorn builds one per
    process): settings from the environment, no scheduler (`remit worker` runs the jobs)."""
    from core.settings import get_settings
    from workflows.runtime import runtime

    return create_app(runtime(get_settings()), start_scheduler=False)
