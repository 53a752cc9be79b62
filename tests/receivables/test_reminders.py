"""Reminder runs on the database (SQLite and PostgreSQL) against a real SMTP server on
loopback: what is sent, queued, failed and retried, and what is never sent.

As of 2026-11-20. C1 (ap@contoso.test): INV-1 1000.00 due 2026-11-19 (+1 reminder),
INV-2 500.00 due 2026-10-21 (+30 final: a letter), INV-3 200.00 due 2026-11-23 (−3 courtesy),
2/10 net 30 issued 2026-11-13 (discount 4.00 until 2026-11-23). C2 (refuse@fabrikam.test):
INV-4 300.00 due 2026-11-13 (+7 second).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import delete, func, insert, select

from core.settings import Settings
from ledger.db import transaction
from ledger.models import (
    AuditEvent,
    Customer,
    Dispute,
    DunningPolicy,
    FeeItem,
    Instalment,
    Invoice,
    PaymentPlan,
    PaymentPlanInvoice,
    Reminder,
)
from receivables import reminders
from receivables.dunning import Step
from tests.receivables.smtp_server import SmtpServer
from workflows.smtp import SmtpMailer

AS_OF = date(2026, 11, 20)


@pytest.fixture
def smtp() -> Any:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def clear_policies(engine: Any) -> None:
    # conftest truncates customers and invoices (cascading to reminders), not the policies.
    with transaction(engine) as s:
        s.execute(delete(Reminder))
        s.execute(delete(DunningPolicy))


def add_invoice(s: Any, number: str, customer: str, minor: int, due: date, **kw: Any) -> int:
    values = {
        "number": number,
        "customer_id": customer,
        "currency": "EUR",
        "amount_minor": minor,
        "open_minor": minor,
        "issue_date": date(2026, 10, 1),
        "due_date": due,
    }
    values.update(kw)
    return int(s.execute(insert(Invoice).values(**values).returning(Invoice.id)).scalar_one())


@pytest.fixture
def book(engine) -> dict[str, int]:  # type: ignore[no-untyped-def]
    clear_policies(engine)
    ids = {}
    with transaction(engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Contoso Ltd", email="ap@contoso.test"))
        s.execute(insert(Customer).values(id="C2", name="Fabrikam", email="refuse@fabrikam.test"))
        ids["INV-1"] = add_invoice(s, "INV-1", "C1", 100000, date(2026, 11, 19))
        ids["INV-2"] = add_invoice(s, "INV-2", "C1", 50000, date(2026, 10, 21))
        ids["INV-3"] = add_invoice(
            s,
            "INV-3",
            "C1",
            20000,
            date(2026, 11, 23),
            issue_date=date(2026, 11, 13),
            terms="2/10 net 30",
        )
        ids["INV-4"] = add_invoice(s, "INV-4", "C2", 30000, date(2026, 11, 13))
    return ids


def settings_for(settings: Settings, smtp: SmtpServer | None, **kw: Any) -> Settings:
    update = {
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp.port if smtp else 9,
        "smtp_from": "Remit AR <ar@remit.test>",
        "payment_instructions": "IBAN DE89 3704 0044 0532 0130 00, reference: invoice number",
        "smtp_retry_seconds": 0.01,
    }
    update.update(kw)
    return settings.model_copy(update=update)


def run(
    engine: Any, s: Settings, *, dry_run: bool = False, as_of: date = AS_OF
) -> list[dict[str, Any]]:
    with transaction(engine) as session:
        return reminders.run(
            session, as_of=as_of, settings=s, mailer=SmtpMailer(s), actor="test", dry_run=dry_run
        )


def test_a_run_sends_one_email_per_customer_queues_letters_and_never_repeats(
    engine,
    settings,
    smtp,
    book,  # type: ignore[no-untyped-def]
) -> None:
    s = settings_for(settings, smtp)
    out = run(engine, s)
    got = [
        (
            r["invoice_number"],
            r["customer_id"],
            r["step"],
            r["channel"],
            r["days_past_due"],
            r["status"],
        )
        for r in out
    ]
    assert got == [
        ("INV-1", "C1", "reminder", "email", 1, "sent"),
        ("INV-2", "C1", "final", "letter", 30, "queued"),
        ("INV-3", "C1", "courtesy", "email", -3, "sent"),
        ("INV-4", "C2", "second", "email", 7, "undeliverable"),
    ]
    assert "550 5.1.1 no such mailbox" in out[3]["error"]
    # One message for C1's two email steps, to C1 only; the refused one never arrived.
    (msg,) = smtp.messages
    assert msg.rcpt_tos == ["ap@contoso.test"] and msg.mail_from == "ar@remit.test"
    assert msg.subject == "Payment reminder: INV-1, INV-3"  # the most severe step's template
    body = msg.text
    assert "Invoice INV-1: EUR 1,000.00 was due on 19 November 2026 and is 1 day overdue." in body
    assert "Invoice INV-3: EUR 200.00 is due on 23 November 2026, in 3 days." in body
    assert "If you pay EUR 196.00 by 23 November 2026, you keep the early-payment discount of EUR 4.00." in body
    assert "Total: EUR 1,200.00." in body and "IBAN DE89" in body
    with transaction(engine) as session:
        rows = session.execute(
            select(Reminder.dedupe_key, Reminder.status, Reminder.subject).order_by(Reminder.id)
        ).all()
        default_id = session.scalar(select(DunningPolicy.id).where(DunningPolicy.name == "default"))
        letter = session.scalars(select(Reminder).where(Reminder.channel == "letter")).one()
        events = session.execute(
            select(AuditEvent.action, AuditEvent.entity_id).where(
                AuditEvent.action.like("reminder.%")
            )
        ).all()
    assert {k for k, _, _ in rows} == {
        f"invoice:{book[n]}:policy:{default_id}:step:{step}"
        for n, step in (
            ("INV-1", "reminder"),
            ("INV-2", "final"),
            ("INV-3", "courtesy"),
            ("INV-4", "second"),
        )
    }
    assert letter.status == "queued" and letter.body.startswith("<!doctype html>")
    assert "Final notice" in letter.body and "500.00 EUR" in letter.body
    assert letter.subject == "FINAL NOTICE: INV-2"
    assert sorted(events) == [
        ("reminder.queued", "INV-2"),
        ("reminder.sent", "INV-1"),
        ("reminder.sent", "INV-3"),
        ("reminder.undeliverable", "INV-4"),
    ]
    # The same day again: nothing (the refused address is not tried again while unchanged).
    again = run(engine, s)
    assert again == []
    assert len(smtp.messages) == 1
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(Reminder)) == 4


def test_dry_run_lists_what_would_go_out_and_writes_and_sends_nothing(
    engine,
    settings,
    smtp,
    book,  # type: ignore[no-untyped-def]
) -> None:
    out = run(engine, settings_for(settings, smtp), dry_run=True)
    assert [
        {k: r[k] for k in ("invoice_number", "customer_id", "step", "channel", "days_past_due")}
        for r in out
    ] == [
        {
            "invoice_number": "INV-1",
            "customer_id": "C1",
            "step": "reminder",
            "channel": "email",
            "days_past_due": 1,
        },
        {
            "invoice_number": "INV-2",
            "customer_id": "C1",
            "step": "final",
            "channel": "letter",
            "days_past_due": 30,
        },
        {
            "invoice_number": "INV-3",
            "customer_id": "C1",
            "step": "courtesy",
            "channel": "email",
            "days_past_due": -3,
        },
        {
            "invoice_number": "INV-4",
            "customer_id": "C2",
            "step": "second",
            "channel": "email",
            "days_past_due": 7,
        },
    ]
    assert out[1]["skipped_steps"] == ["courtesy", "reminder", "second", "call"]
    assert smtp.messages == []
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(Reminder)) == 0
        assert session.scalar(select(func.count()).select_from(DunningPolicy)) == 0
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_server_down_fails_and_the_next_run_retries_and_sends(
    engine,
    settings,
    smtp,
    book,  # type: ignore[no-untyped-def]
) -> None:
    down = settings_for(settings, None, smtp_port=smtp.port)
    smtp.stop()
    out = run(engine, down)
    assert {r["status"] for r in out if r["channel"] == "email"} == {"failed"}
    assert all("SMTP 127.0.0.1" in r["error"] for r in out if r["channel"] == "email")
    smtp.controller = type(smtp.controller)(smtp.recorder, hostname="127.0.0.1", port=smtp.port)
    smtp.start()
    with transaction(engine) as session:
        session.execute(
            Customer.__table__.update().where(Customer.id == "C2").values(email="ap@fabrikam.test")
        )
    out = run(engine, down)
    assert [(r["invoice_number"], r["status"]) for r in out] == [
        ("INV-1", "sent"),
        ("INV-3", "sent"),
        ("INV-4", "sent"),
    ]
    assert sorted(m.rcpt_tos[0] for m in smtp.messages) == ["ap@contoso.test", "ap@fabrikam.test"]
    with transaction(engine) as session:
        statuses = session.execute(
            select(Reminder.step, Reminder.status, Reminder.error).order_by(Reminder.id)
        ).all()
        assert session.scalar(select(func.count()).select_from(Reminder)) == 4  # updated, not added
    assert all(st in ("sent", "queued") and err is None for _, st, err in statuses)


def test_disputes_plans_fees_and_no_email_address(  # type: ignore[no-untyped-def]
    engine,
    settings,
    smtp,
) -> None:
    clear_policies(engine)
    with transaction(engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Contoso", email="ap@contoso.test"))
        s.execute(insert(Customer).values(id="C3", name="Northwind"))  # no email
        full = add_invoice(s, "D-1", "C1", 10000, date(2026, 11, 10))
        part = add_invoice(s, "D-2", "C1", 60000, date(2026, 11, 10))
        planned = add_invoice(s, "P-1", "C1", 90000, date(2026, 11, 1))
        add_invoice(s, "N-1", "C3", 5000, date(2026, 11, 19))
        add_invoice(s, "X-1", "C1", 5000, date(2026, 11, 1), status="paid", open_minor=0)
        for inv, minor in ((full, 10000), (part, 25000)):
            s.execute(
                insert(Dispute).values(
                    invoice_id=inv,
                    currency="EUR",
                    amount_minor=minor,
                    reason_code="pricing",
                    source="manual",
                    opened_by="test",
                )
            )
        s.execute(
            insert(FeeItem).values(
                invoice_id=part,
                kind="finance_charge",
                currency="EUR",
                base_minor=35000,
                rate="1.5",
                period_start=date(2026, 11, 11),
                period_end=date(2026, 11, 20),
                amount_minor=525,
            )
        )
        plan = s.execute(
            insert(PaymentPlan)
            .values(customer_id="C1", currency="EUR", reference="PP-1", created_by="test")
            .returning(PaymentPlan.id)
        ).scalar_one()
        s.execute(insert(PaymentPlanInvoice).values(plan_id=plan, invoice_id=planned))
        s.execute(
            insert(Instalment).values(
                plan_id=plan, seq=1, due_date=date(2026, 11, 19), amount_minor=30000
            )
        )
        s.execute(
            insert(Instalment).values(
                plan_id=plan, seq=2, due_date=date(2026, 12, 19), amount_minor=60000
            )
        )
    out = run(engine, settings_for(settings, smtp))
    assert [
        (r["invoice_number"], r.get("plan_reference"), r["step"], r["amount"], r["status"])
        for r in out
    ] == [
        ("D-2", None, "second", "350.00", "sent"),  # the undisputed part only
        (None, "PP-1", "missed", "300.00", "sent"),  # instalment 1, +1
        ("N-1", None, "reminder", "50.00", "undeliverable"),
    ]
    assert out[2]["error"] == "customer C3 has no e-mail address"
    texts = sorted(m.text for m in smtp.messages)
    assert len(texts) == 2
    invoice_mail = next(t for t in texts if "D-2" in t)
    assert "A further EUR 250.00 of this invoice is in dispute" in invoice_mail
    assert "Late fee (finance charge to 20 November 2026): EUR 5.25." in invoice_mail
    assert "Total: EUR 355.25." in invoice_mail
    plan_mail = next(t for t in texts if "PP-1" in t)
    assert "instalment 1: EUR 300.00 was due on 19 November 2026 (1 day ago)." in plan_mail


def test_policies_segments_overrides_and_queued_tasks(  # type: ignore[no-untyped-def]
    engine,
    settings,
    smtp,
    book,
) -> None:
    with transaction(engine) as s:
        reminders.save_policy(
            s,
            name="large",
            segment="large",
            actor="test",
            steps=[Step("early-call", -5, "call", "call")],
        )
        with pytest.raises(reminders.Conflict):
            reminders.save_policy(
                s,
                name="other",
                segment="large",
                actor="test",
                steps=[Step("a", 1, "email", "reminder")],
            )
        with pytest.raises(reminders.ReminderError, match="no template nope.html.j2"):
            reminders.save_policy(
                s, name="bad", segment=None, actor="test", steps=[Step("a", 1, "letter", "nope")]
            )
        reminders.set_customer_dunning(s, "C2", segment="large", actor="test")
    out = run(engine, settings_for(settings, smtp))
    c2 = [r for r in out if r["customer_id"] == "C2"]
    assert [(r["step"], r["channel"], r["status"], r["policy"]) for r in c2] == [
        ("early-call", "call", "queued", "large")
    ]
    with transaction(engine) as s:
        queued = reminders.list_reminders(s, status="queued")
        assert sorted(r["step"] for r in queued) == ["early-call", "final"]
        done = reminders.mark_done(s, c2[0]["reminder_id"], actor="clerk")
        assert done["status"] == "done"
        with pytest.raises(reminders.Conflict):
            reminders.mark_done(s, c2[0]["reminder_id"], actor="clerk")
        with pytest.raises(reminders.Conflict):
            reminders.delete_policy(
                s,
                s.scalar(select(DunningPolicy.id).where(DunningPolicy.name == "large")),
                actor="t",
            )
        on_inv1 = reminders.list_reminders(s, invoice_number="INV-1")
        assert [(r["step"], r["status"]) for r in on_inv1] == [("reminder", "sent")]


def test_preview_renders_a_chosen_step_without_writing(  # type: ignore[no-untyped-def]
    engine,
    settings,
    book,
) -> None:
    s = settings_for(settings, None)
    with transaction(engine) as session:
        p = reminders.preview(
            session, invoice_number="INV-1", step="final", as_of=AS_OF, settings=s
        )
        assert (p.step, p.channel, p.html, p.days_past_due) == ("final", "letter", True, 1)
        assert "INV-1" in p.body and "1000.00 EUR" in p.body
        p = reminders.preview(session, invoice_number="INV-3", step=None, as_of=AS_OF, settings=s)
        assert p.step == "courtesy" and "If you pay EUR 196.00 by 23 November 2026" in p.body
        with pytest.raises(reminders.ReminderError, match="no step 'nope'"):
            reminders.preview(session, invoice_number="INV-1", step="nope", as_of=AS_OF, settings=s)
        with pytest.raises(reminders.NotFound):
            reminders.preview(session, invoice_number="NOPE", step=None, as_of=AS_OF, settings=s)
        assert session.scalar(select(func.count()).select_from(Reminder)) == 0


def test_assign_segments_from_payment_history_keeps_hand_set_ones(  # type: ignore[no-untyped-def]
    engine,
    rt,
) -> None:
    import io

    from tests.factories import E, camt
    from workflows.pipeline import ingest_stream

    clear_policies(engine)
    with transaction(engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Contoso Ltd"))
        s.execute(insert(Customer).values(id="C2", name="Fabrikam"))
        s.execute(insert(Customer).values(id="C3", name="Northwind", segment="vip"))
        add_invoice(s, "S-1", "C1", 10000, date(2026, 10, 1))  # paid 2026-11-20: 50 days late
        add_invoice(s, "S-2", "C1", 20000, date(2026, 11, 15))  # paid 2026-11-20: 5 days late
        add_invoice(s, "L-1", "C2", 6000000, date(2026, 12, 1))  # 60000.00 open: large
        add_invoice(s, "L-2", "C3", 6000000, date(2026, 12, 1))
    data = camt(
        "053",
        [
            E("100.00", ref="B1", name="Contoso Ltd", text=["S-1"]),
            E("200.00", ref="B2", name="Contoso Ltd", text=["S-2"]),
        ],
    )
    result = ingest_stream(rt, io.BytesIO(data), name="d.xml", source="api", actor="test")
    assert result.applied == 2, result
    with transaction(engine) as s:
        preview = reminders.assign_segments(s, settings=rt.settings, actor="t", dry_run=True)
    with transaction(engine) as s:
        changes = reminders.assign_segments(s, settings=rt.settings, actor="t")
    # (50 + 5) / 2 = 27.5 days late on average > 15.
    assert (
        changes
        == preview
        == [
            {"customer_id": "C1", "before": None, "after": "slow_payer"},
            {"customer_id": "C2", "before": None, "after": "large"},
        ]
    )
    with transaction(engine) as s:
        segs = dict(s.execute(select(Customer.id, Customer.segment)).all())
        assert segs == {"C1": "slow_payer", "C2": "large", "C3": "vip"}
        assert reminders.assign_segments(s, settings=rt.settings, actor="t") == []


def test_letters_escape_html_and_text_stays_plain(  # type: ignore[no-untyped-def]
    engine,
    settings,
) -> None:
    clear_policies(engine)
    with transaction(engine) as s:
        s.execute(insert(Customer).values(id="C1", name="<b>Evil & Co</b>", email="a@b.test"))
        add_invoice(s, "E-1", "C1", 1000, date(2026, 10, 1))
    with transaction(engine) as s:
        letter = reminders.preview(
            s, invoice_number="E-1", step="final", as_of=AS_OF, settings=settings
        )
        email = reminders.preview(
            s, invoice_number="E-1", step="reminder", as_of=AS_OF, settings=settings
        )
    assert "&lt;b&gt;Evil &amp; Co&lt;/b&gt;" in letter.body and "<b>Evil" not in letter.body
    assert "Dear <b>Evil & Co</b>," in email.body  # plain text: no entities in an email


def test_the_daily_job_is_scheduled_when_a_cron_is_set_and_runs(
    engine, settings, smtp, book
) -> None:  # type: ignore[no-untyped-def]
    from workflows.jobs import REMINDERS_JOB_ID as JOB_ID
    from workflows.jobs import build_service_scheduler, reminders_job
    from workflows.runtime import runtime

    rt = runtime(settings_for(settings, smtp, reminders_cron="0 6 * * *"))
    job = build_service_scheduler(rt).get_job(JOB_ID)
    assert job is not None and "hour='6'" in str(job.trigger)
    reminders_job(rt)  # today, whatever today is: the book's invoices are all overdue by now
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(Reminder)) == 4
        assert set(s.scalars(select(AuditEvent.actor))) >= {"job:reminders"}


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_login_with_the_password_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(database_url="sqlite://")  # no database here
    from receivables.mailer import MailError, build_message

    server = SmtpServer(auth=("ar-bot", "s3cret"))
    server.start()
    try:
        secret = tmp_path / "smtp-password"
        secret.write_text("s3cret\n")
        good = settings_for(settings, server, smtp_username="ar-bot", smtp_password_file=secret)
        mailer = SmtpMailer(good)
        mailer.send(
            build_message(
                sender="ar@remit.test",
                to="ap@contoso.test",
                subject="Hello\nBcc: x@evil.test",
                text="body",
            )
        )
        mailer.close()
        (msg,) = server.messages
        assert msg.subject == "Hello Bcc: x@evil.test"  # no header injection
        assert msg.rcpt_tos == ["ap@contoso.test"]
        secret.write_text("wrong")
        with pytest.raises(MailError, match="535"):
            SmtpMailer(good).send(
                build_message(sender="ar@remit.test", to="a@b.test", subject="x", text="y")
            )
        with pytest.raises(MailError, match="530|authentication"):
            SmtpMailer(settings_for(settings, server)).send(
                build_message(sender="ar@remit.test", to="a@b.test", subject="x", text="y")
            )
    finally:
        server.stop()
