"""The inbox poller: settled files are ingested once and moved aside."""

from __future__ import annotations

import os
import time

from ingest.inbox import poll_inbox
from tests.factories import E, camt


def test_poll_ingests_settled_files_and_moves_them(rt, tmp_path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.xml").write_bytes(camt("053", [E("1.00", ref="A")]))
    (inbox / "b.bin").write_bytes(b"not a bank file")
    (inbox / "c.xml.part").write_bytes(b"still uploading")
    (inbox / "d.xml").write_bytes(camt("053", [E("2.00", ref="D")], stmt_id="S2"))
    old = time.time() - 60
    for name in ("a.xml", "b.bin", "c.xml.part"):
        os.utime(inbox / name, (old, old))
    # d.xml was written just now: it may still be growing, so it waits for the next poll
    results = poll_inbox(lambda p: rt.ingestor().ingest_path(p, source="inbox"), inbox, settle_seconds=5)
    assert [(r.file, r.status) for r in results] == [("a.xml", "parsed"), ("b.bin", "rejected")]
    assert sorted(p.name for p in (inbox / "processed").iterdir()) == ["a.xml"]
    assert sorted(p.name for p in (inbox / "rejected").iterdir()) == ["b.bin"]
    assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == ["c.xml.part", "d.xml"]
    os.utime(inbox / "d.xml", (old, old))
    # the same bytes dropped again later are a duplicate, moved to processed/ under a new name
    (inbox / "a.xml").write_bytes(camt("053", [E("1.00", ref="A")]))
    os.utime(inbox / "a.xml", (old, old))
    again = poll_inbox(lambda p: rt.ingestor().ingest_path(p, source="inbox"), inbox, settle_seconds=5)
    assert [(r.file, r.status) for r in again] == [("a.xml", "duplicate"), ("d.xml", "parsed")]
    assert sorted(p.name for p in (inbox / "processed").iterdir()) == ["a.2.xml", "a.xml", "d.xml"]


def test_the_served_app_polls_the_inbox_on_a_schedule(settings, tmp_path) -> None:
    from fastapi.testclient import TestClient

    from server.app import create_app
    from workflows.runtime import runtime

    settings.inbox_poll_seconds = 1
    inbox = settings.inbox_dir
    assert inbox is not None
    inbox.mkdir(parents=True)
    old = time.time() - 60
    (inbox / "drop.xml").write_bytes(camt("053", [E("3.00", ref="X")]))
    os.utime(inbox / "drop.xml", (old, old))
    with TestClient(create_app(runtime(settings), start_scheduler=True)):
        deadline = time.time() + 20
        while time.time() < deadline and not (inbox / "processed" / "drop.xml").exists():
            time.sleep(0.2)
    assert (inbox / "processed" / "drop.xml").exists()
    assert not (inbox / "drop.xml").exists()


# -- several instances on one inbox ------------------------------------------------------------

POLLER = r"""
import os, sys, time
from pathlib import Path
from ingest.inbox import poll_inbox
from ingest.service import IngestResult

inbox, log = Path(sys.argv[1]), sys.argv[2]

def ingest(path):
    with open(log, "a") as out:  # O_APPEND: one whole line per write, from either process
        out.write(f"{path.name} {os.getpid()}\n")
    time.sleep(0.002)
    return IngestResult(file=path.name, status="rejected" if path.suffix == ".bad" else "parsed")

idle = 0
deadline = time.time() + 60
while idle < 3 and time.time() < deadline:
    done = poll_inbox(ingest, inbox, settle_seconds=0)
    idle = 0 if done else idle + 1
"""


def test_two_processes_polling_one_inbox_ingest_each_file_exactly_once(tmp_path) -> None:
    import subprocess
    import sys

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    names = [f"f{n:03}.{'bad' if n % 7 == 0 else 'xml'}" for n in range(300)]
    for name in names:
        (inbox / name).write_bytes(name.encode())
    log = tmp_path / "ingested.log"
    procs = [subprocess.Popen([sys.executable, "-c", POLLER, str(inbox), str(log)],
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    assert errors == ["", ""]  # no FileNotFoundError, no traceback
    lines = log.read_text().splitlines()
    ingested = sorted(line.split()[0] for line in lines)
    assert ingested == sorted(names)  # each file once: none twice, none lost
    assert len({line.split()[1] for line in lines}) == 2  # both processes did part of it
    processed = sorted(p.name for p in (inbox / "processed").iterdir())
    rejected = sorted(p.name for p in (inbox / "rejected").iterdir())
    assert sorted(processed + rejected) == sorted(names)
    assert all(name.endswith(".bad") for name in rejected)
    for name in processed + rejected:  # moved whole, never over one another
        assert (inbox / ("rejected" if name.endswith(".bad") else "processed") / name
                ).read_bytes() == name.encode()
    assert [p.name for p in inbox.iterdir() if p.is_file()] == []
    assert list((inbox / ".claimed").iterdir()) == []


def test_two_threads_polling_one_inbox_store_each_file_once(rt, tmp_path) -> None:
    """The same with the real ingestion, on SQLite and PostgreSQL."""
    import threading

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for n in range(12):
        (inbox / f"s{n:02}.xml").write_bytes(camt("053", [E(f"{n + 1}.00", ref=f"T{n}")],
                                                  stmt_id=f"S{n}"))
    results: list = []
    errors: list = []
    barrier = threading.Barrier(2)

    def poll() -> None:
        try:
            barrier.wait(timeout=30)
            results.extend(poll_inbox(lambda p: rt.ingestor().ingest_path(p, source="inbox"),
                                      inbox, settle_seconds=0))
        except BaseException as error:  # noqa: BLE001 - asserted below
            errors.append(error)

    threads = [threading.Thread(target=poll) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert sorted((r.file, r.status) for r in results) == [(f"s{n:02}.xml", "parsed")
                                                            for n in range(12)]
    assert sorted(p.name for p in (inbox / "processed").iterdir()) == [
        f"s{n:02}.xml" for n in range(12)]
    from sqlalchemy import func, select

    from ledger.db import transaction
    from ledger.models import BankFile

    with transaction(rt.engine) as s:
        assert s.scalar(select(func.count()).select_from(BankFile)) == 12


def test_a_dead_instances_claim_returns_to_the_inbox(rt, tmp_path) -> None:
    from ingest.inbox import CLAIMED, recover_stale_claims

    inbox = tmp_path / "inbox"
    dead = inbox / CLAIMED / "1700000000-otherhost-4242-abcd"
    alive = inbox / CLAIMED / "1700000001-otherhost-4243-ef01"
    for folder, ref in ((dead, "D"), (alive, "A")):
        folder.mkdir(parents=True)
        (folder / f"{ref}.xml").write_bytes(camt("053", [E("9.00", ref=ref)], stmt_id=ref))
    old = time.time() - 3600
    os.utime(dead / "D.xml", (old, old))
    os.utime(dead, (old, old))  # no heartbeat for an hour: its instance is gone
    results = poll_inbox(lambda p: rt.ingestor().ingest_path(p, source="inbox"), inbox,
                         settle_seconds=5, claim_timeout=600)
    assert [(r.file, r.status) for r in results] == [("D.xml", "parsed")]
    assert (inbox / "processed" / "D.xml").exists() and not dead.exists()
    assert (alive / "A.xml").exists()  # a live claim is someone else's work: left alone
    assert recover_stale_claims(inbox, timeout=600) == []


def test_a_file_whose_ingestion_fails_goes_back_to_the_inbox(tmp_path) -> None:
    import pytest

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.xml").write_bytes(b"x")

    def broken(path):  # the database is down, say
        raise ConnectionError("database unreachable")

    with pytest.raises(ConnectionError):
        poll_inbox(broken, inbox, settle_seconds=0)
    assert (inbox / "a.xml").read_bytes() == b"x"
    assert list((inbox / ".claimed").iterdir()) == []
