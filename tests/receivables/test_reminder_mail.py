"""Reminders that reach someone (SQLite and PostgreSQL, a real SMTP server on loopback):
customers imported with their e-mail, `remit reminders run --as-of` and the daily job
deliver, a 421 is retried, nothing is sent twice for an invoice step — not on a re-run, not
after a crash between the SMTP answer and the commit, not after a lost answer — and the
text reads as a person wrote it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, update

from core.settings import Settings
from ledger.db import transaction
from ledger.models import AuditEvent, Customer, DunningPolicy, Invoice, Reminder
from ledger.types import utc_now
from receivables import reminders
from receivables.dunning import CustomerInfo, Decision, InstalmentState, InvoiceState, Policy, Step
from receivables.reminder_templates import TEMPLATES_DIR, Renderer
from tests.receivables.smtp_server import SmtpServer
from workflows import jobs
from workflows.dunning import resend_reminder, run_reminders
from workflows.runtime import Runtime, runtime
from workflows.smtp import SmtpMailer

AS_OF = date(2026, 11, 20)
IBAN = "DE89370400440532013000"


@pytest.fixture
def smtp() -> Any:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def mail_settings(settings: Settings, smtp: SmtpServer, **kw: Any) -> Settings:
    values: dict[str, Any] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp.port,
        "smtp_from": "Contoso Receivables <ar@remit.test>",
        "smtp_retry_seconds": 0.01,
        "smtp_timeout_seconds": 5,
        "payee_name": "Remit Demo GmbH",
        "payee_iban": IBAN,
        "payee_bic": "COBADEFFXXX",
    }
    values.update(kw)
    return settings.model_copy(update=values)


def seed(engine: Any, *, email: str | None = "ap@northwind.test") -> None:
    with transaction(engine) as s:
        s.execute(delete(Reminder))
        s.execute(delete(DunningPolicy))
        s.execute(insert(Customer).values(id="C1", name="Northwind Traders", email=email))
        s.execute(insert(Invoice).values(number="INV-1001", customer_id="C1", currency="EUR",
                                         amount_minor=125000, open_minor=125000,
                                         issue_date=date(2026, 10, 1), due_date=date(2026, 11, 13)))


def statuses(engine: Any) -> list[tuple[str, str, int, str | None]]:
    with transaction(engine) as s:
        return [tuple(r) for r in s.execute(  # type: ignore[misc]
            select(Reminder.step, Reminder.status, Reminder.attempts, Reminder.message_id).order_by(Reminder.id))]


def assert_written_by_a_person(text: str) -> None:
    """No line ends inside a sentence: every line that another follows ends a sentence, a
    greeting or a list item (. : ! ? ,), or is blank."""
    lines = text.rstrip("\n").split("\n")
    for line, following in zip(lines, lines[1:], strict=False):
        if line.strip() and following.strip():
            assert line.rstrip()[-1] in ".:!?,", f"line broken inside a sentence: {line!r}"


def test_cli_imports_customers_and_runs_reminders_that_arrive_once(rt, cli_env, smtp, tmp_path) -> None:  # type: ignore[no-untyped-def]
    seed(rt.engine, email=None)
    book = tmp_path / "customers.csv"
    book.write_text("customer_id,name,email,phone\nC1,Northwind Traders,ap@northwind.test,+49 30 1234567\n")
    env = {**cli_env, "REMIT_SMTP_HOST": "127.0.0.1", "REMIT_SMTP_PORT": str(smtp.port),
           "REMIT_SMTP_FROM": "Contoso Receivables <ar@remit.test>", "REMIT_PAYEE_NAME": "Remit Demo GmbH",
           "REMIT_PAYEE_IBAN": "de89 3704 0044 0532 0130 00", "REMIT_SMTP_RETRY_SECONDS": "0"}

    def remit(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "cli", *args], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)

    done = remit("customers", "import", str(book))
    assert done.returncode == 0, done.stderr
    done = remit("reminders", "run", "--as-of", AS_OF.isoformat(), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [{"invoice_number": "INV-1001", "customer_id": "C1", "step": "second",
                                        "channel": "email", "days_past_due": 7, "status": "sent", "error": None}]
    (msg,) = smtp.messages
    assert msg.rcpt_tos == ["ap@northwind.test"]
    assert msg.subject == "Payment reminder: INV-1001"
    body = msg.text
    assert body.startswith("Dear Northwind Traders,\n")
    assert "- Invoice INV-1001: EUR 1,250.00 was due on 13 November 2026 and is 7 days overdue." in body
    assert ("How to pay: Please transfer the amount to Remit Demo GmbH, IBAN DE89 3704 0044 0532 0130 00, "
            "quoting the invoice number as the payment reference.") in body
    assert_written_by_a_person(body)
    # Again the same day, and the day after: the step went out; nothing is sent twice.
    for day in ("2026-11-20", "2026-11-21"):
        done = remit("reminders", "run", "--as-of", day, "--json")
        assert done.returncode == 0 and json.loads(done.stdout) == []
    assert len(smtp.messages) == 1
    listed = json.loads(remit("reminders", "list", "--json").stdout)
    assert [(r["status"], r["message_id"]) for r in listed] == [("sent", str(msg.message["Message-ID"]))]


def test_the_daily_job_delivers_today(rt, settings, smtp) -> None:  # type: ignore[no-untyped-def]
    seed(rt.engine)
    today = utc_now().date()
    with transaction(rt.engine) as s:
        s.execute(update(Invoice).values(due_date=today - timedelta(days=1)))
    job_rt = runtime(mail_settings(settings, smtp, reminders_cron="45 6 * * *"))
    scheduler = jobs.build_service_scheduler(job_rt)
    assert scheduler.get_job(jobs.REMINDERS_JOB_ID) is not None
    jobs.reminders_job(job_rt)
    (msg,) = smtp.messages
    assert "is 1 day overdue." in msg.text and msg.subject == "Payment reminder: INV-1001"
    jobs.reminders_job(job_rt)
    assert len(smtp.messages) == 1
    assert [s[:3] for s in statuses(rt.engine)] == [("reminder", "sent", 1)]


def test_a_421_is_retried_with_the_same_message_id(rt, settings, smtp) -> None:  # type: ignore[no-untyped-def]
    seed(rt.engine)
    smtp.recorder.data_replies = ["421 4.3.2 busy, try again later"] * 2
    pauses: list[float] = []
    s = mail_settings(settings, smtp, smtp_max_attempts=3, smtp_retry_seconds=0.5)
    out = run_reminders(runtime(s), as_of=AS_OF, actor="test", sleep=pauses.append)
    assert [(r["status"], r["error"]) for r in out] == [("sent", None)]
    assert pauses == [0.5, 1.0]  # backoff doubles
    assert len(smtp.messages) == 1 and len(smtp.recorder.refused) == 2
    assert statuses(rt.engine) == [("second", "sent", 3, str(smtp.messages[0].message["Message-ID"]))]


def test_temporary_failures_past_the_attempts_are_retried_by_the_next_run(rt, settings, smtp) -> None:  # type: ignore[no-untyped-def]
    seed(rt.engine)
    smtp.recorder.data_replies = ["421 4.3.2 busy"] * 2
    s = runtime(mail_settings(settings, smtp, smtp_max_attempts=2))
    (first,) = run_reminders(s, as_of=AS_OF, actor="test", sleep=lambda _: None)
    assert first["status"] == "failed" and "421 4.3.2 busy" in first["error"] and "2 attempt" in first["error"]
    assert smtp.messages == []
    (second,) = run_reminders(s, as_of=AS_OF, actor="test", sleep=lambda _: None)
    assert second["status"] == "sent"
    assert len(smtp.messages) == 1 and statuses(rt.engine)[0][:3] == ("second", "sent", 3)


def test_connection_refused_is_temporary_and_a_5xx_is_undeliverable_until_the_address_changes(  # type: ignore[no-untyped-def]
    rt, settings, smtp
) -> None:
    seed(rt.engine)
    down = runtime(mail_settings(settings, smtp, smtp_port=smtp.port + 1 if smtp.port < 65535 else 1))
    (out,) = run_reminders(down, as_of=AS_OF, actor="test", sleep=lambda _: None)
    assert out["status"] == "failed" and "ConnectionRefusedError" in out["error"]
    smtp.recorder.data_replies = ["554 5.7.1 message rejected as spam"]
    up = runtime(mail_settings(settings, smtp))
    (out,) = run_reminders(up, as_of=AS_OF, actor="test")
    assert (out["status"], out["error"]) == ("undeliverable", "message refused: 554 5.7.1 message rejected as spam")
    assert run_reminders(up, as_of=AS_OF, actor="test") == []  # not hammered again
    with transaction(rt.engine) as session:
        session.execute(update(Customer).values(email="payables@northwind.test"))
    (out,) = run_reminders(up, as_of=AS_OF, actor="test")
    assert out["status"] == "sent" and smtp.messages[0].rcpt_tos == ["payables@northwind.test"]


class Crash(BaseException):
    """The process dying right after the mail server accepted the message."""


class CrashAfterSend:
    def __init__(self, inner: SmtpMailer) -> None:
        self.inner = inner

    def send(self, message: Any) -> None:
        self.inner.send(message)
        raise Crash

    def close(self) -> None:
        self.inner.close()


def test_a_crash_between_the_smtp_answer_and_the_commit_never_sends_twice(rt, settings, smtp) -> None:  # type: ignore[no-untyped-def]
    seed(rt.engine)
    s = mail_settings(settings, smtp)
    mail_rt = runtime(s)
    with pytest.raises(Crash):
        run_reminders(mail_rt, as_of=AS_OF, actor="test", mailer=CrashAfterSend(SmtpMailer(s)))
    assert len(smtp.messages) == 1
    message_id = str(smtp.messages[0].message["Message-ID"])
    # The claim was committed before the conversation: the row says so, with its Message-ID.
    assert statuses(rt.engine) == [("second", "sending", 0, message_id)]
    # A restart at once (the crashed run might still be sending) and the next day: nothing resent.
    assert run_reminders(mail_rt, as_of=AS_OF, actor="test") == []
    assert run_reminders(mail_rt, as_of=AS_OF + timedelta(days=1), actor="test") == []
    assert len(smtp.messages) == 1
    # Once older than any send can take, the next run says what is known: perhaps delivered.
    with transaction(rt.engine) as session:
        session.execute(update(Reminder).values(attempted_at=utc_now() - reminders.stale_after(s) - timedelta(seconds=1)))
    assert run_reminders(mail_rt, as_of=AS_OF, actor="test") == []
    listed = reminders_list(rt)
    assert listed[0]["status"] == "unknown" and message_id in listed[0]["error"]
    assert len(smtp.messages) == 1
    # A person checked the mail server's log and asks for it again: the next run sends it.
    resend_reminder(mail_rt, listed[0]["reminder_id"], actor="tester")
    (out,) = run_reminders(mail_rt, as_of=AS_OF, actor="test")
    assert out["status"] == "sent" and len(smtp.messages) == 2
    with transaction(rt.engine) as session:
        actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("reminder.%"))))
    assert {"reminder.unknown", "reminder.resend_requested", "reminder.sent"} <= actions


def test_two_runs_at_once_send_each_step_once(rt, settings, smtp) -> None:  # type: ignore[no-untyped-def]
    import threading

    seed(rt.engine)
    with transaction(rt.engine) as s:
        for n in (2, 3):
            s.execute(insert(Customer).values(id=f"C{n}", name=f"Customer {n}", email=f"ap@c{n}.test"))
            s.execute(insert(Invoice).values(number=f"INV-{n}", customer_id=f"C{n}", currency="EUR",
                                             amount_minor=1000, open_minor=1000,
                                             issue_date=date(2026, 10, 1), due_date=date(2026, 11, 13)))
    smtp.recorder.delay_seconds = 0.3
    mail_rt = runtime(mail_settings(settings, smtp))
    results: list[list[dict[str, Any]]] = []
    errors: list[BaseException] = []

    def one_run() -> None:
        try:
            results.append(run_reminders(mail_rt, as_of=AS_OF, actor="test"))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=one_run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(m.rcpt_tos[0] for m in smtp.messages) == ["ap@c2.test", "ap@c3.test", "ap@northwind.test"]
    assert sorted(r["invoice_number"] for run in results for r in run) == ["INV-1001", "INV-2", "INV-3"]
    assert [s[1] for s in statuses(rt.engine)] == ["sent"] * 3


def reminders_list(rt: Runtime) -> list[dict[str, Any]]:
    with transaction(rt.engine) as session:
        return reminders.list_reminders(session)


def test_a_lost_answer_after_the_message_is_unknown_and_not_resent(rt, settings, smtp) -> None:  # type: ignore[no-untyped-def]
    seed(rt.engine)
    smtp.recorder.drop_after_data = 1
    mail_rt = runtime(mail_settings(settings, smtp))
    (out,) = run_reminders(mail_rt, as_of=AS_OF, actor="test", sleep=lambda _: None)
    assert out["status"] == "unknown" and "may have been delivered" in out["error"]
    assert run_reminders(mail_rt, as_of=AS_OF, actor="test") == []
    assert len(smtp.messages) == 1  # delivered once, never retried


def test_without_an_address_the_reminder_is_listed_undeliverable_with_the_reason(rt, settings, smtp) -> None:  # type: ignore[no-untyped-def]
    seed(rt.engine, email=None)
    mail_rt = runtime(mail_settings(settings, smtp))
    (out,) = run_reminders(mail_rt, as_of=AS_OF, actor="test")
    assert (out["status"], out["error"]) == ("undeliverable", "customer C1 has no e-mail address")
    (row,) = reminders_list(rt)
    assert (row["status"], row["error"], row["recipient"]) == ("undeliverable", "customer C1 has no e-mail address", None)
    assert smtp.messages == []


def _context_decisions() -> tuple[list[Decision], CustomerInfo]:
    policy = Policy(1, "default", None, ())
    customer = CustomerInfo("C1", "Northwind Traders", "ap@northwind.test", phone="+49 30 1234567")
    out = []
    for n, (days, terms) in enumerate(((-3, "2/10 net 30"), (0, None), (1, None), (45, None)), start=1):
        inv = InvoiceState(n, f"INV-{n}", "C1", "EUR", 123456, 123456, "open", AS_OF - timedelta(days=30 + days),
                           AS_OF - timedelta(days=days), terms=terms, disputed_minor=1000 if n == 4 else 0)
        out.append(Decision("C1", policy, Step("s", days, "email", "reminder"), days, f"k{n}", "EUR", 122456, invoice=inv))
    ins = InstalmentState(1, 1, "PLAN-1", "C1", "EUR", 1, AS_OF - timedelta(days=2), 50000, 0, "due", "active")
    out.append(Decision("C1", policy, Step("missed", 1, "email", "instalment_missed"), 2, "i1", "EUR", 50000, instalment=ins))
    return out, customer


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES_DIR.glob("*.txt.j2") if not p.name.startswith("_")))
def test_every_text_template_writes_whole_sentences_per_line(template: str, tmp_path: Path) -> None:
    """Rendered with every kind of line (not yet due, due today, overdue, disputed, discount,
    instalments): no line ends inside a sentence; amounts and dates read as a person writes them."""
    from receivables.reminder_templates import build_context

    decisions, customer = _context_decisions()

    class NoFees:
        def scalars(self, *_: Any) -> list[Any]:
            return []

    s = Settings(payee_name="Remit Demo GmbH", payee_iban=IBAN, payment_instructions="Card payments: pay.remit.test.",
                 smtp_from="Contoso Receivables <ar@remit.test>")
    ctx = build_context(NoFees(), decisions, customer, as_of=AS_OF, settings=s)  # type: ignore[arg-type]
    step = Step("x", 1, "call" if template.startswith("call") else "email", template.removesuffix(".txt.j2"))
    subject, body = Renderer().render(step, ctx)
    assert "\n" not in subject and subject
    assert_written_by_a_person(body)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", body), "dates are written out"
    if "items" in (TEMPLATES_DIR / template).read_text() or template.startswith(("call", "agency")):
        assert "EUR 1,224.56" in body and "1 day overdue." in body and "due today" in body
        assert "IBAN DE89 3704 0044 0532 0130 00" in body and "Card payments: pay.remit.test." in body
