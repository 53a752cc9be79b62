"""The inbox: a directory that banks' drops (or people) put files into; `remit serve` and
`remit worker` poll it — any number of instances, on one host or sharing the directory.

A file is taken only once it has stopped changing (no half-written uploads). It is then
*claimed*: renamed into a claim folder of its own under `.claimed/` — one atomic rename on
one filesystem, so of two instances polling at once exactly one gets the file and the other
simply no longer sees it. The claimant ingests it with source "inbox" and moves it to
`processed/` or `rejected/` beside the inbox (never over a file already there: a second
`a.xml` becomes `a.2.xml`). Its bytes are in the archive by then, so moving it loses nothing.

While an instance works on a claim it touches the claim folder every few seconds (a
heartbeat). A claim whose folder has not been touched for CLAIM_TIMEOUT belongs to an
instance that died (kill -9, OOM, a deploy): any poller puts its file back in the inbox and
it is ingested again — at worst a duplicate by SHA-256, which the registry reports as such.
A file that fails with an error (the database is down) goes back to the inbox at once.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ingest.service import IngestResult

IngestFn = Callable[[Path], IngestResult]
log = logging.getLogger("remit.inbox")

PROCESSED = "processed"
REJECTED = "rejected"
CLAIMED = ".claimed"
CLAIM_TIMEOUT = 600.0  # seconds without a heartbeat before a claim is taken back
_PARTIAL_SUFFIXES = (".part", ".partial", ".tmp", ".filepart", ".crdownload")


def _ready(path: Path, settle_seconds: float, now: float) -> bool:
    if path.name.startswith(".") or path.name.endswith(_PARTIAL_SUFFIXES):
        return False
    try:
        return path.is_file() and now - path.stat().st_mtime >= settle_seconds
    except FileNotFoundError:  # another instance claimed it since the listing
        return False


def _place(path: Path, folder: Path) -> Path:
    """Move `path` into `folder` under its name, or name.2, name.3 ... — never over a file
    that is there (two instances may finish files of one name at the same moment)."""
    folder.mkdir(exist_ok=True)
    n = 1
    while True:
        target = folder / (path.name if n == 1 else f"{path.stem}.{n}{path.suffix}")
        try:
            os.link(path, target)  # fails if the name is taken: an atomic "create if absent"
        except FileExistsError:
            n += 1
            continue
        except OSError:  # a filesystem without hard links: check, then rename
            if target.exists():
                n += 1
                continue
            shutil.move(os.fspath(path), target)
            return target
        os.unlink(path)
        return target


def _claim(path: Path, claims: Path) -> Path | None:
    """Rename `path` into a new claim folder; None if another instance was first."""
    owner = f"{socket.gethostname()}-{os.getpid()}"  # whose it is, for people looking in
    folder = claims / f"{int(time.time())}-{owner}-{secrets.token_hex(4)}"
    folder.mkdir(parents=True)
    try:
        os.rename(path, folder / path.name)  # atomic: exactly one instance succeeds
    except FileNotFoundError:
        folder.rmdir()
        return None
    return folder / path.name


@contextmanager
def _heartbeat(folder: Path, every: float) -> Iterator[None]:
    """Keep touching `folder` while the block runs: the claim is alive."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(every):
            try:
                os.utime(folder)
            except FileNotFoundError:
                return

    thread = threading.Thread(target=beat, name=f"inbox-claim-{folder.name}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _unclaim(claimed: Path, folder: Path) -> None:
    """Move a claimed file to `folder` (processed/, rejected/, or back to the inbox); its
    claim folder goes."""
    _place(claimed, folder)
    claimed.parent.rmdir()


def recover_stale_claims(inbox: Path, *, timeout: float = CLAIM_TIMEOUT) -> list[Path]:
    """Files of claims without a heartbeat for `timeout` seconds, back in the inbox."""
    claims = inbox / CLAIMED
    if not claims.is_dir():
        return []
    returned = []
    now = time.time()
    for folder in sorted(claims.iterdir()):
        try:
            if not folder.is_dir() or now - folder.stat().st_mtime < timeout:
                continue
            # Renamed first, so that of two instances recovering it only one goes on.
            stem = folder.name.split(".recovering")[0]
            taken = claims / f"{stem}.recovering-{secrets.token_hex(4)}"
            os.rename(folder, taken)
        except FileNotFoundError:
            continue
        for path in sorted(taken.iterdir()):
            returned.append(_place(path, inbox))
        taken.rmdir()
    return returned


def poll_inbox(
    ingest: IngestFn,
    inbox: Path,
    *,
    settle_seconds: float = 2.0,
    claim_timeout: float = CLAIM_TIMEOUT,
) -> list[IngestResult]:
    """Ingest every settled file in `inbox` this instance manages to claim (sorted by name,
    so arrival order is repeatable); first give back the files of claims that died.

    `ingest(path)` does the work (e.g. `Ingestor.ingest_path` with source "inbox", plus
    matching); the path it gets has the file's own name.
    """
    inbox.mkdir(parents=True, exist_ok=True)
    claims = inbox / CLAIMED
    recover_stale_claims(inbox, timeout=claim_timeout)
    now = time.time()
    results = []
    for path in sorted(inbox.iterdir()):
        if not _ready(path, settle_seconds, now):
            continue
        claimed = _claim(path, claims)
        if claimed is None:
            continue  # another instance has it
        try:
            with _heartbeat(claimed.parent, max(1.0, claim_timeout / 10)):
                result = ingest(claimed)
        except BaseException:
            _unclaim(claimed, inbox)  # tried again by the next poll, here or elsewhere
            raise
        try:
            _unclaim(claimed, inbox / (REJECTED if result.status == "rejected" else PROCESSED))
        except FileNotFoundError:
            # This instance stalled past the timeout and another took the claim back: the
            # file is in the inbox again and its next ingestion is reported as a duplicate.
            log.warning("inbox %s: claim taken back while it was being ingested", path.name)
        results.append(result)
    return results
