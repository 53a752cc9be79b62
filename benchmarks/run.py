"""Run every benchmark and print one table (DESIGN.md §7).

    python -m benchmarks.run [--quick] [--only parse,ingest,...]

Benchmarks are a registry, discovered by file name: every module `benchmarks/bench_<name>.py`
that defines

    def run(quick: bool) -> list[benchmarks.Row]: ...

is registered as `<name>` (e.g. bench_parse.py → "parse"). `quick=True` must finish in
seconds (small inputs, for a smoke run); `quick=False` runs the sizes the targets are about.
A module that fails to import, or a `run` that raises, becomes a FAIL row — one broken
benchmark never hides the others. Exit code: 1 if any row is FAIL, else 0.

`pipeline` (bench_pipeline.py) runs `remit invoices import` and `remit ingest` end to end on
SQLite and PostgreSQL and prints its own table (backend, payments, invoices, seconds, growth,
auto-applied share) before this one.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path

from benchmarks import Row

BenchmarkFn = Callable[[bool], list[Row]]
_PREFIX = "bench_"
# Preferred order in the table; anything else discovered follows alphabetically.
_ORDER = ["parse", "ingest", "pipeline", "match", "accuracy"]


def discover() -> dict[str, str]:
    """name -> module path of every benchmarks/bench_<name>.py (imported lazily)."""
    here = Path(__file__).resolve().parent
    found = {
        info.name[len(_PREFIX):]: f"benchmarks.{info.name}"
        for info in pkgutil.iter_modules([str(here)])
        if info.name.startswith(_PREFIX)
    }
    rank = {name: i for i, name in enumerate(_ORDER)}
    return dict(sorted(found.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])))


def _load(module_name: str) -> BenchmarkFn:
    module = importlib.import_module(module_name)
    fn = getattr(module, "run", None)
    if not callable(fn):
        raise TypeError(f"{module_name} has no run(quick: bool) -> list[Row]")
    return fn


def run_all(names: Iterable[str], quick: bool, registry: dict[str, str]) -> list[Row]:
    rows: list[Row] = []
    for name in names:
        started = time.perf_counter()
        try:
            result = _load(registry[name])(quick)
        except Exception as exc:  # noqa: BLE001 - report, keep going with the next benchmark
            traceback.print_exc(file=sys.stderr)
            result = [Row(name, "", time.perf_counter() - started, "", None, "", "FAIL", f"{type(exc).__name__}: {exc}")]
        rows.extend(result)
    return rows


def _fmt_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds:.2f} s" if seconds < 100 else f"{seconds:.0f} s"


_VERDICT_STYLE = {"PASS": "bold green", "FAIL": "bold red", "INFO": "dim", "SKIP": "yellow"}


def print_table(rows: list[Row], title: str = "remit benchmarks") -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for column, justify in [
        ("benchmark", "left"), ("size", "right"), ("time", "right"), ("ratio / throughput", "right"),
        ("peak RSS", "right"), ("target", "left"), ("verdict", "center"),
    ]:
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for row in rows:
        table.add_row(
            row.benchmark,
            row.size,
            _fmt_seconds(row.seconds),
            row.metric or "—",
            "—" if row.peak_rss_mb is None else f"{row.peak_rss_mb:.0f} MB",
            row.target,
            f"[{_VERDICT_STYLE[row.verdict]}]{row.verdict}[/]",
        )
    console = Console(width=max(160, Console().width))
    console.print(table)
    for row in rows:
        if row.note:
            console.print(f"  [{_VERDICT_STYLE[row.verdict]}]{row.verdict}[/] {row.benchmark} ({row.size}): {row.note}")


def main(argv: list[str] | None = None) -> int:
    registry = discover()
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description="Run remit's benchmarks.")
    parser.add_argument("--quick", action="store_true", help="small inputs (~5 MB): a smoke run in under a minute")
    parser.add_argument("--only", help=f"comma-separated subset of: {', '.join(registry)}")
    args = parser.parse_args(argv)
    names = list(registry)
    if args.only:
        names = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in names if n not in registry]
        if unknown:
            parser.error(f"unknown benchmark(s) {', '.join(unknown)}; available: {', '.join(registry)}")
    started = time.perf_counter()
    rows = run_all(names, args.quick, registry)
    print_table(rows, title=f"remit benchmarks{' (quick)' if args.quick else ''} — {time.perf_counter() - started:.0f} s")
    return 1 if any(r.verdict == "FAIL" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
