"""`remit dunning ...`: dunning policies (`policy set|import|list`), customer overrides and
segments. Each command is one transaction (the command owns it).
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.common import fail, print_json, runtime

app = typer.Typer(no_args_is_help=True, help="Dunning policies and customer segments.")
policy_app = typer.Typer(no_args_is_help=True, help="Dunning policies: steps by due date.")
app.add_typer(policy_app, name="policy")


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

    rt = runtime()
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
        fail(str(error))
    print_json(out)


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
        fail(f"{file.name}: {error}")
    policies = data.get("policies") if isinstance(data, dict) else data
    if not isinstance(policies, list):
        fail(f"{file.name}: expected a list of policies (policies = [...])")
    rt = runtime()
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
        fail(str(error))
    print_json(saved)


@policy_app.command("list")
def policy_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The policies and their steps."""
    from sqlalchemy import select

    from ledger.db import transaction
    from ledger.models import DunningPolicy
    from receivables import reminders

    rt = runtime()
    with transaction(rt.engine) as session:
        out = [
            reminders.policy_json(r)
            for r in session.scalars(select(DunningPolicy).order_by(DunningPolicy.name))
        ]
    if as_json:
        print_json(out)
        return
    if not out:
        print("no policies yet: the built-in default applies (stored on the first run)")
    for p in out:
        steps = ", ".join(f"{s['name']} {s['offset_days']:+d}d {s['channel']}" for s in p["steps"])
        print(f"{p['name']:<16} segment {p['segment'] or '-':<12} {steps}")


@app.command("customer")
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

    rt = runtime()
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
        fail(str(error))
    print_json(out)


@app.command("segments")
def segments_command(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="list the changes only")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Compute customer segments from payment behaviour: slow_payer (average days late over
    the last REMIT_SEGMENT_HISTORY paid invoices > REMIT_SEGMENT_SLOW_DAYS), large (open
    balance ≥ REMIT_SEGMENT_LARGE_OPEN). Segments set by hand are kept."""
    from ledger.db import transaction
    from receivables import reminders

    rt = runtime()
    with transaction(rt.engine) as session:
        out = reminders.assign_segments(
            session, settings=rt.settings, actor="cli:dunning", dry_run=dry_run
        )
    if as_json:
        print_json(out)
        return
    for c in out:
        print(f"{c['customer_id']:<16} {c['before'] or '-'} → {c['after'] or '-'}")
    print(f"{len(out)} customer(s) {'would change' if dry_run else 'changed'}")
