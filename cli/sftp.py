"""`remit sftp poll`: bank SFTP drops polled now (the scheduler polls them too)."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import EXIT_REJECTED, fail, print_json, runtime

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
