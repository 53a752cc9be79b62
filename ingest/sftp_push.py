"""Pushing one file to a bank's SFTP `upload_dir`: the transport half of `remit sftp send`
(workflows/sftp_send.py decides what to send and records what happened).

A file appears on the server under its final name only whole: it is written to
`<name>.part`, its size checked with the server, then renamed to `<name>`. Before anything
is written, what the server already holds under `<name>` is looked at (`remote_file`):
the same bytes (a crash after the rename, before it was recorded) need no upload; other
bytes are never overwritten. Nothing here touches the database.
"""

from __future__ import annotations

import hashlib
import posixpath
import stat
from dataclasses import dataclass

import paramiko

CHUNK = 32 * 1024
ABSENT, SAME, DIFFERENT = "absent", "same", "different"


class PushError(Exception):
    """A step failed; `fatal` when the connection itself is gone (stop, retry next time)."""

    def __init__(self, message: str, *, fatal: bool) -> None:
        super().__init__(message)
        self.fatal = fatal


@dataclass(frozen=True, slots=True)
class RemoteFile:
    state: str  # absent | same | different
    detail: str = ""  # for different: what is there; for same: how it was compared


def _gone(sftp: paramiko.SFTPClient) -> bool:
    channel = sftp.get_channel()
    return channel is None or channel.closed


def _error(sftp: paramiko.SFTPClient, what: str, error: BaseException) -> PushError:
    detail = str(error) or type(error).__name__
    fatal = isinstance(error, (EOFError, paramiko.SSHException)) or _gone(sftp)
    return PushError(f"{what}: {detail}", fatal=fatal)


def remote_file(sftp: paramiko.SFTPClient, path: str, size: int, sha256: str) -> RemoteFile:
    """What the server holds at `path`, compared with our bytes: by size, and by SHA-256 when
    the server lets us read it back (a bank's upload folder is often write-only)."""
    try:
        attr = sftp.stat(path)
    except FileNotFoundError:
        return RemoteFile(ABSENT)
    except (OSError, EOFError, paramiko.SSHException) as error:
        raise _error(sftp, f"cannot look at {path}", error) from error
    if attr.st_mode is not None and not stat.S_ISREG(attr.st_mode):
        return RemoteFile(DIFFERENT, "not a regular file")
    if attr.st_size != size:
        return RemoteFile(DIFFERENT, f"{attr.st_size} bytes, ours {size}")
    digest = hashlib.sha256()
    try:
        with sftp.open(path, "rb") as source:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
    except PermissionError:
        return RemoteFile(SAME, "same size (the server does not let us read it back)")
    except (OSError, EOFError, paramiko.SSHException) as error:
        raise _error(sftp, f"cannot read back {path}", error) from error
    if digest.hexdigest() != sha256:
        return RemoteFile(DIFFERENT, f"same size, other content (SHA-256 {digest.hexdigest()[:12]}...)")
    return RemoteFile(SAME, "same size and SHA-256")


def upload_part(sftp: paramiko.SFTPClient, part: str, data: bytes) -> None:
    """Write `data` to `part` (replacing an earlier attempt's leftover) and check its size."""
    try:
        with sftp.open(part, "wb") as sink:
            sink.set_pipelined(True)
            for offset in range(0, len(data), CHUNK):
                sink.write(data[offset:offset + CHUNK])
        written = sftp.stat(part).st_size
    except (OSError, EOFError, paramiko.SSHException) as error:
        failure = _error(sftp, f"upload of {part} interrupted", error)
        if not failure.fatal:
            discard(sftp, part)
        raise failure from error
    if written != len(data):
        discard(sftp, part)
        raise PushError(f"size mismatch: the server has {written} bytes of {part}, we sent {len(data)}", fatal=False)


def rename_into_place(sftp: paramiko.SFTPClient, part: str, final: str) -> None:
    """`part` -> `final`, which must not exist (checked first: some servers would overwrite)."""
    try:
        sftp.stat(final)
    except FileNotFoundError:
        pass
    except (OSError, EOFError, paramiko.SSHException) as error:
        raise _error(sftp, f"cannot look at {final}", error) from error
    else:
        raise PushError(f"{final} appeared on the server during the upload; not overwritten", fatal=False)
    try:
        sftp.rename(part, final)
    except (OSError, EOFError, paramiko.SSHException) as error:
        raise _error(sftp, f"cannot rename {posixpath.basename(part)} to {posixpath.basename(final)}", error) from error


def discard(sftp: paramiko.SFTPClient, path: str) -> None:
    """Remove our own leftover `.part`, if the server lets us (best effort)."""
    try:
        sftp.remove(path)
    except (OSError, EOFError, paramiko.SSHException):
        pass
