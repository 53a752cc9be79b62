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

    python -m benchmarks.bench_scale [--quick] [--sizes 1000:10000,100000:1000000]
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


def _child(n_payments: int, n_invoices: int, seed: int) -> dict[str, Any]:
    from benchmarks.bench_parse import _peak_rss_mb
    from reconcile.engine import match

    started = time.perf_counter()
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
        "ordered": ordered,
        "actions": actions,
        "data_rss_mb": data_rss,
        "peak_rss_mb": _peak_rss_mb(),
    }


def _run_child(n_payments: int, n_invoices: int, seed: int) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_scale", "--child", f"{n_payments}:{n_invoices}", "--seed", str(seed)],
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


def run(quick: bool = False, sizes: tuple[tuple[int, int], ...] | None = None, seed: int = SEED) -> list[Row]:
    """The registry entry point (see benchmarks/run.py)."""
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
        (small, small_us), (large, large_us) = per_payment[0], per_payment[-1]
        ratio = large_us / small_us
        ok = ratio <= GROWTH_FACTOR
        rows.append(Row(
            "match: cost per payment vs size", f"{_label(*small)} → {_label(*large)}", None,
            " → ".join(f"{us:,.0f}" for _, us in per_payment) + f" µs ({ratio:.2f}×)", None,
            f"≤ {GROWTH_FACTOR:g}× smallest (near-linear)", "PASS" if ok else "FAIL",
            "" if ok else f"cost per payment grows {ratio:.2f}× while invoices grow {large[1] / small[1]:.0f}×",
        ))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_scale")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--sizes", help="comma-separated payments:invoices (default 1000:10000,...,100000:1000000)")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.child:
        n_payments, n_invoices = (int(x) for x in args.child.split(":"))
        print(json.dumps(_child(n_payments, n_invoices, args.seed)))
        return 0
    from benchmarks.run import print_table

    rows = run(args.quick, _parse_sizes(args.sizes) if args.sizes else None, args.seed)
    print_table(rows)
    return 1 if any(r.verdict == "FAIL" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
