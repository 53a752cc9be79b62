"""`remit dunning ...`: dunning policies (`policy set|import|list`), customer overrides and
segments. Each command calls one use case (workflows.dunning), which owns its transaction.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Annotated

import typer

from cli.common import fail, print_json, runtime

app = typer.Typer(no_args_is_help=True, help="Dunning policies and customer segments.")
policy_app = typer.Typer(no_args_is_help=True, help="Dunning policies: steps by due date.")
app.add_typer(policy_app, name="policy")

ACTOR = "cli:dunning"


@policy_app.command("set")
def policy_set(
    name: Annotated[str, typer.Argument(help='policy name ("default" is the fallback)')],
    step: Annotated[list[str], typer.Option("--step", help="name:offset_days:channel[:template]")],
    segment: Annotated[str | None, typer.Option(help="customer segment it serves")] = None,
) -> None:
    """Create or replace the policy NAME, e.g. --step courtesy:-3:email:courtesy."""
    from receivables import reminders
    from receivables.dunning import PolicyError
    from workflows.dunning import save_policies

    rt = runtime()
    try:
        (out,) = save_policies(rt, [{"name": name, "segment": segment, "steps": step}], actor=ACTOR)
    except (PolicyError, reminders.ReminderError) as error:
        fail(str(error))
    print_json(out)


@policy_app.command("import")
def policy_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="TOML or JSON")],
) -> None:
    """Create or replace the policies of FILE: `[[policies]] name, segment, steps` (steps as
    "name:offset:channel:template" or tables). All or nothing."""
    from receivables import reminders
    from receivables.dunning import PolicyError
    from workflows.dunning import save_policies

    try:
        text = file.read_text(encoding="utf-8")
        data = json.loads(text) if file.suffix.lower() == ".json" else tomllib.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        fail(f"{file.name}: {error}")
    policies = data.get("policies") if isinstance(data, dict) else data
    if not isinstance(policies, list):
        fail(f"{file.name}: expected a list of policies (policies = [...])")
    rt = runtime()
    try:
        saved = save_policies(rt, policies, actor=ACTOR)
    except (PolicyError, reminders.ReminderError) as error:
        fail(str(error))
    print_json(saved)


@policy_app.command("list")
def policy_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The policies and their steps."""
    from workflows.dunning import policies

    out = policies(runtime())
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
    from receivables import reminders
    from workflows.dunning import set_customer

    rt = runtime()
    try:
        out = set_customer(rt, customer_id, actor=ACTOR, policy_name=policy,
                           clear_policy=clear_policy, segment=segment, clear_segment=clear_segment)
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
    from workflows.dunning import assign_segments

    out = assign_segments(runtime(), actor=ACTOR, dry_run=dry_run)
    if as_json:
        print_json(out)
        return
    for c in out:
        print(f"{c['customer_id']:<16} {c['before'] or '-'} → {c['after'] or '-'}")
    print(f"{len(out)} customer(s) {'would change' if dry_run else 'changed'}")
