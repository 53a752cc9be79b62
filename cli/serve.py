"""`remit serve`, `remit worker` and `remit demo`: the service (API + UI + scheduled jobs), the
scheduled jobs alone, and the demo on the embedded default. Top-level
commands: cli/main.py adds them to the root app."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from cli.common import fail, load_settings, opening_database, runtime

app = typer.Typer()


@app.command()
def demo(
    database: Annotated[Optional[Path], typer.Option(
        help="SQLite file to (re)create; default: the one REMIT_DATABASE_URL names (remit.db here), "
             "which every later `remit` command in this folder uses")] = None,
    serve: Annotated[bool, typer.Option("--serve", help="then start the web UI on it")] = False,
    port: Annotated[int, typer.Option()] = 8000,
) -> None:
    """The main job on the embedded default: fresh SQLite, the sample bank files, a summary."""
    from core.errors import RemitError
    from workflows.demo import run_demo

    settings = load_settings()
    try:
        with opening_database(f"sqlite:///{database}" if database else settings.database_url):
            rt, _ = run_demo(database, settings=settings)
    except RemitError as error:
        fail(f"demo not run: {error}")
    if serve:
        from workflows.keys import create_key

        # A fresh demo database has no keys: make a reviewer's key to sign in to the workbench.
        _, key = create_key(rt, name="demo", scopes=["ar:read", "treasury:review"], actor="demo")
        print(f"workbench: http://127.0.0.1:{port}/ — sign in with the demo reviewer key: {key}")
        _serve(host="127.0.0.1", port=port, rt=rt)


@app.command()
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    workers: Annotated[int, typer.Option(
        min=1, max=64, help="HTTP processes; above 1 the scheduled jobs run in `remit worker`")] = 1,
) -> None:
    """API + UI + scheduled jobs (inbox, SFTP, webhooks, fees, reminders, plans)."""
    if workers == 1:
        _serve(host=host, port=port)
        return
    import uvicorn

    runtime()  # settings checked and the database migrated once, before the processes fork
    print(f"remit serve: {workers} HTTP processes, no scheduled jobs here: run `remit worker` "
          "beside them", flush=True)
    uvicorn.run("server.app:app_from_environment", factory=True, host=host, port=port,
                workers=workers, log_level="info")


def _serve(*, host: str, port: int, rt: Any = None) -> None:
    import uvicorn

    from server.app import create_app

    rt = rt or runtime()
    uvicorn.run(create_app(rt, start_scheduler=True), host=host, port=port, log_level="info")


@app.command()
def worker() -> None:
    """The scheduled jobs without the HTTP server (inbox and SFTP polls, webhook delivery),
    the same as `remit serve` runs; migrates first; runs until SIGINT or SIGTERM."""
    import logging
    import signal
    import threading

    from ingest.sftp import SftpConfigError
    from workflows.jobs import describe_jobs, start_service_scheduler

    rt = runtime()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # not a line per run
    stop = threading.Event()

    def _stop(signum: int, _frame: Any) -> None:
        print(
            f"remit worker: {signal.Signals(signum).name}, stopping after the running jobs",
            flush=True,
        )
        stop.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        scheduler = start_service_scheduler(rt)
    except SftpConfigError as error:
        fail(f"refusing to start: {error}")
    jobs = describe_jobs(scheduler)
    if not jobs:
        scheduler.shutdown(wait=False)
        fail(
            "nothing to schedule: set REMIT_INBOX_DIR, REMIT_SFTP_CONNECTIONS_FILE or "
            "REMIT_WEBHOOK_URL",
            code=1,
        )
    print(f"remit worker: {len(jobs)} job(s) scheduled", flush=True)
    for line in jobs:
        print(f"  {line}", flush=True)
    try:
        while not stop.wait(0.5):  # a timed wait: signal handlers run between waits
            pass
    finally:
        scheduler.shutdown(wait=True)
    print("remit worker: stopped", flush=True)
