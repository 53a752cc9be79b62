"""The held-out corpus (issue 13) as a benchmark row per format: every public bank file of
benchmarks/corpus/manifest.json read right or refused with its reason (benchmarks/corpus/run.py).

Quick and full runs are the same: the whole corpus parses in a few seconds.
"""

from __future__ import annotations

from collections import defaultdict

from benchmarks import Row
from benchmarks.corpus import run as corpus


def run(quick: bool) -> list[Row]:
    by_format: dict[str, list[corpus.Outcome]] = defaultdict(list)
    for item in corpus.manifest():
        by_format[item["file"].split("/", 1)[0]].append(corpus.check(item))
    rows = []
    for fmt, outcomes in sorted(by_format.items()):
        count = {v: sum(o.verdict == v for o in outcomes)
                 for v in ("read", "refused", "wrong", "missing", "changed")}
        bad = [o for o in outcomes if o.verdict in ("wrong", "changed")]
        slowest = max((o.seconds for o in outcomes), default=0.0)
        rows.append(Row(
            f"corpus: {fmt}", f"{len(outcomes)} files", sum(o.seconds for o in outcomes),
            f"{count['read']} read · {count['refused']} refused · {count['wrong']} wrong"
            + (f" · {count['missing']} not present" if count["missing"] else ""),
            None, f"0 wrong, none over {corpus.TIME_LIMIT:.0f} s (slowest {slowest:.2f} s)",
            "FAIL" if bad else "PASS", "; ".join(f"{o.file}: {o.detail}" for o in bad[:3])))
    return rows
