"""camt.053 parse benchmark (DESIGN.md §7): remit's streaming parser against a bare lxml pass.

For each size (default 25 MB and 250 MB; `--quick` 5 MB) a realistic camt.053.001.08 file is
generated once and cached in benchmarks/out/. Each measurement runs in its own subprocess so
peak RSS is that run's alone (VmHWM from /proc/self/status, else ru_maxrss):

  (a) baseline: `lxml.etree.iterparse(events=("end",))`, clearing every element and deleting
      its previous siblings — the usual memory-safe idiom, doing no work with the data;
  (b) remit: `iso20022.camt.iter_records` consuming every record without keeping it
      (counting entries/transactions, summing amounts as Decimal per direction/currency);
  (c) `remit parse FILE > out.json`: the whole command (start-up, parse, streamed JSON), run
      by a child that reports its own child's peak RSS and CPU (getrusage RUSAGE_CHILDREN).

Targets: (b)/(a) wall-time ratio <= 1.3; peak RSS < 200 MB and flat in file size. The
remit run's entry/transaction counts and exact totals must equal what the generator wrote.
(c)/(a) CPU-time ratio <= 1.5 (CPU, not wall: the JSON is written to disk, and a shared
machine's load moves wall time more) and peak RSS < 100 MB (issue 10; a 100k-entry file:
`--entries 100000`, or REMIT_BENCH_PARSE_ENTRIES=100000).
Best of 3 runs (5 with --quick) for all but the largest size (1 run); baseline and remit
runs alternate so that load on a shared machine affects both alike.

    python -m benchmarks.bench_parse [--sizes 25,250] [--runs 3]
    REMIT_BENCH_PARSE_SIZES=25,250 python -m benchmarks.run --only parse
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchmarks import OUT, ROOT, Row

FULL_SIZES_MB: tuple[float, ...] = (25, 250)
QUICK_SIZES_MB: tuple[float, ...] = (5,)
RATIO_TARGET = 1.3
RSS_TARGET_MB = 200.0
CLI_RATIO_TARGET = 1.5
CLI_RSS_TARGET_MB = 100.0
FLAT_FACTOR = 1.25  # largest size's peak RSS may be at most this times the smallest's
SEED = 1
_CHILD_TIMEOUT_S = 3600


# --- inputs ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Input:
    path: Path
    bytes: int
    entries: int
    transactions: int
    totals: dict[str, str]  # "credit EUR" -> exact decimal text


def ensure_input(size_mb: float | None = None, seed: int = SEED, *, entries: int | None = None) -> Input:
    """The cached generated file of this size, or of exactly `entries` entries (generated on
    first use, with a JSON sidecar)."""
    from benchmarks.generate_camt import GENERATOR_VERSION, generate

    size = f"{entries}e" if entries else f"{size_mb:g}mb"
    name = f"camt053-v08-{size}-seed{seed}-g{GENERATOR_VERSION}.xml"
    path = OUT / name
    meta = path.with_suffix(".json")
    if not (path.exists() and meta.exists()):
        result = generate(path, entries=entries, target_mb=None if entries else size_mb, seed=seed)
        meta.write_text(
            json.dumps(
                {
                    "bytes": result.bytes,
                    "entries": result.entries,
                    "transactions": result.transactions,
                    "totals": {k: str(v) for k, v in result.totals.items()},
                },
                indent=2,
            )
        )
    info = json.loads(meta.read_text())
    return Input(path, info["bytes"], info["entries"], info["transactions"], info["totals"])


# --- children (run in a fresh interpreter each) ---------------------------------------------


def _peak_rss_mb() -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / (1024 if sys.platform == "darwin" else 1)  # bytes on macOS, kB on Linux


def _child_lxml(path: Path) -> dict[str, Any]:
    from lxml import etree

    started, cpu = time.perf_counter(), time.process_time()
    with path.open("rb") as source:
        for _event, elem in etree.iterparse(source, events=("end",)):
            elem.clear()  # nothing else: this is the floor, not a parser
            while elem.getprevious() is not None:
                del elem.getparent()[0]
    return {"seconds": time.perf_counter() - started, "cpu_seconds": time.process_time() - cpu}


def _child_remit(path: Path) -> dict[str, Any]:
    from core.errors import ParseWarning
    from core.records import Entry
    from iso20022 import camt  # type: ignore[attr-defined]

    started, cpu = time.perf_counter(), time.process_time()
    entries = transactions = warnings = 0
    totals: dict[str, Decimal] = {}
    with path.open("rb") as source:
        for record in camt.iter_records(source):
            if isinstance(record, Entry):
                entries += 1
                transactions += len(record.transactions)
                key = f"{record.direction.value} {record.currency}"
                totals[key] = totals.get(key, Decimal(0)) + record.amount
            elif isinstance(record, ParseWarning):
                warnings += 1
    return {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu,
        "entries": entries,
        "transactions": transactions,
        "warnings": warnings,
        "totals": {k: str(v) for k, v in sorted(totals.items())},
    }


def _child_cli(path: Path) -> dict[str, Any]:
    """`remit parse path` with stdout in a file; its own peak RSS and CPU, as the parent of it."""
    import resource

    remit = Path(sys.executable).with_name("remit")
    command = [str(remit)] if remit.exists() else [sys.executable, "-m", "cli"]
    out_path = OUT / f"{path.stem}.parse.json"
    started = time.perf_counter()
    try:
        with out_path.open("wb") as out:
            proc = subprocess.run([*command, "parse", str(path)], stdout=out, stderr=subprocess.PIPE,
                                  cwd=ROOT, timeout=_CHILD_TIMEOUT_S)
        seconds = time.perf_counter() - started
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr.decode(errors="replace")[-500:])
        size = out_path.stat().st_size
        with out_path.open("rb") as out:
            out.seek(max(0, size - 2))
            if out.read() != b"}\n":
                raise RuntimeError("remit parse output does not end the JSON object")
    finally:
        out_path.unlink(missing_ok=True)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "seconds": seconds,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "json_bytes": size,
        "child_peak_rss_mb": usage.ru_maxrss / 1024,
    }


def _run_child(kind: str, path: Path) -> dict[str, Any]:
    """One measurement in a fresh interpreter; raises RuntimeError with its stderr on failure."""
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_parse", "--child", kind, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=_CHILD_TIMEOUT_S,
    )
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise RuntimeError(" | ".join(tail) or f"exit code {proc.returncode}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _best(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Fastest run (wall and CPU each at their best); peak RSS is the highest seen (memory is
    judged conservatively)."""
    best = min(results, key=lambda r: r["seconds"])
    return {
        **best,
        "cpu_seconds": min(r["cpu_seconds"] for r in results),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in results),
    }


# --- benchmark ------------------------------------------------------------------------------


def _parser_available() -> str | None:
    try:
        from iso20022 import camt  # type: ignore[attr-defined]  # noqa: F401
    except Exception as exc:  # noqa: BLE001 - any import failure means "cannot run"
        return f"iso20022.camt not importable: {exc}"
    return None


def _size_label(data: Input) -> str:
    return f"{data.bytes / 1024 / 1024:.0f} MB · {data.entries:,} entries"


def run(
    quick: bool = False,
    sizes: tuple[float, ...] | None = None,
    runs: int | None = None,
    entries: int | None = None,
) -> list[Row]:
    """The registry entry point (see benchmarks/run.py).

    Best of `runs` (3; 5 in quick mode, where sub-second runs are noisier) for every size but
    the largest, which runs once.
    """
    runs = runs or (5 if quick else 3)
    if sizes is None:
        env = os.environ.get("REMIT_BENCH_PARSE_SIZES")
        sizes = tuple(float(s) for s in env.split(",")) if env else (QUICK_SIZES_MB if quick else FULL_SIZES_MB)
    sizes = tuple(sorted(sizes))
    unavailable = _parser_available()
    rows: list[Row] = []
    remit_rss: list[float] = []
    for index, size in enumerate(sizes):
        data = ensure_input(size)
        mb = data.bytes / 1024 / 1024
        n = 1 if index == len(sizes) - 1 and len(sizes) > 1 else runs
        label = _size_label(data)
        target = f"≤ {RATIO_TARGET}× lxml, RSS < {RSS_TARGET_MB:.0f} MB"
        # Baseline and remit runs alternate, so a burst of load on a shared machine hits both.
        base_runs: list[dict[str, Any]] = []
        our_runs: list[dict[str, Any]] = []
        failure = None
        for _ in range(n):
            try:
                base_runs.append(_run_child("lxml", data.path))
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                rows.append(Row("parse: lxml iterparse (bare)", label, None, "", None, "baseline", "FAIL", str(exc)))
                break
            if unavailable or failure:
                continue
            try:
                our_runs.append(_run_child("remit", data.path))
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                failure = str(exc)
        if len(base_runs) < n:
            continue
        base = _best(base_runs)
        rows.append(
            Row(
                "parse: lxml iterparse (bare)", label, base["seconds"],
                f"{mb / base['seconds']:.1f} MB/s", base["peak_rss_mb"], "baseline", "INFO",
            )
        )
        if unavailable:
            rows.append(Row("parse: remit iter_records", label, None, "", None, target, "SKIP", unavailable))
            continue
        if failure:
            rows.append(Row("parse: remit iter_records", label, None, "", None, target, "FAIL", failure))
            continue
        ours = _best(our_runs)
        ratio = ours["seconds"] / base["seconds"]
        # CPU-time ratio alongside: far less sensitive to other load on a shared machine.
        cpu_ratio = ours["cpu_seconds"] / base["cpu_seconds"]
        remit_rss.append(ours["peak_rss_mb"])
        problems = []
        if ratio > RATIO_TARGET:
            problems.append(f"ratio {ratio:.2f} > {RATIO_TARGET}")
        if ours["peak_rss_mb"] >= RSS_TARGET_MB:
            problems.append(f"peak RSS {ours['peak_rss_mb']:.0f} MB ≥ {RSS_TARGET_MB:.0f} MB")
        if (ours["entries"], ours["transactions"]) != (data.entries, data.transactions):
            problems.append(
                f"read {ours['entries']:,} entries / {ours['transactions']:,} tx, "
                f"wrote {data.entries:,} / {data.transactions:,}"
            )
        if {k: Decimal(v) for k, v in ours["totals"].items()} != {k: Decimal(v) for k, v in data.totals.items()}:
            problems.append(f"totals differ: read {ours['totals']}, wrote {data.totals}")
        if ours["warnings"]:
            problems.append(f"{ours['warnings']:,} warnings on a valid file")
        rows.append(
            Row(
                "parse: remit iter_records", label, ours["seconds"],
                f"{ratio:.2f}× lxml (cpu {cpu_ratio:.2f}×) · {mb / ours['seconds']:.1f} MB/s",
                ours["peak_rss_mb"],
                target, "FAIL" if problems else "PASS", "; ".join(problems),
            )
        )
    if entries is None and os.environ.get("REMIT_BENCH_PARSE_ENTRIES"):
        entries = int(os.environ["REMIT_BENCH_PARSE_ENTRIES"])
    inputs = [ensure_input(size) for size in sizes]
    if entries:
        inputs.append(ensure_input(entries=entries))
    if not unavailable:
        for data in inputs:
            rows.append(_cli_row(data, 1 if data.bytes > 100 * 1024**2 else runs))
    if len(remit_rss) > 1:
        small, large = remit_rss[0], remit_rss[-1]
        flat = large <= small * FLAT_FACTOR
        rows.append(
            Row(
                "parse: remit RSS flat in size", f"{sizes[0]:g} → {sizes[-1]:g} MB", None,
                f"{small:.0f} → {large:.0f} MB ({large / small:.2f}×)", large,
                f"≤ {FLAT_FACTOR}× smallest", "PASS" if flat else "FAIL",
                "" if flat else f"peak RSS grows {large / small:.2f}× with file size",
            )
        )
    return rows


def _cli_row(data: Input, runs: int) -> Row:
    """`remit parse` against the bare iterparse pass over the same file (CPU-time ratio)."""
    name = "parse: remit parse (CLI, streamed JSON)"
    label = _size_label(data)
    target = f"≤ {CLI_RATIO_TARGET}× lxml cpu, RSS < {CLI_RSS_TARGET_MB:.0f} MB"
    try:
        base_runs, cli_runs = [], []
        for _ in range(runs):  # alternate, as above
            base_runs.append(_run_child("lxml", data.path))
            cli_runs.append(_run_child("cli", data.path))
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        return Row(name, label, None, "", None, target, "FAIL", str(exc))
    base, cli = _best(base_runs), _best(cli_runs)
    cpu_ratio = cli["cpu_seconds"] / base["cpu_seconds"]
    ratio = cli["seconds"] / base["seconds"]
    problems = []
    if cpu_ratio > CLI_RATIO_TARGET:
        problems.append(f"cpu ratio {cpu_ratio:.2f} > {CLI_RATIO_TARGET}")
    if cli["peak_rss_mb"] >= CLI_RSS_TARGET_MB:
        problems.append(f"peak RSS {cli['peak_rss_mb']:.0f} MB ≥ {CLI_RSS_TARGET_MB:.0f} MB")
    metric = (f"cpu {cpu_ratio:.2f}× lxml ({cli['cpu_seconds']:.1f} s / {base['cpu_seconds']:.1f} s)"
              f" · wall {ratio:.2f}× · JSON {cli['json_bytes'] / 1024**2:.0f} MB")
    if data.bytes < 50 * 1024**2:  # the command's start-up (~1 s of imports) dominates
        return Row(name, label, cli["seconds"], metric, cli["peak_rss_mb"], target, "INFO",
                   "too small a file to judge the ratio: start-up dominates")
    return Row(name, label, cli["seconds"], metric, cli["peak_rss_mb"], target,
               "FAIL" if problems else "PASS", "; ".join(problems))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_parse")
    parser.add_argument("--child", choices=["lxml", "remit", "cli"], help=argparse.SUPPRESS)
    parser.add_argument("--entries", type=int, default=None,
                        help="also time remit parse on a generated file of this many entries")
    parser.add_argument("file", nargs="?", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--sizes", help="comma-separated sizes in MB (default 25,250)")
    parser.add_argument("--runs", type=int, default=None, help="best of N for all but the largest size (3; quick 5)")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.child:
        child = {"lxml": _child_lxml, "remit": _child_remit, "cli": _child_cli}[args.child]
        result = child(args.file)
        result["peak_rss_mb"] = result.pop("child_peak_rss_mb", None) or _peak_rss_mb()
        print(json.dumps(result))
        return 0
    from benchmarks.run import print_table

    sizes = tuple(float(s) for s in args.sizes.split(",")) if args.sizes else None
    rows = run(args.quick, sizes, args.runs, args.entries)
    print_table(rows)
    return 1 if any(r.verdict == "FAIL" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
