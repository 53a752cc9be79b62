"""py-spy on the server during one step, and a summary of where its time goes (share per
request phase, hottest functions)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks import OUT


@contextmanager
def profiling(pid: int, seconds: float, label: str) -> Iterator[Path | None]:
    """py-spy the server for `seconds`; writes collapsed stacks (+ a summary) to benchmarks/out."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        print("py-spy not installed (pip install py-spy): not profiling", file=sys.stderr)
        yield None
        return
    OUT.mkdir(parents=True, exist_ok=True)
    raw = OUT / f"api-load-{label}.collapsed.txt"
    proc = subprocess.Popen(
        # --gil: only samples holding the GIL, i.e. the Python CPU time one process is capped
        # by; waiting on PostgreSQL or for work does not show (the CPU columns cover that).
        [
            spy,
            "record",
            "-p",
            str(pid),
            "-d",
            str(int(seconds)),
            "-r",
            "200",
            "-f",
            "raw",
            "-o",
            str(raw),
            "--nonblocking",
            "--gil",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield raw
    finally:
        _, err = proc.communicate(timeout=seconds + 60)
        if proc.returncode != 0:
            print(f"py-spy failed: {err.decode(errors='replace')[-500:]}", file=sys.stderr)
        elif raw.exists():
            summary = summarise_profile(raw)
            raw.with_suffix(".summary.txt").write_text(summary)
            print(summary)


# Where a sample's time goes: walking from the leaf up, the first frame owned by one of these
# (path prefixes, relative to site-packages or the repo) decides. SQLAlchemy and psycopg own
# nothing: their time belongs to whoever ran the query (auth or the endpoint).
_OWNERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("auth: API key lookup (own transaction)", ("api/auth.py", "ledger/repositories/api_keys.py")),
    ("endpoint", ("api/payments.py", "api/invoices.py", "reconcile/", "ledger/db.py")),
    ("response: validate + JSON encode", ("fastapi/encoders.py", "json/", "pydantic")),
    ("logging", ("logging/",)),
    ("metrics middleware (api/metrics.py)", ("api/metrics.py", "prometheus_client/")),
    ("HTTP server (uvicorn, h11)", ("uvicorn/", "h11/")),
    ("framework (starlette/fastapi routing, dependencies)", ("fastapi/", "starlette/")),
    (
        "event loop + thread-pool hand-offs",
        ("asyncio/", "anyio/", "threading.py", "queue.py", "selectors.py", "concurrent/"),
    ),
)


def _phase(frames: list[tuple[str, str]]) -> str:
    saw_sql = False
    for name, path in reversed(frames):
        if path.startswith(("sqlalchemy/", "psycopg/")):
            saw_sql = True
            continue
        if name == "serialize_response":
            return "response: validate + JSON encode"
        for label, prefixes in _OWNERS:
            if path.startswith(prefixes) or path.endswith(prefixes):
                if label == "endpoint":
                    return (
                        "endpoint: SQL (SQLAlchemy ORM + psycopg)"
                        if saw_sql
                        else "endpoint: Python (views, dict building)"
                    )
                return label
    return "SQL, caller unknown (py-spy lost the top of the stack)" if saw_sql else "other"


def summarise_profile(raw: Path, top: int = 25) -> str:
    """py-spy's collapsed stacks: share per request phase, and the hottest functions."""
    phases: Counter[str] = Counter()
    self_t: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = []  # (function, path relative to site-packages / the repo)
        for frame in stack.split(";"):
            name, _, where = frame.partition(" (")
            frames.append((name, where.rsplit(":", 1)[0]))
        phases[_phase(frames)] += n
        name, path = frames[-1]
        self_t[f"{name} ({path})"] += n
    if not total:
        return "py-spy: no samples"
    lines = [
        f"py-spy --gil: {total} samples (Python holding the GIL in the server)",
        "",
        "   %  phase",
    ]
    lines += [f"{100 * n / total:5.1f}  {label}" for label, n in phases.most_common()]
    lines += ["", "self %  function (leaf)"]
    lines += [f"{100 * n / total:5.1f}  {f}" for f, n in self_t.most_common(top)]
    return "\n".join(lines)
