"""SFTP drops, against a real SFTP server (asyncssh) on loopback, chrooted to a tmp dir."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import asyncssh
import pytest
from sqlalchemy import func, select

from ingest.sftp import (
    SftpConfigError,
    SftpConnectError,
    SftpConnection,
    job_id,
    load_connections,
    poll,
    poll_by_name,
    schedule_polls,
)
from ingest.sftp_lock import PollLock
from ledger.models import BankFile
from tests.factories import E, camt
from tests.ingest.sftp_server import PASSWORD, _known_hosts, conn, server  # noqa: F401 - fixtures


def _ingest(rt):  # type: ignore[no-untyped-def]
    return lambda p: rt.ingestor().ingest_path(p, source="sftp")


def _bank_files(rt) -> int:  # type: ignore[no-untyped-def]
    with rt.engine.connect() as c:
        return c.execute(select(func.count()).select_from(BankFile)).scalar_one()


def _statuses(results) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(r.file, r.status) for r in results]


def test_poll_downloads_ingests_archives_and_moves_files(rt, server, conn, tmp_path) -> None:
    (server.inbox / "a.xml").write_bytes(camt("053", [E("10.00", ref="R1")]))
    (server.inbox / "b.xml").write_bytes(camt("053", [E("20.00", ref="R2")], stmt_id="S2"))
    (server.inbox / "notes.txt").write_bytes(b"not matching the pattern")
    workdir = tmp_path / "work"
    results = poll(conn, _ingest(rt), workdir=workdir)
    assert _statuses(results) == [("a.xml", "parsed"), ("b.xml", "parsed")]
    for r in results:
        assert r.ingest is not None and r.ingest.sha256
        assert rt.archive.path_for(r.ingest.sha256).is_file()
        assert r.ingest.transactions == 1
    assert sorted(p.name for p in (server.inbox / "processed").iterdir()) == ["a.xml", "b.xml"]
    assert sorted(p.name for p in server.inbox.iterdir() if p.is_file()) == ["notes.txt"]
    assert list(workdir.rglob("*.*")) == []  # no local copies or .part files left
    with rt.engine.connect() as c:
        assert set(c.execute(select(BankFile.source)).scalars()) == {"sftp"}
    assert poll(conn, _ingest(rt), workdir=workdir) == []  # nothing new


def test_same_bytes_under_another_name_are_a_duplicate(rt, server, conn, tmp_path) -> None:
    body = camt("053", [E("10.00", ref="R1")])
    (server.inbox / "a.xml").write_bytes(body)
    first = poll(conn, _ingest(rt), workdir=tmp_path / "work")
    (server.inbox / "a-resent.xml").write_bytes(body)
    (server.inbox / "a.xml").write_bytes(body)  # and once more under the same name
    again = poll(conn, _ingest(rt), workdir=tmp_path / "work")
    assert _statuses(first) == [("a.xml", "parsed")]
    assert _statuses(again) == [("a-resent.xml", "duplicate"), ("a.xml", "duplicate")]
    assert again[0].ingest and again[0].ingest.duplicate_of == first[0].ingest.file_id  # type: ignore[union-attr]
    assert _bank_files(rt) == 1
    assert sorted(p.name for p in (server.inbox / "processed").iterdir()) == ["a-resent.xml", "a.2.xml", "a.xml"]


def test_keep_leaves_files_and_a_repoll_only_sees_duplicates(rt, server, conn, tmp_path) -> None:
    keep = replace(conn, after="keep")
    (server.inbox / "a.xml").write_bytes(camt("053", [E("10.00", ref="R1")]))
    assert _statuses(poll(keep, _ingest(rt), workdir=tmp_path / "w")) == [("a.xml", "parsed")]
    assert _statuses(poll(keep, _ingest(rt), workdir=tmp_path / "w")) == [("a.xml", "duplicate")]
    assert (server.inbox / "a.xml").exists() and not (server.inbox / "processed").exists()
    assert _bank_files(rt) == 1


def test_a_rejected_file_is_moved_to_rejected(rt, server, conn, tmp_path) -> None:
    (server.inbox / "junk.xml").write_bytes(b"<not-camt/>")
    results = poll(conn, _ingest(rt), workdir=tmp_path / "w")
    assert _statuses(results) == [("junk.xml", "rejected")]
    assert results[0].error
    assert [p.name for p in (server.inbox / "rejected").iterdir()] == ["junk.xml"]


def test_unknown_host_key_is_refused_and_nothing_is_downloaded(rt, server, conn, tmp_path) -> None:
    (server.inbox / "a.xml").write_bytes(camt("053", [E("10.00", ref="R1")]))
    other = asyncssh.generate_private_key("ssh-ed25519")
    unknown = tmp_path / "unknown_hosts"
    unknown.write_text(f"[127.0.0.1]:{server.port + 1} " + " ".join(other.export_public_key("openssh").decode().split()[:2]) + "\n")
    with pytest.raises(SftpConnectError, match=r"'bank-a' \(127\.0\.0\.1:\d+\): host key UNKNOWN"):
        poll(replace(conn, known_hosts_file=unknown), _ingest(rt), workdir=tmp_path / "w")
    empty = tmp_path / "empty_hosts"
    empty.write_text("")
    with pytest.raises(SftpConnectError, match="host key UNKNOWN"):
        poll(replace(conn, known_hosts_file=empty), _ingest(rt), workdir=tmp_path / "w")
    with pytest.raises(SftpConnectError, match="does not exist"):
        poll(replace(conn, known_hosts_file=tmp_path / "missing"), _ingest(rt), workdir=tmp_path / "w")
    assert _bank_files(rt) == 0
    assert (server.inbox / "a.xml").exists()
    assert not any((tmp_path / "w").rglob("*.*")) if (tmp_path / "w").exists() else True


def test_changed_host_key_is_refused(rt, server, conn, tmp_path) -> None:
    (server.inbox / "a.xml").write_bytes(camt("053", [E("10.00", ref="R1")]))
    impostor_pin = _known_hosts(tmp_path / "pinned", server.port, asyncssh.generate_private_key("ssh-ed25519"))
    with pytest.raises(SftpConnectError, match=r"'bank-a' \(127\.0\.0\.1:\d+\): host key CHANGED"):
        poll(replace(conn, known_hosts_file=impostor_pin), _ingest(rt), workdir=tmp_path / "w")
    assert _bank_files(rt) == 0
    assert (server.inbox / "a.xml").exists()


def test_dropped_connection_mid_file_is_not_registered_and_retried(rt, server, conn, tmp_path) -> None:
    (server.inbox / "a.xml").write_bytes(camt("053", [E("10.00", ref="R1")]))
    (server.inbox / "b.xml").write_bytes(camt("053", [E("20.00", ref="R2")], stmt_id="S2"))
    (server.inbox / "c.xml").write_bytes(camt("053", [E("30.00", ref="R3")], stmt_id="S3"))
    server.state.cut_after, server.state.cut_name = 200, "b.xml"
    workdir = tmp_path / "w"
    first = poll(conn, _ingest(rt), workdir=workdir)
    assert server.state.drops == 1
    assert _statuses(first) == [("a.xml", "parsed"), ("b.xml", "failed")]
    # the server sent 200 bytes, then the connection dropped (paramiko buffers them internally)
    assert "download interrupted" in (first[1].error or "") and "dropped" in (first[1].error or "")
    assert _bank_files(rt) == 1  # b.xml never registered
    assert [p for p in workdir.rglob("*") if p.is_file()] == []  # no .part left behind
    assert sorted(p.name for p in server.inbox.iterdir() if p.is_file()) == ["b.xml", "c.xml"]

    server.state.cut_after = None  # the line is back
    second = poll(conn, _ingest(rt), workdir=workdir)
    assert _statuses(second) == [("b.xml", "parsed"), ("c.xml", "parsed")]
    assert _bank_files(rt) == 3
    assert poll(conn, _ingest(rt), workdir=workdir) == []
    assert sorted(p.name for p in (server.inbox / "processed").iterdir()) == ["a.xml", "b.xml", "c.xml"]


def test_a_short_read_fails_that_file_and_the_poll_goes_on(rt, server, conn, tmp_path) -> None:
    (server.inbox / "a.xml").write_bytes(camt("053", [E("10.00", ref="R1")]))
    (server.inbox / "b.xml").write_bytes(camt("053", [E("20.00", ref="R2")], stmt_id="S2"))
    server.state.cut_after, server.state.cut_name, server.state.truncate = 100, "a.xml", True
    first = poll(conn, _ingest(rt), workdir=tmp_path / "w")
    assert _statuses(first) == [("a.xml", "failed"), ("b.xml", "parsed")]
    assert "size mismatch: received 100 bytes, server said" in (first[0].error or "")
    assert _bank_files(rt) == 1 and not any(p.is_file() for p in (tmp_path / "w").rglob("*"))
    server.state.cut_after = None
    assert _statuses(poll(conn, _ingest(rt), workdir=tmp_path / "w")) == [("a.xml", "parsed")]


def test_password_auth_reads_the_secret_file(rt, server, conn, tmp_path) -> None:
    (server.inbox / "a.xml").write_bytes(camt("053", [E("10.00", ref="R1")]))
    secret = tmp_path / "password"
    secret.write_text("wrong\n")
    by_password = replace(conn, private_key_file=None, password_file=secret)
    with pytest.raises(SftpConnectError, match="'bank-a'.*authentication failed for user 'acme'"):
        poll(by_password, _ingest(rt), workdir=tmp_path / "w")
    secret.write_text(PASSWORD + "\n")
    assert _statuses(poll(by_password, _ingest(rt), workdir=tmp_path / "w")) == [("a.xml", "parsed")]


def test_a_held_lock_skips_the_poll(rt, server, conn, tmp_path) -> None:
    (server.inbox / "a.xml").write_bytes(camt("053", [E("10.00", ref="R1")]))
    with PollLock(rt.engine, conn.lock_key) as held:
        assert held
        skipped = poll(conn, _ingest(rt), workdir=tmp_path / "w", lock=PollLock(rt.engine, conn.lock_key))
        assert _statuses(skipped) == [("", "skipped")]
        assert skipped[0].error == "another poll is running"
        # another connection has its own lock
        with PollLock(rt.engine, "remit.sftp:other") as other:
            assert other
    assert _bank_files(rt) == 0 and (server.inbox / "a.xml").exists()
    # released: the next poll runs, and releases the lock again afterwards
    assert _statuses(poll(conn, _ingest(rt), workdir=tmp_path / "w", lock=PollLock(rt.engine, conn.lock_key))) == [
        ("a.xml", "parsed")
    ]
    with PollLock(rt.engine, conn.lock_key) as again:
        assert again


def _write_config(tmp_path: Path, conn: SftpConnection, **extra: object) -> Path:
    lines = [
        "[[connections]]",
        f'name = "{conn.name}"',
        f'host = "{conn.host}"',
        f"port = {conn.port}",
        f'username = "{conn.username}"',
        f'private_key_file = "{conn.private_key_file}"',
        f'known_hosts_file = "{conn.known_hosts_file.name}"',  # relative to the config file
        f'remote_dir = "{conn.remote_dir}"',
        f'pattern = "{conn.pattern}"',
        'schedule = "30 2 * * 1-5"',
        'timezone = "Europe/Berlin"',
    ] + [f"{k} = {v!r}".replace("'", '"') for k, v in extra.items()]
    path = tmp_path / "sftp.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_load_connections_and_poll_by_name(rt, server, conn, tmp_path) -> None:
    config = _write_config(tmp_path, conn)
    [loaded] = load_connections(config)
    assert loaded == replace(conn, schedule="30 2 * * 1-5", timezone="Europe/Berlin")
    (server.inbox / "a.xml").write_bytes(camt("053", [E("10.00", ref="R1")]))
    results = poll_by_name(config, "bank-a", _ingest(rt), tmp_path / "w", engine=rt.engine)
    assert _statuses(results) == [("a.xml", "parsed")]
    with pytest.raises(SftpConfigError, match="no SFTP connection named 'nope'"):
        poll_by_name(config, "nope", _ingest(rt), tmp_path / "w", engine=rt.engine)


def test_password_from_a_secret_file(tmp_path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("s3cret\n")
    config = tmp_path / "c.json"
    config.write_text(
        '{"connections": [{"name": "b", "host": "h", "username": "u", "password_file": "pw",'
        ' "known_hosts_file": "kh", "remote_dir": "/", "schedule": "0 2 * * *", "after": "keep"}]}'
    )
    [c] = load_connections(config)
    assert c.password_file == secret.resolve() and c.private_key_file is None and c.after == "keep"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('password = "x"\n', "secrets are not allowed"),
        ('password_file = "pw"\n', "exactly one of private_key_file, password_file"),
        ('after = "delete"\n', "after must be 'move' or 'keep'"),
        ('colour = "blue"\n', "unknown keys: colour"),
    ],
)
def test_bad_config_is_refused_with_a_clear_message(tmp_path, body: str, message: str) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        '[[connections]]\nname = "b"\nhost = "h"\nusername = "u"\nprivate_key_file = "k"\n'
        'known_hosts_file = "kh"\nremote_dir = "/"\nschedule = "0 2 * * *"\n' + body
    )
    with pytest.raises(SftpConfigError, match=message):
        load_connections(config)
    config.write_text(config.read_text().replace('"0 2 * * *"', '"every night"') .replace(body, ""))
    with pytest.raises(SftpConfigError, match="connection 'b': bad schedule 'every night'"):
        load_connections(config)


def test_a_scheduled_job_polls_under_the_lock(rt, server, conn, tmp_path) -> None:
    from apscheduler.schedulers.background import BackgroundScheduler

    (server.inbox / "a.xml").write_bytes(camt("053", [E("10.00", ref="R1")]))
    scheduler = BackgroundScheduler(timezone="UTC")
    schedule_polls(scheduler, [conn], _ingest(rt), engine=rt.engine, workdir=tmp_path / "w")
    job = scheduler.get_job(job_id(conn))
    with PollLock(rt.engine, conn.lock_key):
        job.func(*job.args)  # another instance is polling: this one does nothing
    assert _bank_files(rt) == 0
    job.func(*job.args)
    assert _bank_files(rt) == 1 and (server.inbox / "processed" / "a.xml").exists()


def test_schedule_polls_adds_one_cron_job_per_connection(tmp_path) -> None:
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.cron import CronTrigger
    from sqlalchemy import create_engine

    base = SftpConnection(
        name="a", host="h", username="u", private_key_file=tmp_path / "k", known_hosts_file=tmp_path / "kh",
        remote_dir="/", schedule="0 2 * * *",
    )
    connections = [base, replace(base, name="b", schedule="15 6 * * 1-5", timezone="Europe/Berlin")]
    scheduler = BackgroundScheduler(timezone="UTC")
    schedule_polls(scheduler, connections, lambda p: None, engine=create_engine("sqlite://"), workdir=tmp_path)  # type: ignore[arg-type, return-value]
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert sorted(jobs) == ["sftp:a", "sftp:b"] == sorted(job_id(c) for c in connections)
    for c in connections:
        job = jobs[job_id(c)]
        assert isinstance(job.trigger, CronTrigger)
        assert str(job.trigger) == str(CronTrigger.from_crontab(c.schedule, timezone=c.timezone))
        assert str(job.trigger.timezone) == c.timezone
        assert job.max_instances == 1 and job.coalesce is True
        assert job.args[0] == c


def test_remit_sftp_poll_from_the_command_line(rt, server, conn, tmp_path, cli_env) -> None:
    import json
    import subprocess
    import sys

    config = _write_config(tmp_path, conn)
    (server.inbox / "a.xml").write_bytes(camt("053", [E("10.00", ref="R1")]))
    env = {**cli_env, "REMIT_SFTP_CONNECTIONS_FILE": str(config), "REMIT_SFTP_WORKDIR": str(tmp_path / "w")}
    proc = subprocess.run([sys.executable, "-m", "cli", "sftp", "poll", "bank-a", "--json"], env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == [{"file": "a.xml", "status": "parsed", "error": None}]
    assert (server.inbox / "processed" / "a.xml").is_file()
    unknown = subprocess.run([sys.executable, "-m", "cli", "sftp", "poll", "nope"], env=env, cwd=tmp_path,
                             capture_output=True, text=True, timeout=60)
    assert unknown.returncode == 1 and "no SFTP connection named 'nope'" in unknown.stderr
