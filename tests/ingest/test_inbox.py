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

    from api.app import create_app
    from api.runtime import runtime

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
