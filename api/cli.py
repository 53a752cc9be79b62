"""The `remit` command (DESIGN.md §6). Thin: parse arguments, call a service, print."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False, help="remit: bank files to cash applied.")
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
app.add_typer(db_app, name="db")

EXIT_REJECTED = 2
PROGRESS_MIN_BYTES = 2 * 1024 * 1024


def _fail(message: str, code: int = EXIT_REJECTED) -> None:
    print(f"remit: {message}", file=sys.stderr)
    raise typer.Exit(code)


def _print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


@app.command()
def parse(
    file: Annotated[Path, typer.Argument(help="bank file to parse", exists=True, dir_okay=False)],
    format: Annotated[Optional[str], typer.Option("--format", help="skip detection: camt.053, ach, bai2, ...")] = None,
    validate: Annotated[bool, typer.Option("--validate", help="also validate camt against the bundled XSD")] = False,
) -> None:
    """Parse FILE (no database) and print the normalized records as JSON."""
    from core.contract import write_parsed_json
    from core.errors import ParseError
    from core.records import Format
    from ingest.formats import path_records

    try:
        fmt = Format(format) if format else None
    except ValueError:
        _fail(f"unknown format {format!r}; one of: {', '.join(f.value for f in Format)}")
    camt = (Format.CAMT052, Format.CAMT053, Format.CAMT054)

    def write(out: Any) -> None:
        with path_records(file, fmt) as (found, records):
            if validate and found not in camt:
                _fail(f"--validate applies to camt files, not {found.value}")

            def schema_errors() -> dict[str, Any]:
                from iso20022.validate import validate_path

                return {"schema_errors": validate_path(file)}

            write_parsed_json(out, file.name, found, records, schema_errors if validate else None)

    # The JSON is written entry by entry (flat memory), and a rejected file prints nothing but
    # the reason: into stdout itself when it is a file (cut back on rejection), else into a
    # spool file copied to stdout once the whole file has parsed.
    try:
        _write_whole(write)
    except ParseError as error:
        _fail(f"rejected: {error}")


def _write_whole(write: Any) -> None:
    """Run `write(text_stream)` so that stdout gets all of its text or none of it."""
    import os
    import shutil
    import stat
    import tempfile

    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    sys.stdout.flush()
    try:
        fd = sys.stdout.fileno()
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
    except (AttributeError, OSError, ValueError):  # a test runner's stdout: no descriptor
        regular = False
    if regular:
        start = os.lseek(fd, 0, os.SEEK_CUR)
        out = open(fd, "w", encoding=encoding, newline="\n", closefd=False, buffering=1024 * 1024)
        try:
            write(out)
            out.flush()
        except BaseException:
            out.close()  # drop what is buffered
            os.ftruncate(fd, start)
            os.lseek(fd, start, os.SEEK_SET)
            raise
        out.close()
        return
    with tempfile.TemporaryFile("w+", encoding=encoding, newline="\n") as spool:
        write(spool)
        spool.flush()
        spool.seek(0)
        shutil.copyfileobj(spool.buffer, sys.stdout.buffer, 1024 * 1024)
        sys.stdout.flush()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database (REMIT_DATABASE_URL) to the latest schema."""
    from core.settings import get_settings
    from ledger.migrate import current, upgrade

    url = get_settings().database_url
    upgrade(url)
    print(f"database at revision {current(url)}")


@app.command()
def ingest(
    files: Annotated[list[Path], typer.Argument(help="bank files, ingested in the order given", exists=True, dir_okay=False)],
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per file")] = False,
    format: Annotated[Optional[str], typer.Option("--format", help="skip detection")] = None,
    source: Annotated[str, typer.Option(help="where the files came from (recorded)")] = "cli",
) -> None:
    """Register, archive, parse, store, then match and apply. A rejected file never stops the others."""
    from api.pipeline import match_after
    from core.records import Format

    fmt = Format(format) if format else None
    rt = cli_runtime()
    ingestor = rt.ingestor(actor=f"cli:{source}")
    rejected = 0
    for path in files:
        result = _ingest_one(ingestor, path, fmt=fmt, source=source, show_progress=not as_json)
        result = match_after(rt, result, actor=f"cli:{source}")
        rejected += result.status == "rejected"
        if as_json:
            print(json.dumps(result.as_json(), ensure_ascii=False), flush=True)
        else:
            _print_result(result)
    if rejected:
        raise typer.Exit(EXIT_REJECTED)


def _ingest_one(ingestor: Any, path: Path, *, fmt: Any, source: str, show_progress: bool) -> Any:
    if not show_progress or path.stat().st_size < PROGRESS_MIN_BYTES or not sys.stderr.isatty():
        return ingestor.ingest_path(path, source=source, fmt=fmt)
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    with Progress(
        "[progress.description]{task.description}", BarColumn(), DownloadColumn(), TimeRemainingColumn(),
        transient=True,
    ) as bar:
        task = bar.add_task(path.name, total=path.stat().st_size)
        return ingestor.ingest_path(
            path, source=source, fmt=fmt, progress=lambda done, total: bar.update(task, completed=done)
        )


def _print_result(result: Any) -> None:
    if result.status == "parsed":
        line = (
            f"parsed     {result.file} ({result.format}): {result.statements} statement(s), "
            f"{result.entries_new} new entries, {result.entries_duplicate} already known, "
            f"{result.transactions} transactions; {result.applied} applied, {result.review} to review"
        )
    elif result.status == "duplicate":
        line = (
            f"duplicate  {result.file}: same bytes as file #{result.duplicate_of}"
            f" ({result.duplicate_of_status}), skipped"
        )
    else:
        line = f"rejected   {result.error}"
    print(line)
    for warning in result.warnings[:20]:
        print(f"  warning: {warning}")
    if len(result.warnings) > 20:
        print(f"  ... {len(result.warnings) - 20} more warnings")


@app.command()
def files(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    status: Annotated[Optional[str], typer.Option(help="received | parsed | rejected")] = None,
    limit: Annotated[int, typer.Option()] = 100,
) -> None:
    """List the file registry, newest first."""
    from ingest.views import bank_file_json
    from ledger.db import transaction
    from ledger.repositories import bank_files

    rt = cli_runtime()
    with transaction(rt.engine) as session:
        rows = [bank_file_json(f) for f in bank_files.list_files(session, status=status, limit=limit)]
    if as_json:
        _print_json(rows)
        return
    for r in rows:
        detail = r["error"] if r["status"] == "rejected" else f"{r['entries_new']} new / {r['entries_duplicate']} known"
        print(f"#{r['id']:<5} {r['status']:<9} {r['format'] or '-':<9} {r['name']}  {detail}")


@app.command()
def demo(
    database: Annotated[Path, typer.Option(help="SQLite file to (re)create")] = Path("remit-demo.db"),
    serve: Annotated[bool, typer.Option("--serve", help="then start the web UI on it")] = False,
    port: Annotated[int, typer.Option()] = 8000,
) -> None:
    """The main job on the embedded default: fresh SQLite, the sample bank files, a summary."""
    from api.demo import run_demo

    rt, _ = run_demo(database)
    if serve:
        from ledger import audit
        from ledger.db import transaction
        from ledger.repositories import api_keys

        # A fresh demo database has no keys: make a reviewer's key to sign in to the workbench.
        scopes = ["ar:read", "treasury:review"]
        with transaction(rt.engine) as session:
            key_id, key = api_keys.create_with_id(session, name="demo", scopes=scopes,
                                                  secret=rt.settings.secret_key)
            audit.record(session, actor="demo", action="api_key.created", entity_type="api_key",
                         entity_id=key_id, after={"name": "demo", "scopes": scopes})
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

    cli_runtime()  # settings checked and the database migrated once, before the processes fork
    print(f"remit serve: {workers} HTTP processes, no scheduled jobs here: run `remit worker` "
          "beside them", flush=True)
    uvicorn.run("api.app:app_from_environment", factory=True, host=host, port=port,
                workers=workers, log_level="info")


def _serve(*, host: str, port: int, rt: Any = None) -> None:
    import uvicorn

    from api.app import create_app

    rt = rt or cli_runtime()
    uvicorn.run(create_app(rt, start_scheduler=True), host=host, port=port, log_level="info")


def cli_runtime() -> Any:
    """What every database command starts from: the settings (or a one-line refusal, exit 2)
    and a database migrated to head."""
    from api.runtime import runtime

    return runtime(_load_settings(), migrate=True)


def _load_settings() -> Any:
    """Settings, or a one-line error and exit 2 (never a traceback) when they are refused."""
    from pydantic import ValidationError

    from core.settings import InsecureSettings, get_settings

    try:
        return get_settings()
    except (ValidationError, InsecureSettings) as error:
        problems = (
            _settings_problems(error.errors()) if isinstance(error, ValidationError) else str(error)
        )
        # The production check's own message already starts "refusing to start in ...".
        _fail(
            problems
            if problems.startswith("refusing to start")
            else f"refusing to start: {problems}"
        )


def _settings_problems(errors: list[Any]) -> str:
    parts = []
    for problem in errors:
        where = "_".join(str(part) for part in problem.get("loc", ()))
        message = str(problem.get("msg", "")).removeprefix("Value error, ")
        parts.append(f"REMIT_{where.upper()}: {message}" if where else message)
    return "; ".join(parts)


apikey_app = typer.Typer(no_args_is_help=True, help="API keys (stored hashed; shown once).")
app.add_typer(apikey_app, name="apikey")


@apikey_app.command("create")
def apikey_create(
    name: Annotated[str, typer.Argument(help="who or what the key is for")],
    scope: Annotated[list[str], typer.Option("--scope", help="ar:read, ar:write, treasury:review, admin")],
) -> None:
    """Create an API key with the given scopes; the key is printed once, as the last word."""
    from api.auth import SCOPES
    from ledger import audit
    from ledger.db import transaction
    from ledger.repositories import api_keys

    from ledger.models import ApiKey, column_length

    unknown = sorted(set(scope) - set(SCOPES))
    if unknown:
        _fail(f"unknown scope(s) {', '.join(unknown)}; known: {', '.join(SCOPES)}", code=1)
    if not 0 < len(name) <= column_length(ApiKey.name) or "\x00" in name:
        _fail(f"a key name has 1 to {column_length(ApiKey.name)} characters and no NUL, not {len(name)}")
    rt = cli_runtime()
    with transaction(rt.engine) as session:
        key_id, key = api_keys.create_with_id(
            session, name=name, scopes=scope, secret=rt.settings.secret_key
        )
        audit.record(session, actor="cli", action="api_key.created", entity_type="api_key", entity_id=key_id,
                     after={"name": name, "scopes": sorted(set(scope))})
    print(f"created API key #{key_id} {name!r} with scopes {', '.join(sorted(set(scope)))}: {key}")


@apikey_app.command("revoke")
def apikey_revoke(key_id: Annotated[int, typer.Argument(help="the key's number, as printed by create")]) -> None:
    """Revoke an API key at once; requests with it get 401 from then on."""
    from ledger import audit
    from ledger.db import transaction
    from ledger.repositories import api_keys

    rt = cli_runtime()
    with transaction(rt.engine) as session:
        if not api_keys.revoke(session, key_id):
            _fail(f"no active API key #{key_id}", code=1)
        audit.record(session, actor="cli", action="api_key.revoked", entity_type="api_key", entity_id=key_id)
    print(f"revoked API key #{key_id}")


# --- `remit invoices ...`: the invoice book --------------------------------------------------

invoices_app = typer.Typer(no_args_is_help=True, help="The invoice book (open items from the AR system).")
app.add_typer(invoices_app, name="invoices")

SHOWN_ISSUES = 100  # per list in the human summary; --json always has all of them


@invoices_app.command("import")
def invoices_import(
    file: Annotated[Path, typer.Argument(help="CSV with a header row, or JSON Lines", exists=True, dir_okay=False)],
    as_json: Annotated[bool, typer.Option("--json", help="print the result as one JSON object")] = False,
    format: Annotated[Optional[str], typer.Option("--format", help="csv | jsonl (default: from name and content)")] = None,
) -> None:
    """Upsert invoices by invoice_number, with their customers, names, accounts and aliases.

    Exit 0: every row imported. Exit 2: some rows rejected (the good ones are imported), or
    the file is unreadable (nothing imported). Exit 1: the database refused the import
    (nothing imported).
    """
    import gc

    from sqlalchemy.exc import SQLAlchemyError

    from api.runtime import runtime
    from ledger.db import transaction
    from reconcile.invoice_import import import_book
    from reconcile.invoice_rows import BookFileError, parse_book

    # A book is hundreds of thousands of acyclic objects: the cyclic collector would rescan
    # them over and over (a tenth of the command's CPU) to find nothing. The process ends here.
    gc.disable()
    if format is not None and format not in ("csv", "jsonl"):
        _fail(f"unknown format {format!r}; one of: csv, jsonl")
    settings = _load_settings()
    try:
        if file.stat().st_size > settings.max_file_bytes:
            _fail(f"{file.name}: rejected, nothing imported: larger than {settings.max_file_bytes} bytes")
        book = parse_book(file.read_bytes(), file.name, format=format)
    except (BookFileError, OSError) as error:
        _fail(f"{file.name}: rejected, nothing imported: {error}")
    rt = runtime(settings, migrate=True)
    try:
        with transaction(rt.engine) as session:
            result = import_book(session, book, file=file.name, actor="cli:invoices-import")
    except SQLAlchemyError as error:
        _fail(f"{file.name}: the database refused the import, nothing imported: "
              f"{getattr(error, 'orig', None) or error}", code=1)
    if as_json:
        _print_json(result.as_json())
    else:
        _print_import_summary(result)
    if result.errors:
        raise typer.Exit(EXIT_REJECTED)


def _print_import_summary(result: Any) -> None:
    print(
        f"{result.file} ({result.format}): {result.rows_read} rows: {result.created} created, "
        f"{result.updated} updated, {result.unchanged} unchanged, {result.skipped} skipped"
        + (f" ({result.rejected} rejected, {len(result.held)} held: cash applied in remit)" if result.held else "")
    )
    print(
        f"customers: {result.customers_created} created, {result.customers_renamed} renamed; "
        f"{result.accounts_added} account(s) and {result.aliases_added} alias(es) added"
    )
    for label, items in (("error", result.errors), ("warning", result.warnings)):
        for item in items[:SHOWN_ISSUES]:
            print(f"  {label}: {item}")
        if len(items) > SHOWN_ISSUES:
            print(f"  ... {len(items) - SHOWN_ISSUES} more {label}s (--json lists them all)")


sftp_app = typer.Typer(no_args_is_help=True, help="Bank SFTP drops (REMIT_SFTP_CONNECTIONS_FILE).")
app.add_typer(sftp_app, name="sftp")


@sftp_app.command("poll")
def sftp_poll(
    name: Annotated[str, typer.Argument(help="connection name in the connections file")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Poll one bank connection now: download new files, ingest and match them, move them aside."""
    from api.pipeline import ingest_path
    from ingest.sftp import SftpConfigError, SftpConnectError, poll_by_name

    rt = cli_runtime()
    if rt.settings.sftp_connections_file is None:
        _fail("set REMIT_SFTP_CONNECTIONS_FILE to the SFTP connections file", code=1)
    try:
        results = poll_by_name(
            rt.settings.sftp_connections_file, name,
            lambda path: ingest_path(rt, path, source="sftp", actor=f"sftp:{name}"),
            rt.settings.sftp_workdir, engine=rt.engine,
        )
    except (SftpConfigError, SftpConnectError) as error:
        _fail(str(error), code=1)
    if as_json:
        _print_json([{"file": r.file, "status": r.status, "error": r.error} for r in results])
    else:
        for r in results:
            print(f"{r.status:<10} {r.file}" + (f": {r.error}" if r.error else ""))
    if any(r.status in ("failed", "rejected") for r in results):
        raise typer.Exit(EXIT_REJECTED)


# --- `remit worker` and `remit webhooks ...`: the scheduled jobs ------------------------------


@app.command()
def worker() -> None:
    """The scheduled jobs without the HTTP server (inbox and SFTP polls, webhook delivery),
    the same as `remit serve` runs; migrates first; runs until SIGINT or SIGTERM."""
    import logging
    import signal
    import threading

    from api.jobs import describe_jobs, start_service_scheduler
    from api.runtime import runtime
    from ingest.sftp import SftpConfigError

    settings = _load_settings()
    rt = runtime(settings, migrate=True)
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
        _fail(f"refusing to start: {error}")
    jobs = describe_jobs(scheduler)
    if not jobs:
        scheduler.shutdown(wait=False)
        _fail(
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


webhooks_app = typer.Typer(
    no_args_is_help=True, help="Invoice events to AR systems (REMIT_WEBHOOK_URL)."
)
app.add_typer(webhooks_app, name="webhooks")


@webhooks_app.command("deliver")
def webhooks_deliver(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """One delivery pass now: POST every due invoice event, record the answers (cron, tests).

    Exit 0 whatever the receiver answered (see the counts); 1 if no webhook URL is set.
    """
    from api.webhooks import WebhookNotConfigured, deliver_pending

    rt = cli_runtime()
    try:
        report = deliver_pending(rt)
    except WebhookNotConfigured as error:
        _fail(str(error), code=1)
    if as_json:
        _print_json(report.as_json())
        return
    print(
        f"{report.attempted} attempted: {report.delivered} delivered, "
        f"{report.retrying} to retry, {report.failed} failed for good, "
        f"{report.released} released (receiver unreachable)"
    )
    for error in report.errors[:SHOWN_ISSUES]:
        print(f"  error: {error}")


def main() -> None:
    import api.cli_cash  # noqa: F401  (registers match, applications, exceptions, apply, ...)
    import api.cli_collections  # noqa: F401  (disputes, fees)
    import api.cli_dunning  # noqa: F401  (dunning policies, reminders)
    import api.cli_metrics  # noqa: F401  (metrics)
    import api.cli_plans  # noqa: F401  (plans)

    app()
