"""`remit match`, `applications`, `exceptions`, and a reviewer's `apply`, `dismiss`, `unapply`:
top-level commands (cli/main.py adds them to the root app).

Each command calls one use case (workflows.cash, workflows.pipeline), which owns its
transaction; `match` runs until nothing is left over (workflows.pipeline.match_settled). A
refusal (an invariant, a returned payment, a stale version) exits 2 with the reason on stderr;
a malformed argument exits 1.
"""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from cli.common import as_of_date, fail, print_json, runtime
from core.labels import label
from core.money import D, display_amount

app = typer.Typer()


@app.command("match")
def match_command(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    include_review: Annotated[bool, typer.Option("--include-review", help="also retry payments in review")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="print the decisions; change nothing")] = False,
    as_of: Annotated[Optional[str], typer.Option(help="today's date for recency rules (YYYY-MM-DD)")] = None,
) -> None:
    """Match unmatched bank transactions (e.g. after new invoices arrived) and apply cash."""
    from workflows.pipeline import decisions, match_settled

    today = as_of_date(as_of, code=1)
    rt = runtime()
    if dry_run:
        _print_decisions(decisions(rt, today=today, include_review=include_review), as_json=as_json)
        return
    summary = match_settled(rt, actor="cli:match", today=today, include_review=include_review)
    if as_json:
        print_json(summary.as_json())
    else:
        print(f"applied {summary.applied}, review {summary.review}, ignored {summary.ignored}, "
              f"returns {summary.returned}" + (f", left for the next run {summary.deferred}" if summary.deferred else "")
              + (f", remittance advices linked {summary.advices}" if summary.advices else ""))
        for error in summary.errors:
            print(f"  not applied: {error}")


def _print_decisions(out: list[dict[str, Any]], *, as_json: bool) -> None:
    """What a run would decide now (nothing changed)."""
    if as_json:
        print_json(out)
        return
    for d in out:
        target = ", ".join(d["invoice_numbers"]) or "-"
        print(f"#{d['transaction_id']:<6} {d['action']:<7} {target:<30} {d['reason'] or ''}  {d['explanation']}")


@app.command("applications")
def applications_command(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Cash applications, live and reversed."""
    from workflows.cash import applications

    out = applications(runtime())
    if as_json:
        print_json(out)
        return
    for r in out:
        print(f"#{r['transaction_id']:<6} {r['status']:<8} {label('method', r['method']):<10} "
              f"{r['invoice_number']:<14} {display_amount(r['applied_amount'], r['currency']):>16}  "
              f"disc {display_amount(r['discount_amount'], r['currency'], show_currency=False)}  "
              f"w/o {display_amount(r['write_off_amount'], r['currency'], show_currency=False)}")


@app.command("exceptions")
def exceptions_command(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    kind: Annotated[str, typer.Option(
        help="receivable: the AR queue; other: not receivables work (outgoing debits, notices, "
             "our own payments sent back); all")] = "receivable",
) -> None:
    """The open review queue, each with its reason and ranked suggestions."""
    from workflows.cash import exceptions

    if kind not in ("receivable", "other", "all"):
        fail(f"--kind must be receivable, other or all, not {kind!r}", code=1)
    out = exceptions(runtime(), kind=kind)
    if as_json:
        print_json(out)
        return
    for r in out:
        best = r["candidates"][0] if r["candidates"] else None
        hint = f" → {', '.join(best['invoice_numbers'])} ({best['score']})" if best else ""
        note = f"  [{r['kind_note']}]" if r.get("kind_note") else ""
        # A bank notice may carry no amount of its own: display_amount shows it as a dash.
        print(f"#{r['transaction_id']:<6} {label('review_reason', r['reason']):<28} "
              f"{display_amount(r['amount'], r['currency']):>16}  {r['payer'] or '-'}{hint}{note}")


def _lines(pairs: list[str], discounts: list[str], write_offs: list[str], reason: Optional[str]) -> list[Any]:
    from reconcile.manual import ManualLine

    def parse(items: list[str], what: str) -> dict[str, Any]:
        out = {}
        for item in items:
            number, sep, amount = item.rpartition("=")
            if not sep or not number:
                fail(f"{what} must look like INVOICE=AMOUNT, not {item!r}", code=1)
            if number in out:  # the last one silently winning would apply a different amount
                fail(f"{what} {number} is given twice ({number}={out[number]} and {item}): "
                     "name each invoice once", code=1)
            try:
                out[number] = D(amount)
            except ValueError:
                fail(f"{what} {item!r}: {amount!r} is not an amount", code=1)
        return out

    applied, discount, write_off = parse(pairs, "invoice"), parse(discounts, "--discount"), parse(write_offs, "--write-off")
    numbers = list(dict.fromkeys([*applied, *discount, *write_off]))
    return [
        ManualLine(n, applied.get(n, D(0)), discount.get(n, D(0)), write_off.get(n, D(0)),
                   reason if n in write_off else None)
        for n in numbers
    ]


@app.command("apply")
def apply_command(
    transaction_id: Annotated[int, typer.Argument(help="bank transaction id (see `remit exceptions`)")],
    invoices: Annotated[list[str], typer.Argument(help="INVOICE=AMOUNT applied from the payment")] = [],  # noqa: B006
    discount: Annotated[list[str], typer.Option("--discount", help="INVOICE=AMOUNT discount granted")] = [],  # noqa: B006
    write_off: Annotated[list[str], typer.Option("--write-off", help="INVOICE=AMOUNT written off")] = [],  # noqa: B006
    reason: Annotated[Optional[str], typer.Option(help="write-off reason, e.g. bank_charges")] = None,
    actor: Annotated[str, typer.Option(help="who is applying (recorded)")] = "cli",
) -> None:
    """Apply a payment by hand; remit learns the payer's account and name for next time."""
    from reconcile.apply import ApplicationError
    from workflows.cash import apply_by_hand

    lines = _lines(invoices, discount, write_off, reason)
    if not lines:
        fail("name at least one INVOICE=AMOUNT", code=1)
    who = _actor(actor)
    rt = runtime()
    try:
        done = apply_by_hand(rt, transaction_id=transaction_id, lines=lines, actor=who)
    except ApplicationError as error:
        fail(f"not applied: {error}")
    print(f"applied transaction #{transaction_id} to {', '.join(done.invoice_numbers)}")


@app.command("dismiss")
def dismiss_command(
    transaction_id: Annotated[int, typer.Argument()],
    reason: Annotated[str, typer.Option(help="why it is not receivables")],
    actor: Annotated[str, typer.Option()] = "cli",
) -> None:
    """Take a payment out of the review queue without applying it."""
    _manual("dismiss", transaction_id, reason, actor)


@app.command("unapply")
def unapply_command(
    transaction_id: Annotated[int, typer.Argument()],
    reason: Annotated[str, typer.Option(help="why the application was wrong")],
    actor: Annotated[str, typer.Option()] = "cli",
) -> None:
    """Reverse a payment's applications; it goes to the review queue."""
    _manual("unapply", transaction_id, reason, actor)


ACTOR_MAX = 120  # "cli:" + the name fits the 128 characters an audit event keeps for who


def _actor(actor: str) -> str:
    if not 0 < len(actor) <= ACTOR_MAX or "\x00" in actor:
        fail(f"--actor has 1 to {ACTOR_MAX} characters and no NUL, not {len(actor)}", code=1)
    return f"cli:{actor}"


def _manual(action: str, transaction_id: int, reason: str, actor: str) -> None:
    from reconcile.apply import ApplicationError
    from workflows import cash

    who = _actor(actor)
    if "\x00" in reason:
        fail("--reason must not contain NUL", code=1)
    rt = runtime()
    try:
        result = getattr(cash, action)(rt, transaction_id=transaction_id, actor=who, reason=reason)
    except ApplicationError as error:
        fail(f"{action}: {error}")
    print(f"{action} transaction #{transaction_id}" + (f": reopened {', '.join(result)}" if result else ""))


