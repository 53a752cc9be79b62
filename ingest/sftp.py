"""Nightly SFTP drops: fetch new files from configured bank connections and ingest them.

A poll of one connection:
  1. connects with the pinned host key only (an unknown or changed host key refuses to
     connect — there is no "trust on first use");
  2. lists regular files in `remote_dir` matching `pattern`, sorted by name;
  3. downloads each to `<workdir>/<name>.part`, checks the byte count against the server's
     size, then renames it to `<workdir>/<name>` — an interrupted or short download is
     deleted and never registered, so the next poll retries it;
  4. calls `ingest(path)` (register + dedupe by SHA-256 + archive + parse, and matching when
     the caller wires it), then deletes the local copy (the archive holds the bytes);
  5. on the server, moves the file to `processed/` (`rejected/` if it was rejected) under
     `remote_dir`, or keeps it (`after = "keep"`: the next poll sees it as a duplicate).

Only one poll of a connection runs at a time across instances (`PollLock`, a database lock).

Connections come from a TOML or JSON file (see `load_connections`). Secrets are never in that
file: it names a private key file or a password file. Relative paths are relative to it.

    [[connections]]
    name = "bank-a"
    host = "sftp.bank-a.example"
    port = 22
    username = "acme"
    private_key_file = "secrets/bank-a.key"   # or: password_file = "secrets/bank-a.password"
    known_hosts_file = "secrets/bank-a.known_hosts"  # required: the pinned host key
    remote_dir = "/outgoing"
    pattern = "*.xml"          # fnmatch, default "*"
    after = "move"             # "move" (default) | "keep"
    schedule = "0 2 * * *"     # cron, in `timezone` (default UTC)
    upload_dir = "/incoming"   # optional: files remit sends go here (ingest/sftp_push.py)
    upload_formats = ["pain.008", "nacha"]  # optional: which of them this bank takes

A connection with `upload_dir` and neither `remote_dir` nor `schedule` only sends.
"""

from __future__ import annotations

import fnmatch
import json
import logging
import os
import posixpath
import re
import stat
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import paramiko
from sqlalchemy import Engine

from ingest.inbox import IngestFn
from ingest.service import IngestResult
from ingest.sftp_lock import PollLock

log = logging.getLogger(__name__)

PROCESSED = "processed"
REJECTED = "rejected"
CHUNK = 32 * 1024
CONNECT_TIMEOUT = 30.0
SKIPPED = "skipped"
ANOTHER_POLL = "another poll is running"
UPLOAD_FORMATS = ("pain.008", "nacha")  # what remit sends (ledger.models.outgoing)


class SftpConfigError(ValueError):
    """The connections file is wrong; names the file and the connection."""


class SftpConnectError(RuntimeError):
    """Could not connect (host key refused, authentication failed, network)."""


@dataclass(frozen=True, slots=True)
class SftpConnection:
    name: str
    host: str
    username: str
    known_hosts_file: Path
    remote_dir: str = ""  # "" with schedule "": a connection that only sends (upload_dir)
    schedule: str = ""
    port: int = 22
    private_key_file: Path | None = None
    private_key_passphrase_file: Path | None = None
    password_file: Path | None = None
    pattern: str = "*"
    after: str = "move"  # move | keep
    timezone: str = "UTC"
    upload_dir: str | None = None  # where files remit sends go (`remit sftp send`)
    upload_formats: tuple[str, ...] = UPLOAD_FORMATS

    @property
    def lock_key(self) -> str:
        return f"remit.sftp:{self.name}"


@dataclass
class PollResult:
    file: str
    status: str  # parsed | duplicate | rejected | failed | skipped
    error: str | None = None
    ingest: IngestResult | None = None  # the ingest outcome (sha256, file_id, counts)


# -- configuration ------------------------------------------------------------------------
_PATH_FIELDS = ("known_hosts_file", "private_key_file", "private_key_passphrase_file", "password_file")
_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")
_REQUIRED = ("name", "host", "username", "known_hosts_file")
_POLL = ("remote_dir", "schedule")  # required unless the connection only sends (upload_dir)


def load_connections(path: Path) -> list[SftpConnection]:
    """Read and validate the connections file (TOML, or JSON if it ends in .json)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        data = json.loads(raw) if path.suffix.lower() == ".json" else tomllib.loads(raw.decode("utf-8"))
    except (OSError, ValueError) as error:
        raise SftpConfigError(f"{path}: cannot read SFTP connections: {error}") from error
    items = data.get("connections", []) if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise SftpConfigError(f"{path}: expected a list 'connections'")
    connections = [_connection(path, i, item) for i, item in enumerate(items)]
    names = [c.name for c in connections]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise SftpConfigError(f"{path}: duplicate connection names: {', '.join(duplicates)}")
    return connections


def _connection(path: Path, index: int, item: Any) -> SftpConnection:
    where = f"{path}: connection #{index + 1}"
    if not isinstance(item, dict):
        raise SftpConfigError(f"{where}: expected a table")
    if isinstance(item.get("name"), str):
        where = f"{path}: connection {item['name']!r}"
    if "password" in item or "private_key" in item or "passphrase" in item:
        raise SftpConfigError(f"{where}: secrets are not allowed in the config; use password_file / private_key_file")
    known = {f.name for f in fields(SftpConnection)}
    unknown = sorted(set(item) - known)
    if unknown:
        raise SftpConfigError(f"{where}: unknown keys: {', '.join(unknown)}")
    sends_only = item.get("upload_dir") and not any(item.get(k) for k in _POLL)
    missing = [k for k in _REQUIRED + (() if sends_only else _POLL) if not item.get(k)]
    if missing:
        raise SftpConfigError(f"{where}: missing {', '.join(missing)}")
    if not _NAME.fullmatch(str(item["name"])):
        raise SftpConfigError(f"{where}: name may use only letters, digits, '.', '_' and '-'")
    values = dict(item)
    for key in _PATH_FIELDS:
        if values.get(key) is not None:
            values[key] = (path.parent / Path(values[key]).expanduser()).resolve()
    if (values.get("private_key_file") is None) == (values.get("password_file") is None):
        raise SftpConfigError(f"{where}: give exactly one of private_key_file, password_file")
    if values.get("after", "move") not in ("move", "keep"):
        raise SftpConfigError(f"{where}: after must be 'move' or 'keep', not {values['after']!r}")
    if not isinstance(values.get("port", 22), int):
        raise SftpConfigError(f"{where}: port must be a number")
    if "upload_dir" in values and not (isinstance(values["upload_dir"], str) and values["upload_dir"]):
        raise SftpConfigError(f"{where}: upload_dir must be a folder on the server")
    formats = values.get("upload_formats", list(UPLOAD_FORMATS))
    if not isinstance(formats, list) or not formats or not set(formats) <= set(UPLOAD_FORMATS):
        raise SftpConfigError(f"{where}: upload_formats must be a list of {', '.join(UPLOAD_FORMATS)}")
    values["upload_formats"] = tuple(formats)
    connection = SftpConnection(**values)
    try:
        if connection.schedule:
            _trigger(connection)
    except ValueError as error:
        raise SftpConfigError(f"{where}: bad schedule {connection.schedule!r}: {error}") from error
    return connection


# -- connecting -----------------------------------------------------------------------------
def _secret(path: Path) -> str:
    return path.read_text(encoding="utf-8").rstrip("\r\n")


@contextmanager
def open_sftp(connection: SftpConnection, *, timeout: float = CONNECT_TIMEOUT) -> Iterator[paramiko.SFTPClient]:
    """An SFTP session that only talks to the host key pinned in `known_hosts_file`."""
    where = f"SFTP connection {connection.name!r} ({connection.host}:{connection.port})"
    client = paramiko.SSHClient()
    try:
        if not connection.known_hosts_file.is_file():
            raise SftpConnectError(f"{where}: known_hosts_file {connection.known_hosts_file} does not exist")
        client.load_host_keys(os.fspath(connection.known_hosts_file))
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        auth: dict[str, Any] = {}
        if connection.private_key_file is not None:
            auth["key_filename"] = os.fspath(connection.private_key_file)
            if connection.private_key_passphrase_file is not None:
                auth["passphrase"] = _secret(connection.private_key_passphrase_file)
        elif connection.password_file is not None:
            auth["password"] = _secret(connection.password_file)
        try:
            client.connect(
                connection.host,
                port=connection.port,
                username=connection.username,
                allow_agent=False,
                look_for_keys=False,
                timeout=timeout,
                banner_timeout=timeout,
                auth_timeout=timeout,
                **auth,
            )
        except paramiko.BadHostKeyException as error:
            got = getattr(error.key, "fingerprint", None) or error.key.get_fingerprint().hex()
            raise SftpConnectError(
                f"{where}: host key CHANGED — refusing to connect (server offered {error.key.get_name()} "
                f"{got}; the key pinned in {connection.known_hosts_file} differs)"
            ) from error
        except paramiko.AuthenticationException as error:
            raise SftpConnectError(f"{where}: authentication failed for user {connection.username!r}: {error}") from error
        except paramiko.SSHException as error:
            if "known_hosts" in str(error) or "not found in" in str(error):
                raise SftpConnectError(
                    f"{where}: host key UNKNOWN — not pinned in {connection.known_hosts_file}; refusing to connect"
                ) from error
            raise SftpConnectError(f"{where}: {error}") from error
        except OSError as error:
            raise SftpConnectError(f"{where}: {error}") from error
        sftp = client.open_sftp()
        sftp.get_channel().settimeout(timeout)
        try:
            yield sftp
        finally:
            sftp.close()
    finally:
        client.close()


# -- polling --------------------------------------------------------------------------------
class _Interrupted(Exception):
    """The download did not complete; `fatal` when the connection itself is gone."""

    def __init__(self, message: str, *, fatal: bool) -> None:
        super().__init__(message)
        self.fatal = fatal


def _download(sftp: paramiko.SFTPClient, remote: str, expected: int, target: Path) -> None:
    """Download `remote` to `target` via `target.part`; the final name appears only when whole."""
    part = target.with_name(target.name + ".part")
    received = 0
    try:
        try:
            with sftp.open(remote, "rb") as source, part.open("wb") as sink:
                while chunk := source.read(CHUNK):
                    received += len(chunk)
                    sink.write(chunk)
                sink.flush()
                os.fsync(sink.fileno())
        except (paramiko.SSHException, EOFError, OSError) as error:
            fatal = not isinstance(error, IOError) or not sftp.get_channel() or sftp.get_channel().closed
            detail = str(error) or type(error).__name__
            raise _Interrupted(f"download interrupted after {received} of {expected} bytes: {detail}", fatal=fatal) from error
        if received != expected:
            raise _Interrupted(f"size mismatch: received {received} bytes, server said {expected}", fatal=False)
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)


def _remote_move(sftp: paramiko.SFTPClient, remote_dir: str, name: str, folder: str) -> None:
    target_dir = posixpath.join(remote_dir, folder)
    try:
        sftp.stat(target_dir)
    except FileNotFoundError:
        try:
            sftp.mkdir(target_dir)
        except OSError:
            sftp.stat(target_dir)  # created by someone else meanwhile is fine; otherwise raise
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    target, n = posixpath.join(target_dir, name), 1
    while True:
        try:
            sftp.stat(target)
        except FileNotFoundError:
            break
        n += 1
        target = posixpath.join(target_dir, f"{stem}.{n}.{suffix}" if dot else f"{stem}.{n}")
    sftp.rename(posixpath.join(remote_dir, name), target)


def _candidates(sftp: paramiko.SFTPClient, connection: SftpConnection) -> list[tuple[str, int]]:
    files = []
    for attr in sftp.listdir_attr(connection.remote_dir):
        name = attr.filename
        if name.startswith(".") or "/" in name or name.endswith(".part"):
            continue
        if attr.st_mode is None or not stat.S_ISREG(attr.st_mode):
            continue
        if fnmatch.fnmatchcase(name, connection.pattern):
            files.append((name, attr.st_size or 0))
    return sorted(files)


def poll(
    connection: SftpConnection,
    ingest: IngestFn,
    *,
    workdir: Path,
    lock: PollLock | None = None,
) -> list[PollResult]:
    """Fetch and ingest new files of one connection. Connection errors (host key) raise
    SftpConnectError; per-file problems are returned as `failed` results. With `lock`, a poll
    that finds it taken returns one `skipped` result and does nothing."""
    if lock is None:
        return _poll(connection, ingest, workdir)
    with lock as acquired:
        if not acquired:
            log.info("sftp %s: skipped, %s", connection.name, ANOTHER_POLL)
            return [PollResult(file="", status=SKIPPED, error=ANOTHER_POLL)]
        return _poll(connection, ingest, workdir)


def _poll(connection: SftpConnection, ingest: IngestFn, workdir: Path) -> list[PollResult]:
    workdir = Path(workdir) / connection.name
    workdir.mkdir(parents=True, exist_ok=True)
    results: list[PollResult] = []
    with open_sftp(connection) as sftp:
        for name, size in _candidates(sftp, connection):
            remote = posixpath.join(connection.remote_dir, name)
            local = workdir / name
            try:
                _download(sftp, remote, size, local)
            except _Interrupted as error:
                log.warning("sftp %s: %s: %s", connection.name, name, error)
                results.append(PollResult(file=name, status="failed", error=str(error)))
                if error.fatal:
                    break  # the connection is gone: the next poll retries
                continue
            try:
                outcome = ingest(local)
            except Exception as error:  # noqa: BLE001 - e.g. the database is down: stop, retry later
                log.exception("sftp %s: ingest of %s failed", connection.name, name)
                results.append(PollResult(file=name, status="failed", error=f"ingest failed: {error}"))
                break
            finally:
                local.unlink(missing_ok=True)
            result = PollResult(file=name, status=outcome.status, error=outcome.error, ingest=outcome)
            results.append(result)
            if connection.after == "move":
                try:
                    _remote_move(sftp, connection.remote_dir, name, REJECTED if outcome.status == "rejected" else PROCESSED)
                except (OSError, paramiko.SSHException) as error:
                    # Ingested already; the next poll sees a duplicate and tries the move again.
                    note = f"ingested, but could not move it on the server: {error}"
                    result.error = f"{result.error}; {note}" if result.error else note
                    log.warning("sftp %s: %s: %s", connection.name, name, note)
    return results


def poll_by_name(
    connections_file: Path, name: str, ingest: IngestFn, workdir: Path, *, engine: Engine
) -> list[PollResult]:
    """`remit sftp poll NAME`: poll one configured connection now, under the poll lock."""
    connections = {c.name: c for c in load_connections(connections_file)}
    if name not in connections:
        known = ", ".join(sorted(connections)) or "none"
        raise SftpConfigError(f"{connections_file}: no SFTP connection named {name!r} (configured: {known})")
    connection = connections[name]
    if not connection.remote_dir:
        raise SftpConfigError(f"{connections_file}: SFTP connection {name!r} only sends (no remote_dir to poll)")
    return poll(connection, ingest, workdir=workdir, lock=PollLock(engine, connection.lock_key))


# -- scheduling -----------------------------------------------------------------------------
def _trigger(connection: SftpConnection):  # type: ignore[no-untyped-def]
    from apscheduler.triggers.cron import CronTrigger

    return CronTrigger.from_crontab(connection.schedule, timezone=connection.timezone)


def job_id(connection: SftpConnection) -> str:
    return f"sftp:{connection.name}"


def _scheduled_poll(connection: SftpConnection, ingest: IngestFn, workdir: Path, engine: Engine) -> None:
    try:
        results = poll(connection, ingest, workdir=workdir, lock=PollLock(engine, connection.lock_key))
    except Exception:  # noqa: BLE001 - logged; the next scheduled poll tries again
        log.exception("sftp %s: poll failed", connection.name)
        return
    for r in results:
        level = logging.WARNING if r.status in ("failed", "rejected") else logging.INFO
        log.log(level, "sftp %s: %s %s%s", connection.name, r.file, r.status, f" ({r.error})" if r.error else "")


def schedule_polls(
    scheduler: Any, connections: list[SftpConnection], ingest: IngestFn, *, engine: Engine, workdir: Path
) -> None:
    """Add one cron job per connection to an APScheduler 3 scheduler (id `sftp:<name>`)."""
    for connection in connections:
        if not connection.schedule:
            continue  # sends only
        scheduler.add_job(
            _scheduled_poll,
            trigger=_trigger(connection),
            args=(connection, ingest, workdir, engine),
            id=job_id(connection),
            name=f"SFTP poll {connection.name}",
            replace_existing=True,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=3600,
        )
