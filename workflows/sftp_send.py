"""`remit sftp send` and the scheduler's send job: pending outgoing files (the pain.008 /
NACHA files `remit collect --send` queued) pushed to their SFTP connection's `upload_dir`.

Per connection, one sender at a time across instances (a PollLock of its own, so a running
poll never holds a send back). Per file, each step committed before the next, so that a
crash anywhere neither loses the file nor sends it twice:
  1. what the server holds under the final name: the same bytes -> sent, without
     uploading again (the last send died after its rename); other bytes -> failed, never
     overwritten (a person looks);
  2. upload `<name>.part` and check its size (a failure: one more attempt, still pending);
  3. commit `renaming_since`, then rename `<name>.part` -> `<name>`, then commit `sent`.
A file whose `renaming_since` is set when its sender died was renamed or was about to be:
its `.part` still there whole -> renamed now; neither name there -> the bank has taken it
(banks move files they pick up), so it is marked sent, never uploaded a second time.
"""

from __future__ import annotations

import logging
import posixpath
from dataclasses import dataclass
from typing import Any

import paramiko
from sqlalchemy import select

from core.errors import Invalid
from ingest.sftp import SftpConfigError, SftpConnectError, SftpConnection, load_connections, open_sftp
from ingest.sftp_lock import PollLock
from ingest.sftp_push import ABSENT, SAME, PushError, discard, remote_file, rename_into_place, upload_part
from ledger import outgoing
from ledger.models import OutgoingFile
from workflows.runtime import Runtime

log = logging.getLogger(__name__)

ANOTHER_SEND = "another send is running"


@dataclass
class SendResult:
    connection: str
    file: str
    status: str  # sent | failed | pending (will be retried) | skipped (another sender)
    error: str | None = None
    uploaded: bool = False  # bytes went over the line in this send

    def as_json(self) -> dict[str, Any]:
        return {"connection": self.connection, "file": self.file, "status": self.status,
                "uploaded": self.uploaded, "error": self.error}


def lock_key(connection: SftpConnection) -> str:
    return f"remit.sftp-send:{connection.name}"


def sending_connections(rt: Runtime, name: str | None = None) -> list[SftpConnection]:
    """The configured connections with an `upload_dir` (only `name`, when given)."""
    path = rt.settings.sftp_connections_file
    if path is None:
        raise SftpConfigError("set REMIT_SFTP_CONNECTIONS_FILE to the SFTP connections file")
    connections = [c for c in load_connections(path) if name is None or c.name == name]
    if name is not None and not connections:
        raise SftpConfigError(f"{path}: no SFTP connection named {name!r}")
    if name is not None and not connections[0].upload_dir:
        raise SftpConfigError(f"{path}: SFTP connection {name!r} has no upload_dir")
    return [c for c in connections if c.upload_dir]


def route(rt: Runtime, names: list[str], formats: list[str]) -> dict[str, str]:
    """`remit collect --send NAME...`: the connection each format goes to — the one named
    whose upload_formats take it. Refused (Invalid) before anything is recorded when a
    name is unknown or has no upload_dir, or a format fits none or several of them."""
    if not names:
        return {}
    try:
        chosen = [sending_connections(rt, n)[0] for n in dict.fromkeys(names)]
    except SftpConfigError as error:
        raise Invalid(f"--send: {error}") from error
    routes = {}
    for fmt in dict.fromkeys(formats):
        fits = [c.name for c in chosen if fmt in c.upload_formats]
        if len(fits) != 1:
            which = f"several ({', '.join(fits)})" if fits else "none"
            raise Invalid(f"--send: {which} of the connections given take {fmt} files (upload_formats)")
        routes[fmt] = fits[0]
    return routes


def send_pending(rt: Runtime, *, name: str | None = None, actor: str) -> list[SendResult]:
    """Send every pending file of each sending connection (or of `name`)."""
    results: list[SendResult] = []
    for connection in sending_connections(rt, name):
        results.extend(send_connection(rt, connection, actor=actor))
    return results


def send_connection(rt: Runtime, connection: SftpConnection, *, actor: str) -> list[SendResult]:
    with PollLock(rt.engine, lock_key(connection)) as acquired:
        if not acquired:
            return [SendResult(connection.name, "", "skipped", ANOTHER_SEND)]
        with rt.unit_of_work() as session:
            ids = outgoing.queued(session, connection.name)
        if not ids:
            return []
        results: list[SendResult] = []
        try:
            with open_sftp(connection) as sftp:
                for row_id in ids:
                    result, fatal = _send_one(rt, sftp, connection, row_id, actor)
                    results.append(result)
                    if fatal:
                        break  # the line is gone: the rest waits for the next send
        except SftpConnectError as error:
            # Nothing went over the line: each waiting file counts the attempt and says why.
            waiting = ids[len(results):]
            with rt.unit_of_work() as session:
                outgoing.attempt_failed(session, waiting, str(error), keep_renaming=True)
                names = {row.id: row.name for row in session.execute(
                    select(OutgoingFile.id, OutgoingFile.name).where(OutgoingFile.id.in_(waiting)))}
            results += [SendResult(connection.name, names[i], "pending", str(error)) for i in waiting]
        return results


def _send_one(rt: Runtime, sftp: paramiko.SFTPClient, connection: SftpConnection, row_id: int,
              actor: str) -> tuple[SendResult, bool]:
    """One file; (what became of it, whether the connection is gone)."""
    with rt.unit_of_work() as session:
        row = session.get(OutgoingFile, row_id)
        assert row is not None
        name, data, sha, renaming = row.name, row.content, row.sha256, row.renaming_since is not None
    final = posixpath.join(connection.upload_dir or "", name)
    part = final + ".part"
    where = f"SFTP connection {connection.name!r}"

    def done(status: str, note: str | None = None, uploaded: bool = False) -> tuple[SendResult, bool]:
        with rt.unit_of_work() as session:
            outgoing.finish(session, row_id, status, actor=actor, note=note)
        return SendResult(connection.name, name, status, note if status == "failed" else None, uploaded), False

    def retry(error: PushError, *, renamed_maybe: bool = False) -> tuple[SendResult, bool]:
        message = f"{where}: {error}"
        with rt.unit_of_work() as session:
            outgoing.attempt_failed(session, [row_id], message, keep_renaming=renamed_maybe)
        return SendResult(connection.name, name, "pending", message), error.fatal

    try:
        there = remote_file(sftp, final, len(data), sha)
        if there.state == SAME:
            return done("sent", f"already in {final}: {there.detail}; not uploaded again")
        if there.state != ABSENT:
            return done("failed", f"a different file is already at {final} on {where} ({there.detail}); "
                                  "not overwritten")
        if renaming:  # the last sender died around its rename
            left = remote_file(sftp, part, len(data), sha)
            if left.state == ABSENT:
                return done("sent", f"renamed to {final} before an interruption and since taken from the "
                                    "server; not uploaded again")
            if left.state == SAME:
                rename_into_place(sftp, part, final)
                return done("sent", f"{part} renamed after an interruption")
            return done("failed", f"after an interruption {part} on {where} is not the file remit wrote "
                                  f"({left.detail}); ask the bank whether {name} arrived before sending it again")
        upload_part(sftp, part, data)
    except PushError as error:
        return retry(error, renamed_maybe=renaming)  # a rename that may have happened stays on record
    with rt.unit_of_work() as session:
        outgoing.renaming(session, row_id)
    try:
        rename_into_place(sftp, part, final)
    except PushError as error:
        if not error.fatal:
            discard(sftp, part)
        return retry(error, renamed_maybe=error.fatal)  # a dropped line may have renamed it
    return done("sent", uploaded=True)


def queue_file(rt: Runtime, name: str, connection: str, *, actor: str) -> dict[str, Any]:
    """`remit sftp queue`: a kept or failed file queued for `connection`, which must have an
    upload_dir and take the file's format."""
    try:
        (chosen,) = sending_connections(rt, connection)
    except SftpConfigError as error:
        raise Invalid(str(error)) from error
    with rt.unit_of_work() as session:
        row = session.scalars(select(OutgoingFile).where(OutgoingFile.name == name)).one_or_none()
        if row is not None and row.format not in chosen.upload_formats:
            raise Invalid(f"SFTP connection {connection!r} does not take {row.format} files (upload_formats)")
        return outgoing.as_json(outgoing.queue(session, name, connection, actor=actor))


def list_outgoing(rt: Runtime, statuses: list[str] | None = None) -> list[dict[str, Any]]:
    """`remit sftp outgoing`: the files kept for the bank, oldest first (without their bytes)."""
    with rt.unit_of_work() as session:
        return [outgoing.as_json(row) for row in outgoing.listing(session, statuses)]


def send_job(rt: Runtime) -> None:
    """The scheduler's send (REMIT_SFTP_SEND_SECONDS): never raises, logs what it did — each
    file once, here (`remit sftp send` prints its results instead)."""
    try:
        results = send_pending(rt, actor="job:sftp-send")
    except Exception:  # noqa: BLE001 - a bad connections file or the database: the next run tries again
        log.exception("sftp send failed")
        return
    for r in results:
        level = logging.INFO if r.status == "sent" else logging.WARNING
        log.log(level, "sftp send %s: %s %s%s", r.connection, r.file, r.status, f" ({r.error})" if r.error else "")
