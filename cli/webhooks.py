"""`remit webhooks deliver`: one delivery pass of the invoice events (the scheduler runs them
too)."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import SHOWN_ISSUES, fail, print_json, runtime

app = typer.Typer(no_args_is_help=True, help="Invoice events to AR systems (REMIT_WEBHOOK_URL).")


@app.command("deliver")
def webhooks_deliver(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """One delivery pass now: POST every due invoice event, record the answers (cron, tests).

    Exit 0 whatever the receiver answered (see the counts); 1 if no webhook URL is set.
    """
    from workflows.outbox import WebhookNotConfigured, deliver_pending

    rt = runtime()
    try:
        report = deliver_pending(rt)
    except WebhookNotConfigured as error:
        fail(str(error), code=1)
    if as_json:
        print_json(report.as_json())
        return
    print(
        f"{report.attempted} attempted: {report.delivered} delivered, "
        f"{report.retrying} to retry, {report.failed} failed for good, "
        f"{report.released} released (receiver unreachable)"
    )
    for error in report.errors[:SHOWN_ISSUES]:
        print(f"  error: {error}")
