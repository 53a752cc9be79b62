"""Matching throughput (DESIGN.md §7): `reconcile.engine.match` on 100k payments against 1M
open invoices, and smaller sizes to show how the cost grows.

Each size runs in a fresh interpreter (peak RSS = VmHWM of that run alone): it generates the
book and the day in memory with a fast, simple generator (below — not the labelled accuracy
generator, whose uniqueness checks are too slow for 1M invoices), then times `match()` only.
Sizes (payments / open invoices): full 1k/10k, 10k/100k, 100k/1M; quick 1k/10k, 10k/100k.

Targets: 100k × 1M in ≤ 60 s on a 2-core machine; cost per payment at the largest size at
most 3× the smallest (near-linear: the engine indexes the book once per run instead of
scanning it per payment, DESIGN.md §5). The peak RSS column includes the generated inputs
(~0.5 KB per open invoice), so it is the whole run's footprint, not the engine's alone.

Then the engine alone on the nightly day of the end-to-end benchmark (bench_pipeline): the
labelled accuracy day of M payments plus the background book of generate_pipeline (~5×M open
invoices), built in memory as the database path would hand them to `match()` — every kind of
payment, subset searches and reviews included, so slower per payment than the fast day above.
Sizes: full 4k and 20k payments, quick 1k and 4k (the accuracy generator is too slow for 100k).
Target: ≤ PIPELINE_TARGET_US per payment, so 100k payments take about half of the 60 s the
issue allows a whole run, and the cost per payment grows at most PIPELINE_GROWTH× from the
smallest size to the largest.

    python -m benchmarks.bench_scale [--quick] [--sizes 1000:10000,100000:1000000] [--pipeline 4000,20000]
    REMIT_BENCH_SCALE_SIZES=10000:100000 python -m benchmarks.run --only scale
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import subprocess
import sys
import time
from datetime import date, timedelta
from typing import Any

from benchmarks import ROOT, Row

FULL_SIZES: tuple[tuple[int, int], ...] = ((1_000, 10_000), (10_000, 100_000), (100_000, 1_000_000))
QUICK_SIZES: tuple[tuple[int, int], ...] = ((1_000, 10_000), (10_000, 100_000))
TARGET_SECONDS = 60.0  # for the 100k × 1M size
TARGET_AT = (100_000, 1_000_000)
GROWTH_FACTOR = 3.0  # largest size's cost per payment may be at most this × the smallest's
INVOICES_PER_CUSTOMER = 20
SEED = 1
_CHILD_TIMEOUT_S = 900  # 15× the target: a quadratic engine is reported, not waited for
PIPELINE_SIZES: tuple[int, ...] = (4_000, 20_000)
PIPELINE_QUICK: tuple[int, ...] = (1_000, 4_000)
PIPELINE_TARGET_US = 300.0  # per payment: 100k payments ≈ 30 s, half of a run's 60 s (issue 10)
PIPELINE_GROWTH = 1.5


# --- fast generator (runs in the child) -----------------------------------------------------

_CONSONANTS = "bdfgklmnprstvz"
_VOWELS = "aeiou"
_SECOND = ("Industries", "Logistics", "Foods", "Systems", "Trading", "Supply", "Holdings", "Services",
           "Manufacturing", "Technologies", "Medical", "Packaging", "Metals", "Partners", "Group")
_LEGAL = ("Inc", "LLC", "Corp", "GmbH", "AG", "SA", "BV", "Ltd")
_TERMS_TEXT = ("Net 30", "2/10 Net 30", "1%15 Net 45", "Net 30 EOM", "Net 45")


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(_CONSONANTS) + rng.choice(_VOWELS) for _ in range(rng.randint(2, 3))).capitalize()


def make_data(n_payments: int, n_invoices: int, seed: int = SEED) -> tuple[list[Any], list[Any], list[Any]]:
    """(payments, customers, invoices): a realistic-enough shape, built fast.

    Customers own contiguous runs of invoices (mean 20, skewed); invoice numbers in four
    house styles from one counter (never colliding); amounts from integer cents. Payments:
    55% exact invoice number, 15% number in free text, 10% payer account + exact amount,
    8% one payment for 2-3 referenced invoices, 7% payer name only + amount, 5% unknown
    payer with nothing usable.
    """
    from stdnum.iso7064 import mod_97_10

    from core.money import from_minor
    from core.records import InvoiceRef, Kind
    from core.terms import parse_terms
    from reconcile.model import Customer, OpenInvoice, Payment

    rng = random.Random(seed)
    as_of = date(2026, 3, 16)
    days = [as_of - timedelta(days=d) for d in range(1, 63)]
    terms = [parse_terms(t)[0] for t in _TERMS_TEXT]
    due = {(t.text, d): t.net_due(d) for t in terms for d in days}

    customers: list[Customer] = []
    owner: list[int] = []  # invoice index -> customer index
    starts: list[int] = []
    total = 0
    while total < n_invoices:
        size = min(rng.choice((3, 5, 8, 12, 15, 20, 25, 40, 60, 100)), n_invoices - total)
        index = len(customers)
        accounts: tuple[str, ...] = ()
        if rng.random() < 0.6:
            bban = f"{rng.randrange(10**8):08d}{index:010d}"  # unique per customer
            accounts = (f"DE{mod_97_10.calc_check_digits(bban + 'DE')}{bban}",)
        name = f"{_word(rng)} {rng.choice(_SECOND)} {rng.choice(_LEGAL)}"
        customers.append(Customer(id=f"S{index:07d}", name=name, accounts=accounts))
        starts.append(total)
        owner.extend([index] * size)
        total += size

    invoices: list[OpenInvoice] = []
    for i in range(n_invoices):
        cust = customers[owner[i]]
        style = i % 4
        n = 100_000 + i
        number = (f"INV-{n}", str(n), f"2026-{n:07d}", f"F2026/{n}")[style]
        # One counter for all styles (i % 4 picks the style), so no two invoices share a
        # number under any normalisation ("INV-100004" and "100004" never both exist).
        cents = rng.randrange(5_000, 2_500_000)
        issue = days[rng.randrange(len(days))]
        t = terms[rng.randrange(len(terms))]
        amount = from_minor(cents, "EUR")
        invoices.append(OpenInvoice(
            id=i + 1, number=number, customer_id=cust.id, currency="EUR", amount=amount,
            open_amount=amount, issue_date=issue, due_date=due[(t.text, issue)], terms=t,
            po_number=f"45{n:08d}" if i % 2 else None,
        ))

    payments: list[Payment] = []
    targets = rng.sample(range(n_invoices), n_payments)
    for pid, i in enumerate(targets, start=1):
        inv, cust = invoices[i], customers[owner[i]]
        roll = rng.random()
        name: str | None = cust.name.upper()
        account = cust.accounts[0] if cust.accounts else None
        remittance: tuple[str, ...] = ()
        refs: tuple[InvoiceRef, ...] = ()
        amount = inv.open_amount
        if roll < 0.55:
            remittance = (inv.number,)
        elif roll < 0.70:
            remittance = (f"PAYMENT INV {inv.number.removeprefix('INV-')} THANK YOU", f"{as_of:%d.%m.%Y}")
        elif roll < 0.80:
            name = None if account else name
        elif roll < 0.88:
            group = [j for j in (i, i + 1, i + 2) if j < n_invoices and owner[j] == owner[i]][: rng.randint(2, 3)]
            refs = tuple(InvoiceRef(invoices[j].number, invoices[j].open_amount) for j in group)
            amount = sum((invoices[j].open_amount for j in group), start=from_minor(0, "EUR"))
        elif roll < 0.95:
            account = None
        else:
            name, account = f"{_word(rng).upper()} {_word(rng).upper()}", None
            amount = from_minor(rng.randrange(5_000, 2_500_000) + 1, "EUR")
        payments.append(Payment(
            id=pid, amount=amount, currency="EUR", value_date=as_of, kind=Kind.SEPA,
            payer_name=name, payer_account=account, remittance=remittance, invoices=refs,
            bank_reference=f"B{pid:09d}",
        ))
    return payments, customers, invoices


def pipeline_day(m: int, seed: int = SEED) -> tuple[list[Any], list[Any], list[Any]]:
    """(payments, customers, invoices) of bench_pipeline's day of m payments, as `match()` gets
    them from the database: the accuracy day, generate_pipeline's background book (the same
    rows, from the same random stream), end-to-end ids as in the camt.053."""
    from dataclasses import replace

    from benchmarks.accuracy_data import generate, letters_id
    from benchmarks.generate_pipeline import E2E_PREFIX, OPEN_PER_PAYMENT, _cents, background_rows
    from core.money import D
    from core.terms import parse_terms
    from reconcile.model import Customer, OpenInvoice

    data = generate(seed, max(8, m // 5), m)
    rng = random.Random(seed + 1)  # as generate_pipeline._write_day draws it
    avoid = {_cents(p.amount) for p in data.payments} | {_cents(i.open_amount) for i in data.invoices}
    background = max(0, OPEN_PER_PAYMENT * m - sum(1 for i in data.invoices if i.open_amount > 0))
    invoices = list(data.invoices)
    customers = {c.id: c for c in data.customers}
    terms: dict[str, Any] = {}
    next_id = max(i.id for i in invoices) + 1
    for number, cid, name, currency, amount, open_amount, issued, due, text, po, accounts, _ in \
            background_rows(background, rng, avoid_cents=avoid):
        if text not in terms:
            parsed, _warning = parse_terms(text)
            terms[text] = parsed if parsed.text else None
        invoices.append(OpenInvoice(next_id, number, cid, currency, D(amount), D(open_amount),
                                    date.fromisoformat(issued), date.fromisoformat(due) if due else None,
                                    terms[text], po or None))
        next_id += 1
        customers.setdefault(cid, Customer(cid, name, tuple(a for a in accounts.split(";") if a)))
    payments = [replace(p, end_to_end_id=letters_id(E2E_PREFIX, p.id)) for p in data.payments]
    return payments, list(customers.values()), invoices


# --- child ----------------------------------------------------------------------------------


def _rss_mb(field: str) -> float | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _child(n_payments: int, n_invoices: int, seed: int, day: str = "scale") -> dict[str, Any]:
    from benchmarks.bench_parse import _peak_rss_mb
    from reconcile.engine import match

    started = time.perf_counter()
    if day == "pipeline":
        payments, customers, invoices = pipeline_day(n_payments, seed)
    else:
        payments, customers, invoices = make_data(n_payments, n_invoices, seed)
    gen_seconds = time.perf_counter() - started
    gc.collect()
    data_rss = _rss_mb("VmRSS")
    started, cpu = time.perf_counter(), time.process_time()
    decisions = match(payments, customers, invoices)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    ordered = len(decisions) == len(payments) and all(d.payment_id == p.id for d, p in zip(decisions, payments))
    actions: dict[str, int] = {}
    for d in decisions:
        key = getattr(d.action, "value", str(d.action))
        actions[key] = actions.get(key, 0) + 1
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "gen_seconds": gen_seconds,
        "decisions": len(decisions),
        "invoices": len(invoices),
        "ordered": ordered,
        "actions": actions,
        "data_rss_mb": data_rss,
        "peak_rss_mb": _peak_rss_mb(),
    }


def _run_child(n_payments: int, n_invoices: int, seed: int, day: str = "scale") -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_scale", "--child", f"{n_payments}:{n_invoices}", "--seed", str(seed),
         "--day", day],
        cwd=ROOT, capture_output=True, text=True, timeout=_CHILD_TIMEOUT_S,
    )
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise RuntimeError(" | ".join(tail) or f"exit code {proc.returncode}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- benchmark ------------------------------------------------------------------------------


def _engine_available() -> str | None:
    try:
        from reconcile.engine import match  # noqa: F401
    except Exception as exc:  # noqa: BLE001 - any import failure means "cannot run"
        return f"reconcile.engine not importable: {type(exc).__name__}: {exc}"
    return None


def _label(n_payments: int, n_invoices: int) -> str:
    return f"{n_payments:,} pay × {n_invoices:,} inv"


def _parse_sizes(text: str) -> tuple[tuple[int, int], ...]:
    return tuple((int(p), int(i)) for p, i in (s.split(":") for s in text.split(",") if s.strip()))


def run(quick: bool = False, sizes: tuple[tuple[int, int], ...] | None = None, seed: int = SEED,
        pipeline: tuple[int, ...] | None = None) -> list[Row]:
    """The registry entry point (see benchmarks/run.py)."""
    rows = _scale_rows(quick, sizes, seed)
    rows += _pipeline_rows(pipeline or (PIPELINE_QUICK if quick else PIPELINE_SIZES), seed)
    return rows


def _pipeline_rows(sizes: tuple[int, ...], seed: int) -> list[Row]:
    """The engine alone on bench_pipeline's nightly day (see the module docstring)."""
    name = "match: engine on the pipeline day"
    unavailable = _engine_available()
    rows: list[Row] = []
    per_payment: list[tuple[int, float]] = []
    target = f"≤ {PIPELINE_TARGET_US:g} µs/payment"
    for m in sorted(sizes):
        label = f"{m:,} pay × ~{5 * m:,} open inv"
        if unavailable:
            rows.append(Row(name, label, None, "", None, target, "SKIP", unavailable))
            continue
        try:
            result = _run_child(m, 0, seed, day="pipeline")
        except (subprocess.TimeoutExpired, RuntimeError) as exc:
            rows.append(Row(name, label, None, "", None, target, "FAIL", str(exc) or type(exc).__name__))
            continue
        us = result["cpu_seconds"] / m * 1e6
        per_payment.append((m, us))
        applied = result["actions"].get("apply", 0)
        problems = [] if result["ordered"] else ["not one decision per payment in input order"]
        if us > PIPELINE_TARGET_US:
            problems.append(f"{us:,.0f} µs per payment > {PIPELINE_TARGET_US:g}")
        rows.append(Row(
            name, f"{m:,} pay × {result['invoices']:,} inv", result["seconds"],
            f"{us:,.0f} µs/payment (CPU) · {m / result['seconds']:,.0f} pay/s · {100 * applied / m:.0f}% applied",
            result["peak_rss_mb"], target, "FAIL" if problems else "PASS", "; ".join(problems),
        ))
    if len(per_payment) > 1:
        small, large = per_payment[0][0], per_payment[-1][0]
        rows.append(_growth_row(
            "match: pipeline day, cost per payment vs size", f"{small:,} → {large:,} payments",
            [us for _, us in per_payment], PIPELINE_GROWTH, "linear", f"payments grow {large / small:.0f}×"))
    return rows


def _growth_row(name: str, size: str, costs: list[float], limit: float, kind: str, grows: str) -> Row:
    """The CPU per payment at the largest size against the smallest (µs, in size order)."""
    ratio = costs[-1] / costs[0]
    ok = ratio <= limit
    return Row(name, size, None, " → ".join(f"{us:,.0f}" for us in costs) + f" µs ({ratio:.2f}×)", None,
               f"≤ {limit:g}× smallest ({kind})", "PASS" if ok else "FAIL",
               "" if ok else f"cost per payment grows {ratio:.2f}× while {grows}")


def _scale_rows(quick: bool, sizes: tuple[tuple[int, int], ...] | None, seed: int) -> list[Row]:
    if sizes is None:
        env = os.environ.get("REMIT_BENCH_SCALE_SIZES")
        sizes = _parse_sizes(env) if env else (QUICK_SIZES if quick else FULL_SIZES)
    sizes = tuple(sorted(sizes))
    unavailable = _engine_available()
    rows: list[Row] = []
    per_payment: list[tuple[tuple[int, int], float]] = []
    for n_payments, n_invoices in sizes:
        label = _label(n_payments, n_invoices)
        is_target = (n_payments, n_invoices) == TARGET_AT
        target = f"≤ {TARGET_SECONDS:g} s (2 cores)" if is_target else "growth (see below)"
        if unavailable:
            rows.append(Row("match: remit engine", label, None, "", None, target, "SKIP", unavailable))
            continue
        try:
            result = _run_child(n_payments, n_invoices, seed)
        except subprocess.TimeoutExpired:
            rows.append(Row("match: remit engine", label, None, "", None, target, "FAIL",
                            f"did not finish in {_CHILD_TIMEOUT_S} s"))
            continue
        except RuntimeError as exc:
            rows.append(Row("match: remit engine", label, None, "", None, target, "FAIL", str(exc)))
            continue
        us = result["seconds"] / n_payments * 1e6
        per_payment.append(((n_payments, n_invoices), us))
        applied = result["actions"].get("apply", 0)
        metric = (f"{us:,.0f} µs/payment · {n_payments / result['seconds']:,.0f} pay/s · "
                  f"{100 * applied / n_payments:.0f}% applied")
        problems = []
        if not result["ordered"]:
            problems.append(f"{result['decisions']:,} decisions, not one per payment in input order")
        if is_target and result["seconds"] > TARGET_SECONDS:
            problems.append(f"{result['seconds']:.1f} s > {TARGET_SECONDS:g} s")
        note = "; ".join(problems)
        if result.get("data_rss_mb"):
            note += ("; " if note else "") + f"inputs alone {result['data_rss_mb']:.0f} MB RSS, generated in {result['gen_seconds']:.1f} s"
        rows.append(Row(
            "match: remit engine", label, result["seconds"], metric, result["peak_rss_mb"], target,
            "FAIL" if problems else ("PASS" if is_target else "INFO"), note,
        ))
    if len(per_payment) > 1:
        small, large = per_payment[0][0], per_payment[-1][0]
        rows.append(_growth_row(
            "match: cost per payment vs size", f"{_label(*small)} → {_label(*large)}",
            [us for _, us in per_payment], GROWTH_FACTOR, "near-linear", f"invoices grow {large[1] / small[1]:.0f}×"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_scale")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--sizes", help="comma-separated payments:invoices (default 1000:10000,...,100000:1000000)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--pipeline", help="comma-separated payments of the pipeline-day rows (default 4000,20000)")
    parser.add_argument("--day", default="scale", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        n_payments, n_invoices = (int(x) for x in args.child.split(":"))
        print(json.dumps(_child(n_payments, n_invoices, args.seed, args.day)))
        return 0
    from benchmarks.run import print_table

    pipeline = tuple(int(x) for x in args.pipeline.split(",")) if args.pipeline else None
    rows = run(args.quick, _parse_sizes(args.sizes) if args.sizes else None, args.seed, pipeline)
    print_table(rows)
    return 1 if any(r.verdict == "FAIL" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
