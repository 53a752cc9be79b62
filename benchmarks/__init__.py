"""remit benchmarks (DESIGN.md §7): `python -m benchmarks.run` runs them all and prints one table.

Every benchmark module `benchmarks/bench_<name>.py` exposes `run(quick: bool) -> list[Row]`;
`benchmarks.run` discovers them by file name, so adding a benchmark is adding a file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(__file__).resolve().parent / "out"  # generated inputs, cached; git-ignored

Verdict = Literal["PASS", "FAIL", "INFO", "SKIP"]


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the results table.

    benchmark  what was measured, e.g. "parse camt.053: remit iter_records"
    size       the input size, e.g. "250 MB / 100,000 entries"
    seconds    wall time of the measured work (not interpreter start-up); None if not timed
    metric     the ratio or throughput the target is about, e.g. "1.21x lxml · 48.3 MB/s"
    peak_rss_mb  peak resident memory of the process that did the work; None if not measured
    target     the target in words, e.g. "ratio <= 1.3, RSS < 200 MB"
    verdict    PASS / FAIL against the target, INFO for baselines, SKIP when not runnable
    note       why a FAIL or SKIP happened (printed under the table)
    """

    benchmark: str
    size: str
    seconds: float | None
    metric: str
    peak_rss_mb: float | None
    target: str
    verdict: Verdict
    note: str = ""
