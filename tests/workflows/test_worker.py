"""`remit worker` and the one scheduler it shares with `remit serve` (workflows/jobs.py)."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path
from typing import IO

import pytest
from sqlalchemy import insert

from core.settings import Settings
from ledger.db import transaction
from ledger.models import Customer, CustomerAccount, Invoice
from tests.factories import E, camt
from tests.workflows.receiver import running_receiver
from workflows.jobs import SWEEP_JOB_ID, WEBHOOK_JOB_ID, build_service_scheduler, describe_jobs
from workflows.runtime import runtime

REMIT = [sys.executable, "-m", "cli"]
SECRET = "webhook-secret-for-tests-0123456789abcdef"
IBAN = "GB29NWBK60161331926819"


def test_the_service_scheduler_has_the_jobs_the_settings_call_for(settings, tmp_path) -> None:
    connections = tmp_path / "sftp.toml"
    connections.write_text(
        '[[connections]]\nname = "bank-a"\nhost = "127.0.0.1"\nusername = "u"\n'
        'password_file = "pw"\nknown_hosts_file = "kh"\nremote_dir = "/out"\n'
        'schedule = "0 2 * * *"\n')
    bare = build_service_scheduler(runtime(Settings(database_url=settings.database_url,
                                                    archive_dir=settings.archive_dir)))
    # The sweep always runs (what a crash left behind), unless switched off.
    assert [job.id for job in bare.get_jobs()] == [SWEEP_JOB_ID]
    off = build_service_scheduler(runtime(Settings(database_url=settings.database_url,
                                                   archive_dir=settings.archive_dir, match_sweep_seconds=0)))
    assert off.get_jobs() == []
    full = runtime(settings.model_copy(update={
        "sftp_connections_file": connections, "webhook_url": "http://127.0.0.1:9/hook",
        "webhook_poll_seconds": 7}))
    scheduler = build_service_scheduler(full)
    ids = sorted(job.id for job in scheduler.get_jobs())
    assert ids == ["inbox", SWEEP_JOB_ID, "sftp:bank-a", WEBHOOK_JOB_ID]
    assert scheduler.get_job(WEBHOOK_JOB_ID).trigger.interval.total_seconds() == 7
    lines = describe_jobs(scheduler)
    assert any(line.startswith("webhooks: interval[0:00:07]") for line in lines), lines


def _lines(stream: IO[str]) -> queue.Queue[str]:
    out: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:
            out.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return out


def _wait_for(lines: queue.Queue[str], needle: str, seen: list[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.2)
        except queue.Empty:
            continue
        seen.append(line)
        if needle in line:
            return
    raise AssertionError(f"no {needle!r} within {timeout}s; output so far: {''.join(seen)}")


def test_remit_worker_polls_the_inbox_delivers_webhooks_and_stops_on_sigterm(
    rt, cli_env, tmp_path
) -> None:
    with transaction(rt.engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Contoso Ltd"))
        s.execute(insert(CustomerAccount).values(customer_id="C1", account=IBAN, source="imported"))
        s.execute(insert(Invoice).values(number="INV-1", customer_id="C1", currency="EUR",
                                         amount_minor=60000, open_minor=60000,
                                         issue_date=date(2026, 11, 1)))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    drop = inbox / "stmt.xml"
    drop.write_bytes(camt("053", [E("600.00", ref="W1", name="Contoso Ltd",
                                    text=["Invoice INV-1"], account=IBAN)]))
    os.utime(drop, (time.time() - 60, time.time() - 60))  # settled: not being written
    with running_receiver() as receiver:
        env = {**cli_env, "REMIT_INBOX_DIR": str(inbox), "REMIT_WEBHOOK_URL": receiver.url,
               "REMIT_WEBHOOK_SECRET": SECRET, "REMIT_WEBHOOK_POLL_SECONDS": "1"}
        proc = subprocess.Popen(REMIT + ["worker"], env=env, cwd=tmp_path, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            lines, seen = _lines(proc.stdout), []  # type: ignore[arg-type]
            _wait_for(lines, "job(s) scheduled", seen, timeout=60)
            _wait_for(lines, "webhooks: interval", seen, timeout=10)
            assert any(line.strip().startswith("inbox: interval") for line in seen), seen
            # The inbox file is ingested and auto-applied; the webhook job delivers the event.
            deadline = time.monotonic() + 30
            while not receiver.requests and time.monotonic() < deadline:
                time.sleep(0.1)
            assert receiver.requests, "".join(seen)
            got = receiver.requests[0]
            assert got.signature_ok(SECRET)
            assert got.json["invoice"]["number"] == "INV-1"
            assert got.json["invoice"]["status"] == "paid"
            assert (inbox / "processed" / "stmt.xml").exists()
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=30) == 0
            _wait_for(lines, "remit worker: stopped", seen, timeout=5)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def test_remit_worker_with_nothing_to_do_says_so(cli_env, tmp_path) -> None:
    proc = subprocess.run(REMIT + ["worker"], env={**cli_env, "REMIT_MATCH_SWEEP_SECONDS": "0"}, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "nothing to schedule" in proc.stderr


@pytest.mark.parametrize("command", ["worker", "serve"])
@pytest.mark.parametrize(("env", "named"), [
    ({"REMIT_ENVIRONMENT": "production"}, "REMIT_SECRET_KEY"),
    ({"REMIT_ENVIRONMENT": "production", "REMIT_SECRET_KEY": "k" * 40,
      "REMIT_WEBHOOK_URL": "https://erp.example/hooks"}, "REMIT_WEBHOOK_SECRET"),
    ({"REMIT_INBOX_POLL_SECONDS": "often"}, "REMIT_INBOX_POLL_SECONDS"),
])
def test_refused_settings_are_one_line_and_exit_2(
    command: str, env: dict[str, str], named: str, tmp_path: Path
) -> None:
    base = {k: v for k, v in os.environ.items() if not k.startswith("REMIT_")}
    base["REMIT_DATABASE_URL"] = f"sqlite:///{tmp_path / 'never.db'}"
    proc = subprocess.run(REMIT + [command], env={**base, **env}, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("remit: refusing to start"), proc.stderr
    assert named in lines[0] and "Traceback" not in proc.stderr
    assert not (tmp_path / "never.db").exists()  # refused before touching the database


def test_remit_serve_with_workers_runs_several_http_processes(cli_env, tmp_path) -> None:
    import socket

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(REMIT + ["serve", "--port", str(port), "--workers", "2"],
                            env=cli_env, cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("remit serve --workers 2 never answered /healthz")
        # Fresh connections land on either process: all of them answer, with auth enforced.
        answers = {httpx.get(f"{base}/api/v1/payments", timeout=5).status_code for _ in range(20)}
        assert answers == {401}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert "2 HTTP processes" in out and "run `remit worker`" in out
    assert out.count("Started server process") == 2, out
