"""The FastAPI application: REST API under /api/v1, /healthz, and the scheduler's lifetime."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timezone

from fastapi import FastAPI
from sqlalchemy import text

from api import bank_files, exceptions
from api.runtime import Runtime


def create_app(rt: Runtime, *, start_scheduler: bool = False) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        scheduler = None
        if start_scheduler:
            from ingest.jobs import build_scheduler

            from api.pipeline import ingest_path

            scheduler = build_scheduler(
                lambda path: ingest_path(rt, path, source="inbox", actor="inbox"),
                inbox=rt.settings.inbox_dir,
                poll_seconds=rt.settings.inbox_poll_seconds,
            )
            if rt.settings.sftp_connections_file is not None:
                from ingest.sftp import load_connections, schedule_polls

                schedule_polls(
                    scheduler,
                    load_connections(rt.settings.sftp_connections_file),
                    lambda path: ingest_path(rt, path, source="sftp", actor="sftp"),
                    engine=rt.engine,
                    workdir=rt.settings.sftp_workdir,
                )
            scheduler.start()
            if rt.settings.inbox_dir is not None:
                scheduler.modify_job("inbox", next_run_time=datetime.now(timezone.utc))
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=True)

    app = FastAPI(title="remit", version="0.1.0", lifespan=lifespan)
    app.state.runtime = rt
    app.include_router(bank_files.router)
    app.include_router(exceptions.router)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        with rt.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok", "database": "ok"}

    return app
