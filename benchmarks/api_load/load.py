"""The open-loop load generator: request i is due at t0 + i/rate whatever happened to the
earlier ones, and its latency is measured from that due time (no coordinated omission), over
a pool of keep-alive connections; with the CPU of the server, PostgreSQL, the generator and
the rest of the machine measured over each step."""

from __future__ import annotations

import asyncio
import os
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.api_load.server import INVOICE_PATH, PAYMENT_PATH, PG_DB, Server

CONNECTIONS = 64  # keep-alive connections; due requests beyond these wait (and that counts)
REQUEST_TIMEOUT_S = 10.0


@dataclass
class Step:
    rate: int
    seconds: float
    sent: int = 0
    latencies_ms: list[float] = field(default_factory=list)  # from due time, successes only
    send_lag_ms: list[float] = field(default_factory=list)  # how late the generator dispatched
    errors: Counter[str] = field(default_factory=Counter)
    wall_s: float = 0.0
    server_cpu_pct: float = 0.0
    client_cpu_pct: float = 0.0
    postgres_cpu_pct: float = 0.0  # the backends serving the benchmark database
    machine_cpu_pct: float = 0.0  # all cores: 100% = every core busy
    new_connections: int = 0  # PostgreSQL backends started during the step (pool churn)

    @property
    def other_cpu_pct(self) -> float:
        """What else ran on the machine meanwhile, in % of one core (a shared box is noisy)."""
        ours = self.server_cpu_pct + self.client_cpu_pct + self.postgres_cpu_pct
        return max(0.0, self.machine_cpu_pct * (os.cpu_count() or 1) - ours)

    @property
    def achieved(self) -> float:
        return len(self.latencies_ms) / self.wall_s if self.wall_s else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]

    @property
    def max_ms(self) -> float:
        return max(self.latencies_ms, default=float("nan"))

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


class _Connection:
    """One keep-alive HTTP/1.1 connection, just enough client for GET + JSON replies.

    Why not httpx: on this 2-core box the generator shares the CPU with the server, and an
    httpx AsyncClient costs ~0.4 ms of CPU per request (and queues waiters in its pool
    linearly), so at 400+ req/s the client, not the server, set the latency. This costs a
    tenth of that.
    """

    def __init__(self, host: str, port: int, auth: bytes) -> None:
        self.host, self.port, self.auth = host, port, auth
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> int:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(
            b"GET "
            + path.encode()
            + b" HTTP/1.1\r\nHost: "
            + self.host.encode()
            + b"\r\nAuthorization: "
            + self.auth
            + b"\r\n\r\n"
        )
        try:
            status_line = await self.reader.readuntil(b"\r\n")
            headers = (await self.reader.readuntil(b"\r\n\r\n")).lower()
            status = int(status_line.split()[1])
            if b"transfer-encoding: chunked" in headers:
                while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                    await self.reader.readexactly(size + 2)
                await self.reader.readuntil(b"\r\n")
            else:
                length = 0
                for line in headers.split(b"\r\n"):
                    if line.startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                await self.reader.readexactly(length)
            if b"connection: close" in headers:
                await self.close()
            return status
        except (asyncio.IncompleteReadError, ConnectionError, ValueError, IndexError):
            await self.close()
            raise

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None


async def _drive(
    base_url: str, key: str, rate: int, seconds: float, next_path: Callable[[], str]
) -> Step:
    from urllib.parse import urlsplit

    step = Step(rate, seconds)
    loop = asyncio.get_running_loop()
    address = urlsplit(base_url)
    auth = f"Bearer {key}".encode()
    # Due requests wait here for a free connection: that wait is part of their latency.
    queue: asyncio.Queue[tuple[str, float] | None] = asyncio.Queue()

    async def worker() -> None:
        conn = _Connection(address.hostname or "127.0.0.1", address.port or 80, auth)
        while (job := await queue.get()) is not None:
            path, due = job
            try:
                status = await asyncio.wait_for(conn.get(path), REQUEST_TIMEOUT_S)
            except (
                TimeoutError,
                OSError,
                asyncio.IncompleteReadError,
                ValueError,
                IndexError,
            ) as error:
                step.errors[type(error).__name__] += 1
                await conn.close()
                continue
            if status != 200:
                step.errors[f"HTTP {status}"] += 1
                continue
            step.latencies_ms.append((loop.time() - due) * 1000)
        await conn.close()

    workers = [asyncio.create_task(worker()) for _ in range(CONNECTIONS)]
    total = int(rate * seconds)
    start = loop.time() + 0.05
    for i in range(total):
        due = start + i / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        step.send_lag_ms.append((loop.time() - due) * 1000)  # the generator's own lateness
        queue.put_nowait((next_path(), due))
    step.sent = total
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    step.wall_s = max(loop.time() - start, seconds)
    return step


def _cpu_seconds(pgid: int) -> float:
    """utime + stime of every process of a process group (the server and, with --workers, its
    HTTP processes), reaped children included, from /proc."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[2]) == pgid:  # field 5 of /proc/PID/stat: the process group
            total += sum(int(v) for v in fields[11:15])
    return total / os.sysconf("SC_CLK_TCK")


def _postgres_backends(database: str) -> dict[int, float]:
    """pid -> CPU seconds of the PostgreSQL backends connected to `database` (process title)."""
    found = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            title = (proc / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if title.startswith(b"postgres:") and f" {database} ".encode() in title:
            found[int(proc.name)] = _cpu_seconds(int(proc.name))
    return found


class _PostgresSampler(threading.Thread):
    """Samples the benchmark database's backends while a step runs. Backends come and go
    (the SQLAlchemy pool closes overflow connections), so a before/after difference would
    lose the CPU of those that exited: keep each one's last reading instead."""

    def __init__(self, database: str, interval_s: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.database, self.interval_s = database, interval_s
        self.first = _postgres_backends(database)
        self.last = dict(self.first)
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(self.interval_s):
            self.last.update(_postgres_backends(self.database))

    def finish(self) -> tuple[float, int]:
        """(CPU seconds used during the step, backends that were not there at the start)."""
        self.stop.set()
        self.join()
        self.last.update(_postgres_backends(self.database))
        cpu = sum(v - self.first.get(pid, 0.0) for pid, v in self.last.items())
        return cpu, len(set(self.last) - set(self.first))


def _machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs, from /proc/stat."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except OSError:
        return 0.0, 0.0
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return float(sum(values) - idle), float(sum(values))


def run_step(
    server: Server, key: str, rate: int, seconds: float, next_path: Callable[[], str]
) -> Step:
    server_cpu, client_cpu = _cpu_seconds(server.process.pid), time.process_time()
    sampler = _PostgresSampler(PG_DB)
    sampler.start()
    busy0, total0 = _machine_busy()
    step = asyncio.run(_drive(server.base_url, key, rate, seconds, next_path))
    busy1, total1 = _machine_busy()
    step.server_cpu_pct = 100 * (_cpu_seconds(server.process.pid) - server_cpu) / step.wall_s
    step.client_cpu_pct = 100 * (time.process_time() - client_cpu) / step.wall_s
    pg_cpu, step.new_connections = sampler.finish()
    step.postgres_cpu_pct = 100 * pg_cpu / step.wall_s
    step.machine_cpu_pct = 100 * (busy1 - busy0) / (total1 - total0) if total1 > total0 else 0.0
    return step


def path_picker(
    paths: list[str], transaction_ids: list[int], invoice_numbers: list[str], seed: int = 1
) -> Callable[[], str]:
    rng = random.Random(seed)

    def pick() -> str:
        template = rng.choice(paths)
        if template == PAYMENT_PATH:
            return template.format(transaction_id=rng.choice(transaction_ids))
        if template == INVOICE_PATH:
            return template.format(number=rng.choice(invoice_numbers))
        return template

    return pick
