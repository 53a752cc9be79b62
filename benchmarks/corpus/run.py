"""The held-out corpus (issue 13): every public bank file read right or refused with a reason.

`manifest.json` lists public bank files remit was not written against — each with its origin
(repository, commit, path), licence, SHA-256 and what reading it must give: the statements,
entries, credits and debits per currency, ACH return and NOC codes, the warnings the file's
own inconsistent controls call for; or, for a file that must not be read, the line, field
and reason of its refusal. The figures come from the files themselves (control records,
balances, a naive second reading: facts.py), from the source project's own test
assertions, or by hand — never from remit's output.

Files under MIT/Apache-2.0 are in fixtures/corpus/<format>/; the others (GPL, AGPL) are read
from a download cache outside the repo, `REMIT_CORPUS_CACHE` (default ../shared/heldout),
and skipped when absent.

    .venv/bin/python -m benchmarks.corpus.run [--verbose]    # a line per format; exit 1 if any is wrong

Each file is parsed under a time limit (TIME_LIMIT seconds): a hang is a failure, as is a
crash (any exception but ParseError).
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from core.errors import ParseError
from core.records import Direction, ParsedFile
from ingest import formats

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = Path(__file__).with_name("manifest.json")
FIXTURES = ROOT / "fixtures" / "corpus"
CACHE = Path(os.environ.get("REMIT_CORPUS_CACHE", ROOT.parent / "shared" / "heldout")).resolve()
TIME_LIMIT = 20.0  # seconds per file; the largest (5,000 entries) takes well under one


def manifest() -> list[dict]:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))["files"]


def locate(item: dict) -> Path | None:
    """The file: in fixtures/corpus when its licence lets us copy it, else in the cache."""
    for base in (FIXTURES, CACHE):
        path = base / item["file"]
        if path.is_file():
            return path
    return None


@dataclass(frozen=True)
class Outcome:
    file: str
    verdict: str  # "read" | "refused" (as expected), "wrong", "missing", "changed"
    detail: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.verdict in ("read", "refused")


class _Timeout(Exception):
    pass


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    if not hasattr(signal, "setitimer"):  # pragma: no cover - POSIX only
        yield
        return

    def expired(signum: int, frame: object) -> None:
        raise _Timeout

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _money(total: dict[str, Decimal]) -> dict[str, Decimal]:
    return {ccy: amount for ccy, amount in total.items() if amount}


def figures(parsed: ParsedFile) -> dict:
    """What the manifest states of a read file, taken from remit's reading of it."""
    credits: dict[str, Decimal] = defaultdict(Decimal)
    debits: dict[str, Decimal] = defaultdict(Decimal)
    returns: list[str] = []
    nocs: list[str] = []
    entries = 0
    for entry in parsed.entries():
        entries += 1
        side = credits if entry.direction is Direction.CREDIT else debits
        side[entry.currency or ""] += entry.amount
        for tx in entry.transactions:
            if tx.return_info is not None and tx.return_info.reason_code:
                returns.append(tx.return_info.reason_code)
            if tx.change_info is not None:
                nocs.append(tx.change_info.change_code)
    return {"format": str(parsed.format), "statements": len(parsed.statements), "entries": entries,
            "credits": _money(credits), "debits": _money(debits), "returns": sorted(returns),
            "nocs": sorted(nocs), "warning_fields": sorted({w.field or "" for w in parsed.warnings})}


def _differences(expect: dict, got: dict) -> list[str]:
    wrong = []
    for key in ("format", "statements", "entries"):
        if key in expect and expect[key] != got[key]:
            wrong.append(f"{key}: expected {expect[key]}, read {got[key]}")
    for key in ("credits", "debits"):
        if key in expect:
            want = {ccy: Decimal(v) for ccy, v in expect[key].items() if Decimal(v)}
            if want != got[key]:
                shown = {ccy: str(v) for ccy, v in got[key].items()}
                wrong.append(f"{key}: expected {expect[key]}, read {shown}")
    for key in ("returns", "nocs"):
        if key in expect and sorted(expect[key]) != got[key]:
            wrong.append(f"{key}: expected {sorted(expect[key])}, read {got[key]}")
    missing = set(expect.get("warning_fields", ())) - set(got["warning_fields"])
    if missing:
        wrong.append(f"no warning on {sorted(missing)} (the file's own controls disagree there)")
    return wrong


def check(item: dict) -> Outcome:
    path = locate(item)
    if path is None:
        return Outcome(item["file"], "missing", f"not in {FIXTURES} nor {CACHE}")
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != item["sha256"]:
        return Outcome(item["file"], "changed", "SHA-256 differs from the manifest's")
    expect = item["expect"]
    start = time.perf_counter()
    try:
        with _time_limit(TIME_LIMIT):
            parsed = formats.parse_path(path)
    except ParseError as error:
        seconds = time.perf_counter() - start
        return _refused(item, error, seconds)
    except _Timeout:
        return Outcome(item["file"], "wrong", f"no answer within {TIME_LIMIT:.0f} s", TIME_LIMIT)
    except Exception as error:  # a crash: exactly what this corpus is here to catch
        return Outcome(item["file"], "wrong", f"crashed: {type(error).__name__}: {error}",
                       time.perf_counter() - start)
    seconds = time.perf_counter() - start
    if "refused" in expect:
        because = expect["refused"]["because"]
        return Outcome(item["file"], "wrong", f"read, but should be refused: {because}", seconds)
    wrong = _differences(expect["read"], figures(parsed))
    return Outcome(item["file"], "wrong" if wrong else "read", "; ".join(wrong), seconds)


def _refused(item: dict, error: ParseError, seconds: float) -> Outcome:
    want = item["expect"].get("refused")
    if want is None:
        return Outcome(item["file"], "wrong", f"refused: {error}", seconds)
    wrong = []
    if Path(item["file"]).name not in str(error):
        wrong.append("the refusal does not name the file")
    for key in ("line", "field"):
        if key in want and getattr(error, key) != want[key]:
            wrong.append(f"{key}: expected {want[key]!r}, refusal says {getattr(error, key)!r}")
    if want["because"].lower() not in str(error).lower():
        wrong.append(f"reason: expected {want['because']!r} in {str(error)!r}")
    verdict = "wrong" if wrong else "refused"
    return Outcome(item["file"], verdict, "; ".join(wrong) or str(error), seconds)


def main(argv: list[str]) -> int:
    verbose = "--verbose" in argv
    outcomes = [check(item) for item in manifest()]
    table: dict[str, Counter[str]] = defaultdict(Counter)
    for outcome in outcomes:
        table[outcome.file.split("/", 1)[0]][outcome.verdict] += 1
    print(f"{'format':10} {'files':>5} {'read':>5} {'refused':>7} {'wrong':>5} {'missing':>7}")
    for fmt in sorted(table):
        row = table[fmt]
        print(f"{fmt:10} {sum(row.values()):5} {row['read']:5} {row['refused']:7} {row['wrong']:5} "
              f"{row['missing'] + row['changed']:7}")
    slowest = max(outcomes, key=lambda o: o.seconds)
    print(f"slowest: {slowest.file} {slowest.seconds:.2f} s (limit {TIME_LIMIT:.0f} s)")
    for outcome in outcomes:
        if outcome.verdict in ("wrong", "changed") or (verbose and not outcome.ok):
            print(f"{outcome.verdict.upper()} {outcome.file}: {outcome.detail}")
        elif verbose:
            why = f": {outcome.detail}" if outcome.verdict == "refused" else ""
            print(f"{outcome.verdict} {outcome.file}{why}")
    return 1 if any(o.verdict in ("wrong", "changed") for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
