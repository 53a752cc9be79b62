"""The API load benchmark's database key and server: an `ar:read` key made with the server's
secret, and `remit serve` started as a subprocess on a free port (configured only through
REMIT_*, as in production) and stopped gracefully."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PG_DB = "remit_bench_api"
SECRET = "bench-secret-key-0123456789abcdef0123456789"  # the server's REMIT_SECRET_KEY
PAYMENT_PATH = "/api/v1/payments/{transaction_id}"
INVOICE_PATH = "/api/v1/invoices/{number}"


def create_read_key(url: str) -> str:
    """An ar:read key, hashed with the secret the server will run with."""
    from core.settings import Settings
    from ledger.db import make_engine, transaction
    from ledger.repositories import api_keys

    settings = Settings(database_url=url, secret_key=SECRET)
    engine = make_engine(settings.database_url)
    with transaction(engine) as session:
        key = api_keys.create(
            session, name="bench-api-load", scopes=["ar:read"], secret=settings.secret_key
        )
    engine.dispose()
    return key


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _remit_command() -> list[str]:
    script = Path(sys.executable).with_name("remit")  # the console script of this venv
    return [str(script)] if script.exists() else [sys.executable, "-m", "cli"]


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    def log_tail(self, chars: int = 1500) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


@contextmanager
def serve(
    url: str, workdir: Path, *, timeout_s: float = 60.0, workers: int = 1
) -> Iterator[Server]:
    """`remit serve` on a free port, configured only through REMIT_* (as in production)."""
    import httpx

    port = _free_port()
    # Only our REMIT_* reach the server: a developer's inbox/SFTP settings must not poll here.
    env = {k: v for k, v in os.environ.items() if not k.startswith("REMIT_")}
    env.update(
        REMIT_DATABASE_URL=url,
        REMIT_SECRET_KEY=SECRET,
        REMIT_ARCHIVE_DIR=str(workdir / "archive"),
        PYTHONUNBUFFERED="1",
    )
    log = workdir / "server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [*_remit_command(), "serve", "--host", "127.0.0.1", "--port", str(port),
             "--workers", str(workers)],
            cwd=workdir,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"remit serve exited ({process.returncode}): {server.log_tail()}"
                )
            try:
                if httpx.get(server.base_url + "/healthz", timeout=1.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"/healthz not ready after {timeout_s:.0f} s: {server.log_tail()}"
                )
            time.sleep(0.2)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)  # uvicorn's graceful shutdown
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def available_paths(server: Server) -> list[str]:
    """Which of the two lookups the running app has (helper A's routes may not be there)."""
    import httpx

    paths = httpx.get(server.base_url + "/openapi.json", timeout=10).json().get("paths", {})
    return [p for p in (PAYMENT_PATH, INVOICE_PATH) if "get" in paths.get(p, {})]
