"""A real SFTP server (asyncssh) on loopback, chrooted to a tmp dir: the `server` and `conn`
fixtures of the SFTP tests (polling: test_sftp.py; sending: tests/workflows/test_sftp_send.py)."""

from __future__ import annotations

import asyncio
import inspect
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh
import pytest

from ingest.sftp import SftpConnection

PASSWORD = "correct horse battery staple"


@dataclass
class ServerState:
    cut_after: int | None = None  # abort the connection after serving this many bytes of a file
    cut_name: str = ""
    drops: int = 0
    truncate: bool = False  # instead of dropping the line, end the file early (a short read)


class _FaultySFTPServer(asyncssh.SFTPServer):
    state: ServerState

    async def read(self, file_obj, offset, size):  # type: ignore[no-untyped-def, override]
        data = super().read(file_obj, offset, size)
        if inspect.isawaitable(data):
            data = await data
        state = self.state
        name = os.fsdecode(getattr(file_obj, "name", b""))
        if state.cut_after is not None and name.endswith(state.cut_name):
            if offset >= state.cut_after:
                if state.truncate:
                    return b""
                state.drops += 1
                self.connection.abort()  # the line drops mid-file
                raise asyncssh.SFTPConnectionLost("dropped")
            data = data[: state.cut_after - offset]
        return data


@dataclass
class SftpServer:
    root: Path
    port: int
    host_key: asyncssh.SSHKey
    client_key_file: Path
    state: ServerState = field(default_factory=ServerState)

    @property
    def inbox(self) -> Path:
        return self.root / "outgoing"


def _known_hosts(path: Path, port: int, key: asyncssh.SSHKey) -> Path:
    public = key.export_public_key("openssh").decode().split()
    path.write_text(f"[127.0.0.1]:{port} {public[0]} {public[1]}\n")
    return path


@pytest.fixture
def server(tmp_path: Path) -> Iterator[SftpServer]:
    root = tmp_path / "sftp-root"
    (root / "outgoing").mkdir(parents=True)
    host_key = asyncssh.generate_private_key("ssh-ed25519")
    client_key = asyncssh.generate_private_key("ssh-ed25519")
    client_key_file = tmp_path / "client.key"
    client_key_file.write_bytes(client_key.export_private_key("openssh"))
    client_key_file.chmod(0o600)
    state = ServerState()

    class Server(asyncssh.SSHServer):
        def password_auth_supported(self) -> bool:
            return True

        def validate_password(self, username: str, password: str) -> bool:
            return username == "acme" and password == PASSWORD

    def sftp_factory(chan):  # type: ignore[no-untyped-def]
        handler = _FaultySFTPServer(chan, chroot=str(root).encode())
        handler.state = state
        return handler

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    async def listen() -> asyncssh.SSHAcceptor:
        return await asyncssh.listen(
            "127.0.0.1",
            0,
            server_host_keys=[host_key],
            server_factory=Server,
            authorized_client_keys=asyncssh.import_authorized_keys(client_key.export_public_key("openssh").decode()),
            sftp_factory=sftp_factory,
            allow_scp=False,
        )

    listener = asyncio.run_coroutine_threadsafe(listen(), loop).result(10)
    port = listener.sockets[0].getsockname()[1]
    try:
        yield SftpServer(root=root, port=port, host_key=host_key, client_key_file=client_key_file, state=state)
    finally:
        async def stop() -> None:
            listener.close()
            await listener.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@pytest.fixture
def conn(server: SftpServer, tmp_path: Path) -> SftpConnection:
    return SftpConnection(
        name="bank-a",
        host="127.0.0.1",
        port=server.port,
        username="acme",
        private_key_file=server.client_key_file,
        known_hosts_file=_known_hosts(tmp_path / "known_hosts", server.port, server.host_key),
        remote_dir="/outgoing",
        pattern="*.xml",
        schedule="0 2 * * *",
    )
