"""The inbox: a directory that banks' drops (or people) put files into; `remit serve` polls it.

A file is taken only once it has stopped changing (no half-written uploads), ingested with
source "inbox", then moved to `processed/` or `rejected/` beside it. Its bytes are already in
the archive by then, so moving it loses nothing.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from collections.abc import Callable

from ingest.service import IngestResult

IngestFn = Callable[[Path], IngestResult]

PROCESSED = "processed"
REJECTED = "rejected"
_PARTIAL_SUFFIXES = (".part", ".partial", ".tmp", ".filepart", ".crdownload")


def _ready(path: Path, settle_seconds: float, now: float) -> bool:
    if path.name.startswith(".") or path.name.endswith(_PARTIAL_SUFFIXES):
        return False
    return now - path.stat().st_mtime >= settle_seconds


def _move(path: Path, folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    target = folder / path.name
    n = 1
    while target.exists():
        n += 1
        target = folder / f"{path.stem}.{n}{path.suffix}"
    shutil.move(os.fspath(path), target)
    return target


def poll_inbox(ingest: IngestFn, inbox: Path, *, settle_seconds: float = 2.0) -> list[IngestResult]:
    """Ingest every settled file in `inbox` (sorted by name, so arrival order is repeatable).

    `ingest(path)` does the work (e.g. `Ingestor.ingest_path` with source "inbox", plus matching).
    """
    inbox.mkdir(parents=True, exist_ok=True)
    now = time.time()
    results = []
    for path in sorted(p for p in inbox.iterdir() if p.is_file()):
        if not _ready(path, settle_seconds, now):
            continue
        result = ingest(path)
        _move(path, inbox / (REJECTED if result.status == "rejected" else PROCESSED))
        results.append(result)
    return results
