"""`remit sftp poll`, `remit sftp send`, `remit sftp outgoing`: bank SFTP drops polled now,
the files `remit collect --send` queued sent now (the scheduler does both too), and the
files kept for the bank listed."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import EXIT_FAILED, EXIT_REJECTED, fail, print_json, runtime

app = typer.Typer(no_args_is_help=True, help="Bank SFTP drops (REMIT_SFTP_CONNECTIONS_FILE).")


@app.command("poll")
def sftp_poll(
    name: Annotated[str, typer.Argument(help="connection name in the connections file")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Poll one bank connection now: download new files, ingest and match them, move them aside."""
    from ingest.sftp import SftpConfigError, SftpConnectError, poll_by_name
    from workflows.pipeline import ingest_path

    rt = runtime()
    if rt.settings.sftp_connections_file is None:
        fail("set REMIT_SFTP_CONNECTIONS_FILE to the SFTP connections file", code=1)
    try:
        results = poll_by_name(
            rt.settings.sftp_connections_file, name,
            lambda path: ingest_path(rt, path, source="sftp", actor=f"sftp:{name}"),
            rt.settings.sftp_workdir, engine=rt.engine,
        )
    except (SftpConfigError, SftpConnectError) as error:
        fail(str(error), code=1)
    if as_json:
        print_json([{"file": r.file, "status": r.status, "error": r.error} for r in results])
    else:
        for r in results:
            print(f"{r.status:<10} {r.file}" + (f": {r.error}" if r.error else ""))
    if any(r.status in ("failed", "rejected") for r in results):
        raise typer.Exit(EXIT_REJECTED)


@app.command("send")
def sftp_send(
    name: Annotated[str | None, typer.Argument(help="only this connection (default: every one with upload_dir)")] = None,
    as_json: Annotated[bool, typer.Option(
        "--json", help='print [{"connection","file","status","uploaded","error"}]')] = False,
) -> None:
    """Send the pending outgoing files (`remit collect --send`) to their connection's upload_dir
    now. Exit 0: all sent (or nothing to send); 1: some still pending (the connection failed:
    the next send retries); 2: some failed (a different file of that name is on the server)."""
    from core.errors import RemitError
    from ingest.sftp import SftpConfigError
    from workflows.sftp_send import send_pending

    try:
        results = send_pending(runtime(), name=name, actor="cli:sftp-send")
    except (SftpConfigError, RemitError) as error:
        fail(str(error), code=EXIT_FAILED)
    if as_json:
        print_json([r.as_json() for r in results])
    else:
        for r in results:
            how = " (uploaded)" if r.uploaded else ""
            print(f"{r.status:<8} {r.connection} {r.file}{how}" + (f": {r.error}" if r.error else ""))
        if not results:
            print("nothing to send")
    if any(r.status == "failed" for r in results):
        raise typer.Exit(EXIT_REJECTED)
    if any(r.status == "pending" for r in results):
        raise typer.Exit(EXIT_FAILED)


@app.command("queue")
def sftp_queue(
    file: Annotated[str, typer.Argument(help="the outgoing file's name (remit sftp outgoing)")],
    connection: Annotated[str, typer.Option("--connection", help="the SFTP connection to send it to")],
    as_json: Annotated[bool, typer.Option("--json", help="print the file as `remit sftp outgoing --json` does")] = False,
) -> None:
    """Queue a kept file (collected without --send) or a failed one (after you checked what is
    on the server) for CONNECTION: pending again; the next `remit sftp send` sends it. A sent
    file is never queued again (exit 1)."""
    from core.errors import RemitError
    from workflows.sftp_send import queue_file

    try:
        row = queue_file(runtime(), file, connection, actor="cli:sftp-queue")
    except RemitError as error:
        fail(str(error), code=EXIT_FAILED)
    if as_json:
        print_json(row)
    else:
        print(f"queued {row['name']} for {row['connection']} (attempts so far {row['attempts']})")


@app.command("outgoing")
def sftp_outgoing(
    status: Annotated[str | None, typer.Option(
        "--status", help="only files in these statuses: pending,sent,failed (comma-separated)")] = None,
    as_json: Annotated[bool, typer.Option(
        "--json", help='print [{"name","format","sha256","size","connection","status","attempts",'
                       '"last_error","created_at","sent_at","actor"}]')] = False,
) -> None:
    """The files remit keeps for the bank (`remit collect`), oldest first: pending (queued for
    a connection, or kept only when it has none), sent, or failed (with why)."""
    from ledger.models.outgoing import OUTGOING_STATUSES
    from workflows.sftp_send import list_outgoing

    wanted = [s.strip() for s in status.split(",")] if status else None
    if wanted and not set(wanted) <= set(OUTGOING_STATUSES):
        fail(f"--status is pending, sent or failed (comma-separated), not {status!r}", code=1)
    rows = list_outgoing(runtime(), wanted)
    if as_json:
        print_json(rows)
        return
    for r in rows:
        print(f"{r['status']:<8} {r['name']:<28} {r['format']:<9} {r['size']:>9} B  "
              f"{r['connection'] or '(kept only)'}  attempts {r['attempts']}"
              + (f": {r['last_error']}" if r["last_error"] else ""))
