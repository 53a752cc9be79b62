"""`remit parse`, `remit ingest` and `remit files`: bank files read, ingested, listed
(DESIGN.md §6). Top-level commands: cli/main.py adds them to the root app."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from cli.common import EXIT_REJECTED, fail, print_json, runtime

app = typer.Typer()

PROGRESS_MIN_BYTES = 2 * 1024 * 1024


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
        fail(f"unknown format {format!r}; one of: {', '.join(f.value for f in Format)}")
    camt = (Format.CAMT052, Format.CAMT053, Format.CAMT054)

    def write(out: Any) -> None:
        with path_records(file, fmt) as (found, records):
            if validate and found not in camt:
                fail(f"--validate applies to camt files, not {found.value}")

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
        fail(f"rejected: {error}")


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


@app.command()
def ingest(
    files: Annotated[list[Path], typer.Argument(help="bank files, ingested in the order given", exists=True, dir_okay=False)],
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per file")] = False,
    format: Annotated[Optional[str], typer.Option("--format", help="skip detection")] = None,
    source: Annotated[str, typer.Option(help="where the files came from (recorded)")] = "cli",
) -> None:
    """Register, archive, parse, store, then match and apply. A rejected file never stops the others."""
    from core.records import Format
    from workflows.pipeline import match_after

    fmt = Format(format) if format else None
    rt = runtime()
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
    if result.status == "parsed" and result.advices:
        line = (f"parsed     {result.file} ({result.format}): {result.advices} remittance advice(s); "
                f"{result.applied} applied, {result.review} to review")
    elif result.status == "parsed":
        line = (
            f"parsed     {result.file} ({result.format}): {result.statements} statement(s), "
            f"{result.entries_new} new entries, {result.entries_duplicate} already known, "
            f"{result.transactions} transactions; {result.applied} applied, {result.review} to review"
        )
    elif result.status == "duplicate":
        line = (
            f"duplicate  {result.file}: same bytes as file #{result.duplicate_of}"
            f" ({result.duplicate_of_status}), skipped" + (f"; {result.hint}" if result.hint else "")
        )
    else:
        line = f"rejected   {result.error}"
    print(line)
    for warning in result.warnings[:20]:
        print(f"  warning: {warning}")
    if len(result.warnings) > 20:
        print(f"  ... {len(result.warnings) - 20} more warnings")


files_app = typer.Typer(help="The file registry: list it; parse a rejected file again.")


@files_app.callback(invoke_without_command=True)
def files(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    status: Annotated[Optional[str], typer.Option(help="received | parsed | rejected")] = None,
    limit: Annotated[int, typer.Option()] = 100,
) -> None:
    """List the file registry, newest first."""
    if ctx.invoked_subcommand is not None:
        return
    from workflows.reports import file_registry

    rows = file_registry(runtime(), status=status, limit=limit)
    if as_json:
        print_json(rows)
        return
    for r in rows:
        detail = r["error"] if r["status"] == "rejected" else f"{r['entries_new']} new / {r['entries_duplicate']} known"
        print(f"#{r['id']:<5} {r['status']:<9} {r['format'] or '-':<9} {r['name']}  {detail}")


@files_app.command()
def reprocess(
    file_id: Annotated[int, typer.Argument(help="the file's id (remit files)")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Parse a rejected file again from the archive, byte for byte (after an upgrade), then match."""
    from workflows.pipeline import reprocess as run

    result = run(runtime(), file_id, actor="cli:reprocess")
    if result is None:
        fail(f"no bank file #{file_id}")
    if as_json:
        print(json.dumps(result.as_json(), ensure_ascii=False), flush=True)
    else:
        _print_result(result)
    if result.status == "rejected":
        raise typer.Exit(EXIT_REJECTED)
