"""`remit dunning ...` (policies, customer overrides, segments) and `remit reminders ...`
(run, list, done). Each command is one transaction (the command owns it).
"""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli import _fail, _print_json, app, cli_runtime

dunning_app = typer.Typer(no_args_is_help=True, help="Dunning policies and customer segments.")
policy_app = typer.Typer(no_args_is_help=True, help="Dunning policies: steps by due date.")
reminders_app = typer.Typer(no_args_is_help=True, help="Payment reminders (dunning runs).")
app.add_typer(dunning_app, name="dunning")
dunning_app.add_typer(policy_app, name="policy")
app.add_typer(reminders_app, name="reminders")


def _as_of(text: str | None) -> date:
    if not text:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail(f"--as-of {text!r} is not a date (YYYY-MM-DD)")
        raise  # unreachable: _fail exits


def _steps(raw: list[Any]) -> list[Any]:
    from receivables import dunning

    out = []
    for item in raw:
        if isinstance(item, str):
            out.append(dunning.parse_step(item))
        elif isinstance(item, dict):
            out.append(
                dunning.make_step(
                    item.get("name"),
                    item.get("offset_days"),
                    item.get("channel"),
                    item.get("template")
                    or dunning.CHANNEL_TEMPLATES.get(str(item.get("channel")), ""),
                )
            )
        else:
            raise dunning.PolicyError(f"a step is text or a table, not {item!r}")
    return out


@policy_app.command("set")
def policy_set(
    name: Annotated[str, typer.Argument(help='policy name ("default" is the fallback)')],
    step: Annotated[list[str], typer.Option("--step", help="name:offset_days:channel[:template]")],
    segment: Annotated[str | None, typer.Option(help="customer segment it serves")] = None,
) -> None:
    """Create or replace the policy NAME, e.g. --step courtesy:-3:email:courtesy."""
    from ledger.db import transaction
    from receivables import reminders
    from receivables.dunning import PolicyError

    rt = cli_runtime()
    try:
        with transaction(rt.engine) as session:
            row = reminders.save_policy(
                session,
                name=name,
                segment=segment,
                steps=_steps(step),
                actor="cli:dunning",
                settings=rt.settings,
            )
            out = reminders.policy_json(row)
    except (PolicyError, reminders.ReminderError) as error:
        _fail(str(error))
    _print_json(out)


@policy_app.command("import")
def policy_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="TOML or JSON")],
) -> None:
    """Create or replace the policies of FILE: `[[policies]] name, segment, steps` (steps as
    "name:offset:channel:template" or tables). All or nothing."""
    from ledger.db import transaction
    from receivables import reminders
    from receivables.dunning import PolicyError

    try:
        text = file.read_text(encoding="utf-8")
        data = json.loads(text) if file.suffix.lower() == ".json" else tomllib.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        _fail(f"{file.name}: {error}")
    policies = data.get("policies") if isinstance(data, dict) else data
    if not isinstance(policies, list):
        _fail(f"{file.name}: expected a list of policies (policies = [...])")
    rt = cli_runtime()
    saved = []
    try:
        with transaction(rt.engine) as session:
            for p in policies:
                if not isinstance(p, dict) or not isinstance(p.get("name"), str):
                    raise PolicyError(f"a policy needs a name: {p!r}")
                row = reminders.save_policy(
                    session,
                    name=p["name"],
                    segment=p.get("segment"),
                    steps=_steps(list(p.get("steps") or [])),
                    actor="cli:dunning",
                    settings=rt.settings,
                )
                saved.append(reminders.policy_json(row))
    except (PolicyError, reminders.ReminderError) as error:
        _fail(str(error))
    _print_json(saved)


@policy_app.command("list")
def policy_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The policies and their steps."""
    from sqlalchemy import select

    from ledger.db import transaction
    from ledger.models import DunningPolicy
    from receivables import reminders

    rt = cli_runtime()
    with transaction(rt.engine) as session:
        out = [
            reminders.policy_json(r)
            for r in session.scalars(select(DunningPolicy).order_by(DunningPolicy.name))
        ]
    if as_json:
        _print_json(out)
        return
    if not out:
        print("no policies yet: the built-in default applies (stored on the first run)")
    for p in out:
        steps = ", ".join(f"{s['name']} {s['offset_days']:+d}d {s['channel']}" for s in p["steps"])
        print(f"{p['name']:<16} segment {p['segment'] or '-':<12} {steps}")


@dunning_app.command("customer")
def customer_command(
    customer_id: Annotated[str, typer.Argument()],
    policy: Annotated[str | None, typer.Option(help="override: this policy's name")] = None,
    clear_policy: Annotated[bool, typer.Option("--clear-policy")] = False,
    segment: Annotated[str | None, typer.Option(help="set the customer's segment")] = None,
    clear_segment: Annotated[bool, typer.Option("--clear-segment")] = False,
) -> None:
    """Override a customer's policy, or set its segment."""
    from ledger.db import transaction
    from receivables import reminders

    rt = cli_runtime()
    try:
        with transaction(rt.engine) as session:
            out = reminders.set_customer_dunning(
                session,
                customer_id,
                actor="cli:dunning",
                policy_name=policy,
                clear_policy=clear_policy,
                segment=segment,
                clear_segment=clear_segment,
            )
    except reminders.ReminderError as error:
        _fail(str(error))
    _print_json(out)


@reminders_app.command("run")
def reminders_run(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="YYYY-MM-DD (default today, UTC)")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="list only: write and send nothing")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Decide the reminders due and send (email) or queue (call, letter, agency) them.

    --json prints DESIGN.md §6: [{"invoice_number","customer_id","step","channel",
    "days_past_due"}], plus status and error after a real run."""
    from ledger.db import transaction
    from receivables import reminders
    from receivables.mailer import SmtpMailer

    day = _as_of(as_of)
    rt = cli_runtime()
    with transaction(rt.engine) as session:
        out = reminders.run(
            session,
            as_of=day,
            settings=rt.settings,
            mailer=None if dry_run else SmtpMailer(rt.settings),
            actor="cli:reminders",
            dry_run=dry_run,
        )
    if as_json:
        keys = ("invoice_number", "customer_id", "step", "channel", "days_past_due")
        if dry_run:
            _print_json([{k: r[k] for k in keys} for r in out])
        else:
            _print_json(
                [
                    {**{k: r[k] for k in keys}, "status": r["status"], "error": r["error"]}
                    for r in out
                ]
            )
        return
    for r in out:
        what = r["invoice_number"] or f"{r.get('plan_reference')} #{r.get('instalment_seq')}"
        status = r.get("status", "would send" if r["channel"] == "email" else "would queue")
        error = f"  ({r['error']})" if r.get("error") else ""
        print(
            f"{r['customer_id']:<12} {what:<16} {r['step']:<12} {r['channel']:<7} "
            f"{r['days_past_due']:+5d}d  {status}{error}"
        )
    print(f"{len(out)} reminder(s){' (dry run)' if dry_run else ''}")


@reminders_app.command("list")
def reminders_list(
    invoice: Annotated[str | None, typer.Option(help="invoice number")] = None,
    status: Annotated[str | None, typer.Option(help="sent | queued | failed | done")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 100,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Reminders on record, newest first."""
    from ledger.db import transaction
    from receivables import reminders

    rt = cli_runtime()
    with transaction(rt.engine) as session:
        out = reminders.list_reminders(session, invoice_number=invoice, status=status, limit=limit)
    if as_json:
        _print_json(out)
        return
    for r in out:
        print(
            f"#{r['reminder_id']:<6} {r['as_of']} {r['invoice_number'] or '-':<14} "
            f"{r['step']:<12} {r['channel']:<7} {r['status']:<7} {r['error'] or ''}"
        )


@reminders_app.command("done")
def reminders_done(reminder_id: Annotated[int, typer.Argument(min=1)]) -> None:
    """Mark a queued task (call, letter, agency hand-off) done."""
    from ledger.db import transaction
    from receivables import reminders

    rt = cli_runtime()
    try:
        with transaction(rt.engine) as session:
            out = reminders.mark_done(session, reminder_id, actor="cli:reminders")
    except reminders.ReminderError as error:
        _fail(str(error))
    _print_json(out)


@dunning_app.command("segments")
def segments_command(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="list the changes only")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Compute customer segments from payment behaviour: slow_payer (average days late over
    the last REMIT_SEGMENT_HISTORY paid invoices > REMIT_SEGMENT_SLOW_DAYS), large (open
    balance ≥ REMIT_SEGMENT_LARGE_OPEN). Segments set by hand are kept."""
    from ledger.db import transaction
    from receivables import reminders

    rt = cli_runtime()
    with transaction(rt.engine) as session:
        out = reminders.assign_segments(
            session, settings=rt.settings, actor="cli:dunning", dry_run=dry_run
        )
    if as_json:
        _print_json(out)
        return
    for c in out:
        print(f"{c['customer_id']:<16} {c['before'] or '-'} → {c['after'] or '-'}")
    print(f"{len(out)} customer(s) {'would change' if dry_run else 'changed'}")
