"""`remit files checks` / `remit files close-check` and `remit nocs`: what a person reviews about
the bank's data itself — statements that do not add up, follow on or keep their numbers, and
the account corrections banks send (notifications of change)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from cli.common import fail, print_json, runtime
from core.errors import RemitError

app = typer.Typer(help="Notifications of change (NACHA C01-C14): corrections a bank proposes for a "
                       "customer's account or name, applied only when a person accepts them.")

STATUS_ALL = "all"


def _status(value: str, allowed: tuple[str, ...]) -> str | None:
    if value == STATUS_ALL:
        return None
    if value not in allowed:
        fail(f"--status is one of {', '.join((*allowed, STATUS_ALL))}, not {value!r}", code=1)
    return value


def _who(actor: str) -> str:
    if not 0 < len(actor) <= 120 or "\x00" in actor:
        fail("--actor has 1 to 120 characters and no NUL", code=1)
    return f"cli:{actor}"


def checks(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    status: Annotated[str, typer.Option(help="open | resolved | dismissed | all")] = "open",
    file_id: Annotated[Optional[int], typer.Option("--file", help="only this file's checks")] = None,
    limit: Annotated[int, typer.Option()] = 100,
) -> None:
    """Statement checks: a statement that does not add up, does not follow on from the last one,
    or skips or repeats the bank's sequence number — with both figures."""
    from workflows.bank_review import checks as read

    rows = read(runtime(), status=_status(status, ("open", "resolved", "dismissed")), file_id=file_id, limit=limit)
    if as_json:
        print_json(rows)
        return
    if not rows:
        print("no statement checks" + ("" if status == STATUS_ALL else f" {status}"))
    for r in rows:
        figures = f"expected {r['expected']}, found {r['found']}" + (f" {r['currency']}" if r["currency"] and r["kind"] != "sequence" else "")
        print(f"#{r['id']:<5} {r['status']:<9} {r['kind']:<10} file #{r['file_id']} {r['account'] or '-'}: {figures}")
        print(f"       {r['message']}")
        if r["resolution"]:
            print(f"       {r['status']} by {r['actor']}: {r['resolution']}")


def close_check(
    check_id: Annotated[int, typer.Argument(help="the check's id (remit files checks)")],
    note: Annotated[str, typer.Option(help="what was found and done")],
    dismiss: Annotated[bool, typer.Option("--dismiss", help="not a problem (else: resolved)")] = False,
    actor: Annotated[str, typer.Option()] = "cli",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Close an open statement check with a note."""
    from workflows.bank_review import close_check as close

    try:
        done = close(runtime(), check_id, status="dismissed" if dismiss else "resolved", note=note, actor=_who(actor))
    except RemitError as error:
        fail(str(error))
    if as_json:
        print_json(done)
    else:
        print(f"statement check #{check_id} {done['status']}")


@app.callback(invoke_without_command=True)
def nocs(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    status: Annotated[str, typer.Option(help="open | applied | rejected | all")] = "open",
    limit: Annotated[int, typer.Option()] = 100,
) -> None:
    """List the notifications of change, oldest first."""
    if ctx.invoked_subcommand is not None:
        return
    from workflows.bank_review import changes

    rows = changes(runtime(), status=_status(status, ("open", "applied", "rejected")), limit=limit)
    if as_json:
        print_json(rows)
        return
    if not rows:
        print("no notifications of change" + ("" if status == STATUS_ALL else f" {status}"))
    for r in rows:
        print(f"#{r['id']:<5} {r['status']:<8} {r['change_code']} customer {r['customer_id'] or '(none found)'}")
        print(f"       {r['explanation']}")


@app.command("apply")
def apply_command(
    proposal_id: Annotated[int, typer.Argument(help="the proposal's id (remit nocs)")],
    customer: Annotated[Optional[str], typer.Option(help="the customer, when the proposal names none")] = None,
    note: Annotated[Optional[str], typer.Option()] = None,
    actor: Annotated[str, typer.Option()] = "cli",
) -> None:
    """Apply the bank's correction to the customer (audited)."""
    from workflows.bank_review import apply_change

    try:
        done = apply_change(runtime(), proposal_id, actor=_who(actor), customer_id=customer, note=note)
    except RemitError as error:
        fail(str(error))
    print(f"change proposal #{proposal_id} applied to customer {done['customer_id']}")


@app.command("reject")
def reject_command(
    proposal_id: Annotated[int, typer.Argument()],
    note: Annotated[str, typer.Option(help="why the correction is not taken")],
    actor: Annotated[str, typer.Option()] = "cli",
) -> None:
    """Reject the bank's correction: nothing changes on the customer."""
    from workflows.bank_review import reject_change

    try:
        reject_change(runtime(), proposal_id, actor=_who(actor), note=note)
    except RemitError as error:
        fail(str(error))
    print(f"change proposal #{proposal_id} rejected")
