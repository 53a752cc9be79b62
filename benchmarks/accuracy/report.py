"""Reporting: the per-scenario table, the summary metric, and the markdown file of wrong and
missed examples (payment, label, decision) for the engine's author."""

from __future__ import annotations

from collections import Counter
from typing import Any

from benchmarks import OUT
from benchmarks.accuracy.labels import Dataset, Label, allocations_of
from benchmarks.accuracy.scoring import WITH_ALTERNATIVE, Outcome, Tally


def pct(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}%"


def summary_metric(t: Tally) -> str:
    return f"auto-right {pct(t.right_pct)} · wrong {pct(t.wrong_pct, 2)} ({t.wrong}) · review {pct(t.review_pct)}"


def print_scenario_table(data: Dataset, outcomes: list[Outcome], title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    table.add_column("scenario")
    table.add_column("n", justify="right")
    for o in outcomes:
        table.add_column(f"{o.engine}\nright", justify="right")
        table.add_column(f"{o.engine}\nwrong", justify="right")
        table.add_column(f"{o.engine}\nreview", justify="right")
        table.add_column(f"{o.engine}\nas labelled", justify="right")
    matchable = {s.name: s.matchable for s in outcomes[0].scenarios}
    for name in [*outcomes[0].names, "TOTAL"]:
        cells = [name, f"{(outcomes[0].total if name == 'TOTAL' else outcomes[0].by_scenario[name]).n:,}"]
        for o in outcomes:
            t = o.total if name == "TOTAL" else o.by_scenario[name]
            wrong = f"[bold red]{t.wrong}[/]" if t.wrong else "0"
            shown = name != "TOTAL" and (not matchable[name] or name in WITH_ALTERNATIVE)
            as_labelled = f"{t.expected_outcome}/{t.n}" if shown else ""
            cells += [pct(t.right_pct) if t.matchable else "—", wrong, pct(t.review_pct), as_labelled]
        table.add_row(*cells)
    Console(width=max(160, Console().width)).print(table)


def _fmt_payment(p: Any) -> str:
    parts = [
        f"amount {p.amount} {p.currency}, value {p.value_date}, {p.direction.value}/{p.kind.value}",
        f"payer {p.payer_name!r} account {p.payer_account!r}",
    ]
    if p.remittance:
        parts.append(f"remittance {list(p.remittance)!r}")
    if p.references:
        parts.append(f"references {list(p.references)!r}")
    if p.invoices:
        parts.append("invoices " + ", ".join(f"{i.number}" + (f"={i.amount}" if i.amount is not None else "") for i in p.invoices))
    if getattr(p, "ultimate_payer", None) or getattr(p, "ultimate_payer_id", None):
        parts.append(f"ultimate payer {p.ultimate_payer!r} id {p.ultimate_payer_id!r}")
    if p.end_to_end_id and p.end_to_end_id != "NOTPROVIDED":
        parts.append(f"e2e {p.end_to_end_id!r}")
    return "; ".join(parts)


def _fmt_alloc(allocs: Any) -> str:
    return ", ".join(f"{n} applied {a} disc {d} wo {w}" for n, a, d, w in sorted(allocs)) or "(none)"


def _fmt_candidate(c: Any) -> str:
    return f"[{c.customer_id}] {_fmt_alloc(allocations_of(c))}; unapplied {c.unapplied}; score {c.score}; {list(c.reasons)!r}"


def _fmt_decision(d: Any) -> str:
    action = getattr(d.action, "value", d.action)
    reason = getattr(d.reason, "value", d.reason)
    lines = [f"{action}" + (f" ({reason})" if reason else "") + (f" — {d.explanation}" if d.explanation else "")]
    if d.applied is not None:
        lines.append(f"applied: {_fmt_candidate(d.applied)}")
    for i, s in enumerate(d.suggestions[:2]):
        lines.append(f"suggestion {i + 1}: {_fmt_candidate(s)}")
    return "\n    ".join(lines)


def _invoice_context(data: Dataset, label: Label) -> str:
    if not label.expected:
        return ""
    by_number = {i.number: i for i in data.invoices if i.number in {e[0] for e in label.expected}}
    out = []
    for number in sorted(by_number):
        inv = by_number[number]
        customer = next(c for c in data.customers if c.id == inv.customer_id)
        terms = inv.terms.text if inv.terms else "-"
        out.append(
            f"{number}: {customer.id} {customer.name!r} accounts {list(customer.accounts)}"
            + (f" parent {customer.parent_id}" if customer.parent_id else "") + f" · amount {inv.amount} "
            f"open {inv.open_amount} · issued {inv.issue_date} · {terms} · PO {inv.po_number}"
        )
    return "\n    ".join(out)


def write_examples(data: Dataset, outcome: Outcome, per_kind: int, size: str) -> str:
    """Markdown: up to `per_kind` wrong and missed examples per scenario. Returns the path."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"accuracy-examples-{outcome.engine}-{size}.md"
    lines = [f"# {outcome.engine}: wrong and missed payments ({size}, seed {data.seed})", ""]
    for name in outcome.names:
        wrongs, misses = outcome.wrongs.get(name, []), outcome.misses.get(name, [])
        if not wrongs and not misses:
            continue
        t = outcome.by_scenario[name]
        lines.append(f"## {name}: {t.wrong} wrong, {len(misses)} missed of {t.n}")
        reasons = Counter(getattr(d.reason, "value", d.reason) or getattr(d.action, "value", d.action) for _, d in misses)
        if reasons:
            lines.append("missed by reason: " + ", ".join(f"{r} {n}" for r, n in reasons.most_common()))
        variants = Counter(data.labels[i].variant.split(":")[0] if name != "ref_freetext" else data.labels[i].variant for i, _ in wrongs + misses)
        lines.append("by variant: " + ", ".join(f"{v} {n}" for v, n in variants.most_common(8)))
        lines.append("")
        for kind, items in (("WRONG", wrongs), ("MISSED", misses)):
            for index, decision in items[:per_kind]:
                p, label = data.payments[index], data.labels[index]
                lines += [
                    f"- **{kind}** payment {p.id} ({label.variant})",
                    f"    payment: {_fmt_payment(p)}",
                    f"    expected: {_fmt_alloc(label.expected) if label.expected else 'no automatic application'}"
                    + (f" / {getattr(label.expect_action, 'value', '')} {getattr(label.expect_reason, 'value', '') or ''}" if not label.matchable else ""),
                ]
                context = _invoice_context(data, label)
                if context:
                    lines.append(f"    invoices: {context}")
                lines.append(f"    decision: {_fmt_decision(decision)}")
        lines.append("")
    path.write_text("\n".join(lines))
    return str(path.relative_to(OUT.parent.parent))
