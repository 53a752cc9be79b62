"""`remit collect --send` and `remit sftp send`: the files of a collection run kept byte for
byte in outgoing_files and pushed to the bank's SFTP upload_dir (a real SFTP server on
loopback), exactly once, whatever a crash left behind."""

from __future__ import annotations

import hashlib
import json
import os
import socket
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, update

from core.errors import Invalid
from ingest.sftp import SftpConfigError, SftpConnection, load_connections, schedule_polls
from ingest.sftp_lock import PollLock
from ledger.db import transaction
from ledger.models import AuditEvent, Collection, OutgoingFile
from ledger.types import utc_now
from tests.ingest.sftp_server import conn, server  # noqa: F401 - fixtures
from tests.receivables.dd_book import ORIGINATOR, env, import_mandates, remit, seed
from workflows import direct_debit
from workflows.runtime import Runtime
from workflows.sftp_send import lock_key, send_pending

DAY = date(2026, 12, 1)


def _config(tmp_path: Path, *connections: SftpConnection, **extra: str) -> Path:
    lines = []
    for c in connections:
        lines += ["[[connections]]", f'name = "{c.name}"', f'host = "{c.host}"', f"port = {c.port}",
                  f'username = "{c.username}"', f'private_key_file = "{c.private_key_file}"',
                  f'known_hosts_file = "{c.known_hosts_file}"']
        lines += [f"{k} = {json.dumps(v)}" for k, v in (
            ("upload_dir", c.upload_dir), ("upload_formats", list(c.upload_formats)),
            ("remote_dir", c.remote_dir), ("schedule", c.schedule)) if v]
    path = tmp_path / "sftp.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def sender(conn: SftpConnection, server, tmp_path: Path) -> SftpConnection:  # noqa: F811
    (server.root / "incoming").mkdir()
    return replace(conn, upload_dir="/incoming")


def _rt(rt: Runtime, config: Path) -> Runtime:
    originator = {k.removeprefix("REMIT_").lower(): v for k, v in ORIGINATOR.items()}
    settings = rt.settings.model_copy(update={**originator, "sftp_connections_file": config})
    return Runtime(settings=settings, engine=rt.engine, archive=rt.archive)


def _rows(rt: Runtime) -> list[OutgoingFile]:
    with transaction(rt.engine) as s:
        rows = list(s.scalars(select(OutgoingFile).order_by(OutgoingFile.id)))
        s.expunge_all()
        return rows


def _collected(rt, cli_env, tmp_path, conn: SftpConnection) -> Runtime:  # type: ignore[no-untyped-def]
    """A collection run (a pain.008 and a NACHA file) queued for `conn`, in-process."""
    seed(rt)
    import_mandates(cli_env, tmp_path)
    run = _rt(rt, _config(tmp_path, conn))
    files, _ = direct_debit.collect(run, as_of=DAY, out=tmp_path / "out", actor="test", send=[conn.name])
    assert [f["send"] for f in files] == [conn.name, conn.name]
    return run


def test_collect_keeps_the_files_and_send_uploads_exactly_those_bytes_once(rt, cli_env, server, sender,
                                                                            tmp_path) -> None:
    seed(rt)
    import_mandates(cli_env, tmp_path)
    shell = {**env(cli_env), "REMIT_SFTP_CONNECTIONS_FILE": str(_config(tmp_path, sender))}
    proc = remit(["collect", "--as-of", "2026-12-01", "--out", str(tmp_path / "out"), "--send", "bank-a", "--json"],
                 shell, tmp_path)
    assert proc.returncode == 0, proc.stderr
    files = json.loads(proc.stdout)
    assert sorted((f["format"], f["send"]) for f in files) == [("nacha", "bank-a"), ("pain.008", "bank-a")]
    written = {Path(f["file"]).name: Path(f["file"]).read_bytes() for f in files}
    rows = _rows(rt)
    assert {r.name: (r.content, r.sha256, r.size, r.status, r.connection) for r in rows} == {
        name: (data, hashlib.sha256(data).hexdigest(), len(data), "pending", "bank-a") for name, data in written.items()}
    with transaction(rt.engine) as s:  # stored with the collections that file carries
        assert set(s.scalars(select(Collection.file_name))) == set(written)

    proc = remit(["sftp", "send", "--json"], shell, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert sorted((r["file"], r["status"], r["uploaded"]) for r in json.loads(proc.stdout)) == sorted(
        (name, "sent", True) for name in written)
    incoming = server.root / "incoming"
    assert {p.name: p.read_bytes() for p in incoming.iterdir()} == written  # exactly those bytes, no .part
    assert {(r.status, r.attempts) for r in _rows(rt)} == {("sent", 1)}
    with transaction(rt.engine) as s:
        events = s.execute(select(AuditEvent.action, AuditEvent.actor, AuditEvent.entity_id)
                           .where(AuditEvent.entity_type == "outgoing_file")).all()
    assert sorted(events) == sorted([("outgoing_file.stored", "cli:collect", n) for n in written]
                                    + [("outgoing_file.sent", "cli:sftp-send", n) for n in written])

    before = {p.name: p.stat().st_mtime_ns for p in incoming.iterdir()}
    again = remit(["sftp", "send", "--json"], shell, tmp_path)
    assert again.returncode == 0 and json.loads(again.stdout) == []  # nothing uploaded a second time
    assert {p.name: p.stat().st_mtime_ns for p in incoming.iterdir()} == before
    listed = remit(["sftp", "outgoing", "--status", "sent", "--json"], shell, tmp_path)
    assert sorted(r["name"] for r in json.loads(listed.stdout)) == sorted(written)
    assert json.loads(remit(["sftp", "outgoing", "--status", "pending", "--json"], shell, tmp_path).stdout) == []


def test_without_send_the_files_are_kept_but_not_queued(rt, cli_env, sender, tmp_path) -> None:
    seed(rt)
    import_mandates(cli_env, tmp_path)
    run = _rt(rt, _config(tmp_path, sender))
    direct_debit.collect(run, as_of=DAY, out=tmp_path / "out", actor="test")
    rows = _rows(rt)
    assert len(rows) == 2 and {(r.status, r.connection) for r in rows} == {("pending", None)}
    assert {r.name: r.content for r in rows} == {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()}
    assert send_pending(run, actor="test") == []


def test_crash_after_the_rename_marks_sent_without_uploading_again(rt, cli_env, server, sender, tmp_path) -> None:
    run = _collected(rt, cli_env, tmp_path, sender)
    first, second = _rows(rt)
    there = server.root / "incoming" / first.name
    there.write_bytes(first.content)  # renamed on the server, then the sender died before recording it
    os.utime(there, ns=(1_000_000_000, 1_000_000_000))
    inode = there.stat().st_ino
    results = send_pending(run, actor="job:sftp-send")
    assert [(r.file, r.status, r.uploaded) for r in results] == [(first.name, "sent", False), (second.name, "sent", True)]
    assert there.stat().st_ino == inode and there.stat().st_mtime_ns == 1_000_000_000  # not written again
    assert (server.root / "incoming" / second.name).read_bytes() == second.content
    assert {r.status for r in _rows(rt)} == {"sent"}


def test_an_interrupted_rename_is_finished_and_a_taken_file_never_sent_twice(rt, cli_env, server, sender,
                                                                              tmp_path) -> None:
    run = _collected(rt, cli_env, tmp_path, sender)
    first, second = _rows(rt)
    with transaction(rt.engine) as s:  # both died between "renaming" and the rename's outcome
        s.execute(update(OutgoingFile).values(renaming_since=utc_now()))
    (server.root / "incoming" / f"{first.name}.part").write_bytes(first.content)  # the rename did not happen
    # second: neither name on the server -> renamed, then taken by the bank
    results = send_pending(run, actor="job:sftp-send")
    assert [(r.file, r.status, r.uploaded) for r in results] == [(first.name, "sent", False), (second.name, "sent", False)]
    assert sorted(p.name for p in (server.root / "incoming").iterdir()) == [first.name]
    assert (server.root / "incoming" / first.name).read_bytes() == first.content
    assert {(r.status, r.renaming_since) for r in _rows(rt)} == {("sent", None)}


def test_a_different_remote_file_is_never_overwritten(rt, cli_env, server, sender, tmp_path) -> None:
    run = _collected(rt, cli_env, tmp_path, sender)
    first, second = _rows(rt)
    theirs = server.root / "incoming" / first.name
    theirs.write_bytes(b"someone else's file")
    same_size = server.root / "incoming" / second.name
    same_size.write_bytes(b"x" * second.size)
    results = send_pending(run, actor="job:sftp-send")
    assert [(r.file, r.status, r.uploaded) for r in results] == [(first.name, "failed", False), (second.name, "failed", False)]
    assert "a different file is already at /incoming/" in (results[0].error or "") and "not overwritten" in (results[0].error or "")
    assert "other content" in (results[1].error or "")
    assert theirs.read_bytes() == b"someone else's file" and same_size.read_bytes() == b"x" * second.size
    rows = _rows(rt)
    assert [(r.status, r.attempts) for r in rows] == [("failed", 1), ("failed", 1)]
    assert "not overwritten" in (rows[0].last_error or "")
    assert send_pending(run, actor="job:sftp-send") == []  # failed waits for a person


def test_connection_down_counts_an_attempt_and_keeps_the_files_pending(rt, cli_env, server, sender, tmp_path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    down = replace(sender, port=closed)
    run = _collected(rt, cli_env, tmp_path, down)
    results = send_pending(run, actor="job:sftp-send")
    assert [r.status for r in results] == ["pending", "pending"]
    assert all("SFTP connection 'bank-a' (127.0.0.1:" in (r.error or "") for r in results)
    rows = _rows(rt)
    assert [(r.status, r.attempts) for r in rows] == [("pending", 1), ("pending", 1)]
    assert all("SFTP connection 'bank-a'" in (r.last_error or "") for r in rows)
    assert list((server.root / "incoming").iterdir()) == []

    up = _rt(rt, _config(tmp_path, sender))  # the line is back
    assert [(r.status, r.uploaded) for r in send_pending(up, actor="job:sftp-send")] == [("sent", True)] * 2
    assert [(r.status, r.attempts, r.last_error) for r in _rows(rt)] == [("sent", 2, None)] * 2


def test_one_sender_per_connection(rt, cli_env, server, sender, tmp_path) -> None:
    run = _collected(rt, cli_env, tmp_path, sender)
    with PollLock(rt.engine, lock_key(sender)) as held:
        assert held
        skipped = send_pending(run, actor="test")
        assert [(r.status, r.error) for r in skipped] == [("skipped", "another send is running")]
        with PollLock(rt.engine, sender.lock_key) as poll_lock:  # a poll of the same bank is another lock
            assert poll_lock
    assert list((server.root / "incoming").iterdir()) == []
    assert [r.status for r in send_pending(run, actor="test")] == ["sent", "sent"]


def test_send_routes_each_format_to_the_bank_that_takes_it(rt, cli_env, server, sender, tmp_path) -> None:
    (server.root / "us").mkdir()
    eu = replace(sender, name="bank-eu", upload_formats=("pain.008",), remote_dir="", schedule="")
    us = replace(sender, name="bank-us", upload_dir="/us", upload_formats=("nacha",), remote_dir="", schedule="")
    seed(rt)
    import_mandates(cli_env, tmp_path)
    run = _rt(rt, _config(tmp_path, eu, us))
    with pytest.raises(Invalid, match="none of the connections given take nacha files"):
        direct_debit.collect(run, as_of=DAY, out=tmp_path / "out", actor="test", send=["bank-eu"])
    with pytest.raises(Invalid, match="no SFTP connection named 'nope'"):
        direct_debit.collect(run, as_of=DAY, out=tmp_path / "out", actor="test", send=["nope"])
    assert _rows(rt) == [] and not list((tmp_path / "out").glob("*"))  # refused: nothing recorded or written
    with transaction(rt.engine) as s:
        assert s.scalars(select(Collection)).all() == []
    files, _ = direct_debit.collect(run, as_of=DAY, out=tmp_path / "out", actor="test", send=["bank-eu", "bank-us"])
    assert {f["format"]: f["send"] for f in files} == {"pain.008": "bank-eu", "nacha": "bank-us"}
    assert [r.status for r in send_pending(run, actor="test")] == ["sent", "sent"]
    assert [p.suffix for p in (server.root / "incoming").iterdir()] == [".xml"]
    assert [p.suffix for p in (server.root / "us").iterdir()] == [".ach"]


def test_upload_config_is_checked_and_a_send_only_connection_is_never_polled(tmp_path, sender) -> None:
    from apscheduler.schedulers.background import BackgroundScheduler
    from sqlalchemy import create_engine

    only = replace(sender, remote_dir="", schedule="")
    [loaded] = load_connections(_config(tmp_path, only))
    assert loaded.upload_dir == "/incoming" and loaded.upload_formats == ("pain.008", "nacha")
    scheduler = BackgroundScheduler(timezone="UTC")
    schedule_polls(scheduler, [loaded], lambda p: None, engine=create_engine("sqlite://"), workdir=tmp_path)  # type: ignore[arg-type, return-value]
    assert scheduler.get_jobs() == []
    config = _config(tmp_path, only)
    config.write_text(config.read_text().replace('["pain.008", "nacha"]', '["camt"]'))
    with pytest.raises(SftpConfigError, match="upload_formats must be a list of pain.008, nacha"):
        load_connections(config)
    config.write_text(config.read_text().replace('upload_dir = "/incoming"\n', ""))
    with pytest.raises(SftpConfigError, match="missing remote_dir, schedule"):
        load_connections(config)


def test_the_scheduler_sends_queued_files(rt, cli_env, server, sender, tmp_path) -> None:
    from workflows.jobs import SFTP_SEND_JOB_ID, build_service_scheduler

    run = _collected(rt, cli_env, tmp_path, sender)
    job = build_service_scheduler(run).get_job(SFTP_SEND_JOB_ID)
    assert job is not None and job.max_instances == 1
    job.func(*job.args)
    assert sorted(p.name for p in (server.root / "incoming").iterdir()) == sorted(r.name for r in _rows(rt))
    with transaction(rt.engine) as s:
        assert set(s.scalars(select(AuditEvent.actor).where(AuditEvent.action == "outgoing_file.sent"))) == {"job:sftp-send"}
    off = Runtime(settings=run.settings.model_copy(update={"sftp_send_seconds": 0}), engine=rt.engine, archive=rt.archive)
    assert build_service_scheduler(off).get_job(SFTP_SEND_JOB_ID) is None


def test_a_person_queues_a_kept_or_failed_file_and_a_sent_one_never_again(rt, cli_env, server, sender, tmp_path) -> None:
    from core.errors import Conflict, Invalid, NotFound
    from workflows.sftp_send import queue_file

    seed(rt)
    import_mandates(cli_env, tmp_path)
    run = _rt(rt, _config(tmp_path, sender, replace(sender, name="us-bank", upload_formats=("nacha",))))
    direct_debit.collect(run, as_of=DAY, out=tmp_path / "out", actor="test")  # kept, not queued
    pain, nacha = sorted(_rows(rt), key=lambda r: r.format != "pain.008")
    with pytest.raises(Invalid, match="does not take pain.008"):
        queue_file(run, pain.name, "us-bank", actor="ana")
    with pytest.raises(NotFound):
        queue_file(run, "nope.xml", sender.name, actor="ana")
    # The bank's folder holds something else under the pain.008's name: it fails, never overwritten.
    (server.root / "incoming" / pain.name).write_bytes(b"an old file")
    assert queue_file(run, pain.name, sender.name, actor="ana")["status"] == "pending"
    assert [r.status for r in send_pending(run, actor="test")] == ["failed"]
    # A person moves the old file away and queues it again: sent, exactly our bytes.
    (server.root / "incoming" / pain.name).unlink()
    again = queue_file(run, pain.name, sender.name, actor="ana")
    assert (again["status"], again["attempts"], again["last_error"]) == ("pending", 1, None)
    assert [(r.file, r.status) for r in send_pending(run, actor="test")] == [(pain.name, "sent")]
    assert (server.root / "incoming" / pain.name).read_bytes() == pain.content
    with pytest.raises(Conflict, match="sent already"):
        queue_file(run, pain.name, sender.name, actor="ana")
    assert nacha.status == "pending" and _rows(rt)[1 if nacha.id > pain.id else 0].connection is None
    with transaction(rt.engine) as s:
        queued = s.scalars(select(AuditEvent).where(AuditEvent.action == "outgoing_file.queued")).all()
        assert [(e.actor, e.entity_id) for e in queued] == [("ana", pain.name)] * 2
